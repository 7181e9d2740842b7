"""ABC tiers per group (集团): with `tier_basis` = group, a group (its root and every member)
is ranked as one customer by its total revenue and every member takes the group's tier; the
default, per account, is unchanged. Expected tiers are computed by hand below."""

from decimal import Decimal

import pytest

from accounts.models import Account
from scoring.models import ScoringSettings, TierBasis, TierSnapshot
from tests.scoring.conftest import tiers_of

pytestmark = pytest.mark.django_db

# Revenue in the window; total 200. Cut-offs: A while the share before is below 80%, B below 95%.
# Per account: X 100 (before 0%) A, Y 60 (50%) A, R 15 (80%) B, M1 10 (87.5%) B, Z 8 (92.5%) B,
#   M3 5 (96.5%) C, W 2 (99%) C; M2 has no orders: no tier.
# Per group: G = R + M1 + M2 + M3 = 30. X 100 A, Y 60 (50%) A, G 30 (80%) B, Z 8 (95%) C,
#   W 2 (99%) C: R, M1, M2 and M3 all B; Z falls to C, the group now ahead of it.
NAMES = ["X", "Y", "R", "M1", "M2", "M3", "Z", "W"]
PER_ACCOUNT = ["A", "A", "B", "B", "", "C", "B", "C"]
PER_GROUP = ["A", "A", "B", "B", "B", "B", "C", "C"]


@pytest.fixture
def world(make_accounts):
    accounts = dict(
        zip(NAMES, make_accounts([100, 60, 15, 10, None, 5, 8, 2], prefix="G"), strict=True)
    )
    root = accounts["R"]
    Account.objects.filter(pk__in=[accounts["M1"].pk, accounts["M2"].pk]).update(parent=root)
    Account.objects.filter(pk=accounts["M3"].pk).update(parent=accounts["M1"])
    return [accounts[name] for name in NAMES]


def _basis(value):
    settings = ScoringSettings.load()
    settings.tier_basis = value
    settings.save()


def test_the_default_is_per_account_and_ignores_groups(world, recompute):
    assert ScoringSettings.load().tier_basis == TierBasis.ACCOUNT
    run = recompute()
    assert tiers_of(world) == PER_ACCOUNT
    assert run.customers == 7
    assert "tier_basis" not in run.parameters


def test_per_group_every_member_takes_the_groups_tier(world, recompute):
    _basis(TierBasis.GROUP)
    run = recompute()
    assert tiers_of(world) == PER_GROUP
    rows = {
        r["account_id"]: r
        for r in TierSnapshot.objects.filter(run=run).values(
            "account_id", "position", "revenue", "tier", "share"
        )
    }
    by_name = dict(zip(NAMES, world, strict=True))
    # The group is one customer: rank 3 for all four, the group's share (30 of 200); each
    # row keeps its own revenue (none for M2).
    for name in ("R", "M1", "M2", "M3"):
        row = rows[by_name[name].pk]
        assert (row["position"], row["tier"], row["share"]) == (3, "B", Decimal("0.15"))
    assert [rows[by_name[n].pk]["revenue"] for n in ("R", "M1", "M2", "M3")] == [
        Decimal("15.00"),
        Decimal("10.00"),
        None,
        Decimal("5.00"),
    ]
    assert [rows[by_name[n].pk]["position"] for n in ("X", "Y", "Z", "W")] == [1, 2, 4, 5]
    assert run.customers == 5
    assert run.parameters["tier_basis"] == "group"


def test_back_to_per_account_restores_the_account_tiers(world, recompute):
    _basis(TierBasis.GROUP)
    recompute()
    _basis(TierBasis.ACCOUNT)
    recompute()
    assert tiers_of(world) == PER_ACCOUNT


def test_per_group_without_any_group_equals_per_account(make_accounts, recompute):
    accounts = make_accounts([50, 30, 10, 5, 3, 2])
    per_account = recompute()
    expected = list(
        TierSnapshot.objects.filter(run=per_account)
        .order_by("account_id")
        .values_list("account_id", "position", "tier", "share", "cumulative_share")
    )
    _basis(TierBasis.GROUP)
    per_group = recompute()
    got = list(
        TierSnapshot.objects.filter(run=per_group)
        .order_by("account_id")
        .values_list("account_id", "position", "tier", "share", "cumulative_share")
    )
    assert got == expected
    assert per_group.customers == per_account.customers == len(accounts)
    for name in ("total_revenue", "top20_share", "customers_to_80"):
        assert getattr(per_group, name) == getattr(per_account, name)


def test_the_settings_page_sets_the_basis_and_refuses_an_unknown_one(client, org):
    from django.urls import reverse

    client.force_login(org["admin"])
    form = client.get(reverse("scoring:settings")).context["form"]
    data = {k: ("" if v is None else v) for k, v in form.initial.items() if k in form.fields}
    assert data["tier_basis"] == TierBasis.ACCOUNT
    bad = client.post(reverse("scoring:settings"), {**data, "tier_basis": "region"})
    assert bad.status_code == 200
    assert ScoringSettings.load().tier_basis == TierBasis.ACCOUNT
    good = client.post(reverse("scoring:settings"), {**data, "tier_basis": TierBasis.GROUP})
    assert good.status_code == 302
    assert ScoringSettings.load().tier_basis == TierBasis.GROUP
