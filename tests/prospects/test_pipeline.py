"""Pipeline health: the team's minimum at its boundary (24/25/26) for the manager, the rep's
share at its boundary (9/10/11), per industry, counts per rep and team, the coverage warning,
and the settings pages with their refusals."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import Account, Contact
from core.models import AuditEntry
from crm.models import Team
from prospects.models import Prospect, ProspectSettings
from prospects.selectors import (
    accounts_missing_decision_maker,
    pipeline_counts_by_rep,
    pipeline_counts_by_team,
    rep_pipeline_status,
    rep_shares,
)
from prospects.services import team_minimums_set
from tests.factories import AccountFactory, ContactFactory, ProspectFactory, TerritoryFactory

pytestmark = pytest.mark.django_db


def give_prospects(owner, n, *, colour="green", decision="keep_visiting", reason=""):
    accounts = [
        AccountFactory(owner=owner, lifecycle=Account.Lifecycle.POTENTIAL) for _ in range(n)
    ]
    Prospect.objects.bulk_create(
        Prospect(account=a, colour=colour, decision=decision, decision_reason=reason)
        for a in accounts
    )
    return accounts


def set_ratio(ratio, industries=None):
    ProspectSettings.objects.update_or_create(
        pk=1,
        defaults={"rep_prospect_ratio": Decimal(ratio), "industry_ratios": industries or {}},
    )


@pytest.mark.parametrize(("open_count", "below"), [(24, True), (25, False), (26, False)])
def test_team_minimum_warning_at_the_boundary(client, org, open_count, below):
    """The floor of 25 is the team's (营销部至少应该有25~30个潜在企业顾客): the team's
    reps together, here r1 alone; its manager and the admin are warned, no rep is."""
    set_ratio("0")  # no rep share: only the team's floor speaks
    assert org["t1"].pipeline_minimum == 25
    # Red (won) and abandoned prospects do not count toward the open pipeline.
    give_prospects(org["r1"], open_count - 4, colour="green")
    give_prospects(org["r1"], 4, colour="yellow")
    give_prospects(org["r1"], 3, colour="red")
    give_prospects(org["r1"], 2, decision="abandon", reason="no budget")
    give_prospects(org["r3"], 30)  # the other team, not counted in t1

    teams = pipeline_counts_by_team(user=org["m1"])
    assert teams == [
        {
            "team_id": org["t1"].pk,
            "name": "North",
            "minimum": 25,
            "open": open_count,
            "below": below,
            "shortfall": 1 if below else 0,
        }
    ]
    admin_teams = {
        t["name"]: (t["open"], t["below"]) for t in pipeline_counts_by_team(user=org["admin"])
    }
    assert admin_teams == {"North": (open_count, below), "South": (30, False)}
    assert pipeline_counts_by_team(user=org["r1"]) == []

    client.force_login(org["m1"])
    board = client.get(reverse("prospects:board")).content.decode()
    assert ("1 team is below its pipeline minimum." in board) is below
    assert 'data-testid="team-banner"' not in board  # no rep is below a share of 0
    team = client.get(reverse("prospects:team"))
    assert team.context["team_rows"] == teams
    page = team.content.decode()
    assert f"{open_count} / 25" in page
    assert ('data-testid="teams-below"' in page) is below

    client.force_login(org["r1"])
    board = client.get(reverse("prospects:board")).content.decode()
    assert 'data-testid="teams-banner"' not in board
    assert 'data-testid="pipeline-banner"' not in board
    assert client.get(reverse("prospects:team")).context["team_rows"] == []


@pytest.mark.parametrize(("open_count", "below"), [(9, True), (10, False), (11, False)])
def test_rep_share_warning_at_the_boundary(client, org, open_count, below):
    """A rep's share is a ratio of their accounts (一定比率的潜在客户): 50 accounts at 0.2
    make 10 open prospects."""
    set_ratio("0.2")
    give_prospects(org["r1"], open_count - 4, colour="green")
    give_prospects(org["r1"], 4, colour="yellow")
    give_prospects(org["r1"], 2, colour="red")
    give_prospects(org["r1"], 1, decision="abandon", reason="no budget")
    # The organisation's account of r1 and plain customers up to 50 accounts.
    AccountFactory.create_batch(50 - 1 - open_count - 3, owner=org["r1"])
    assert Account.objects.filter(owner=org["r1"]).count() == 50
    status = rep_pipeline_status(org["r1"])
    assert (status["open"], status["accounts"], status["share"], status["below"]) == (
        open_count,
        50,
        10,
        below,
    )
    assert status["shortfall"] == (1 if below else 0)
    assert (status["green"], status["yellow"], status["red"]) == (open_count - 4, 4, 2)

    client.force_login(org["r1"])
    for url in (reverse("prospects:board"), reverse("prospects:list")):
        page = client.get(url).content.decode()
        assert ('data-testid="pipeline-banner"' in page) is below
        assert ("below your share of 10: develop 1 more." in page) is below
    card = client.get(reverse("accounts:detail", args=[org["accounts"]["r1"].pk])).content.decode()
    assert ("below your share of 10." in card) is below

    client.force_login(org["m1"])
    board = client.get(reverse("prospects:board")).content.decode()
    # r2 owns one account: share ceil(0.2) = 1 and no prospect, so always below.
    assert ("2 reps are below their share of prospects." in board) is below
    assert ("1 rep is below their share of prospects." in board) is not below
    team = client.get(reverse("prospects:team"))
    rows = {r["username"]: r for r in team.context["rows"]}
    assert set(rows) == {"r1", "r2"}
    assert (rows["r1"]["open"], rows["r1"]["share"], rows["r1"]["below"]) == (
        open_count,
        10,
        below,
    )
    assert (rows["r2"]["accounts"], rows["r2"]["share"], rows["r2"]["shortfall"]) == (1, 1, 1)
    assert f"{open_count} / 10" in team.content.decode()


def test_the_share_follows_the_industry_where_an_admin_set_its_ratio(org):
    # 10 chemical accounts at 0.5, 10 others (the org's account among them) at 0.1 and 4 of
    # software (its ratio set to 0; letter case and spaces do not count): 5 + 1 + 0.
    set_ratio("0.1", {" 化工 ": "0.5", "Software": "0"})
    AccountFactory.create_batch(10, owner=org["r1"], industry="化工")
    AccountFactory.create_batch(9, owner=org["r1"], industry="食品")
    AccountFactory.create_batch(4, owner=org["r1"], industry="software")
    shares = rep_shares([org["r1"].pk, org["r2"].pk, org["r3"].pk])
    assert shares[org["r1"].pk] == (24, 6)
    # Rounded up: one account at 0.1 asks for one open prospect.
    assert shares[org["r2"].pk] == (1, 1)
    give_prospects(org["r1"], 5)
    # The five new (potential) accounts count too: 29 accounts, 5 + 1.5 rounded up = 7.
    status = rep_pipeline_status(org["r1"])
    assert (status["accounts"], status["share"], status["open"], status["below"]) == (
        29,
        7,
        5,
        True,
    )
    set_ratio("0")
    status = rep_pipeline_status(org["r1"])
    assert (status["share"], status["below"]) == (0, False)
    assert rep_pipeline_status(org["r2"])["below"] is False


def test_a_team_minimum_is_the_teams_own(org):
    give_prospects(org["r1"], 3)
    Team.objects.filter(pk=org["t1"].pk).update(pipeline_minimum=3)
    assert pipeline_counts_by_team(user=org["admin"], team=org["t1"])[0]["below"] is False
    Team.objects.filter(pk=org["t1"].pk).update(pipeline_minimum=4)
    row = pipeline_counts_by_team(user=org["admin"], team=org["t1"])[0]
    assert (row["open"], row["minimum"], row["below"], row["shortfall"]) == (3, 4, True, 1)
    assert [t["name"] for t in pipeline_counts_by_team(user=org["m2"])] == ["South"]


def test_counts_by_rep_follow_the_visibility_rule_and_filters(org):
    territory = TerritoryFactory(name="华东")
    org["r3"].territory = territory
    org["r3"].save()
    give_prospects(org["r1"], 2)
    give_prospects(org["r3"], 1, colour="yellow")
    assert [r["username"] for r in pipeline_counts_by_rep(user=org["r1"])] == ["r1"]
    assert [r["username"] for r in pipeline_counts_by_rep(user=org["m1"])] == ["r2", "r1"]
    assert [r["username"] for r in pipeline_counts_by_rep(user=org["admin"])] == [
        "r2",
        "r4",
        "r3",
        "r1",
    ]
    assert [r["username"] for r in pipeline_counts_by_rep(user=org["admin"], team=org["t2"])] == [
        "r4",
        "r3",
    ]
    assert [
        (r["username"], r["yellow"])
        for r in pipeline_counts_by_rep(user=org["admin"], territory=territory)
    ] == [("r3", 1)]
    assert pipeline_counts_by_rep(user=org["m1"], owner=org["r3"]) == []
    assert rep_pipeline_status(org["m1"]) is None


def test_coverage_warning_for_a_tier_and_yellow_without_decision_maker(client, org):
    a_tier = AccountFactory(owner=org["r1"], name="A tier no DM", tier="A")
    a_tier_ok = AccountFactory(owner=org["r1"], name="A tier with DM", tier="A")
    ContactFactory(account=a_tier_ok, role=Contact.Role.DECISION_MAKER)
    yellow = AccountFactory(owner=org["r1"], name="Yellow no DM", tier="C")
    ContactFactory(account=yellow, role=Contact.Role.HANDLER)
    ProspectFactory(account=yellow, colour="yellow")
    green = AccountFactory(owner=org["r1"], name="Green no DM")
    ProspectFactory(account=green, colour="green")
    abandoned = AccountFactory(owner=org["r1"], name="Yellow abandoned")
    ProspectFactory(account=abandoned, colour="yellow", decision="abandon", decision_reason="x")
    AccountFactory(owner=org["r3"], name="Not mine A", tier="A")
    missing = accounts_missing_decision_maker(user=org["r1"])
    assert [(a.name, a.prospect_colour) for a in missing] == [
        ("A tier no DM", None),
        ("Yellow no DM", "yellow"),
    ]
    assert accounts_missing_decision_maker(user=org["admin"], team=org["t2"]).count() == 1
    client.force_login(org["r1"])
    page = client.get(reverse("prospects:coverage")).content.decode()
    assert "A tier no DM" in page and "Yellow no DM" in page and "Not mine A" not in page
    card = client.get(reverse("accounts:detail", args=[a_tier.pk])).content.decode()
    assert "No contact at this account is marked decision maker." in card
    card = client.get(reverse("accounts:detail", args=[a_tier_ok.pk])).content.decode()
    assert "No contact at this account is marked decision maker." not in card


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"rep_prospect_ratio": "-0.1"}, "rep_prospect_ratio"),
        ({"rep_prospect_ratio": "1.5"}, "rep_prospect_ratio"),
        ({"rep_prospect_ratio": "many"}, "rep_prospect_ratio"),
        ({"rep_prospect_ratio": ""}, "rep_prospect_ratio"),
        ({"rep_prospect_ratio": "0.2", "industry_ratios": "化工 0.5"}, "industry_ratios"),
        ({"rep_prospect_ratio": "0.2", "industry_ratios": "化工: 1.2"}, "industry_ratios"),
        ({"rep_prospect_ratio": "0.2", "industry_ratios": "化工: -1"}, "industry_ratios"),
        ({"rep_prospect_ratio": "0.2", "industry_ratios": ": 0.3"}, "industry_ratios"),
        (
            {"rep_prospect_ratio": "0.2", "industry_ratios": "化工: 0.5\n 化工 : 0.4"},
            "industry_ratios",
        ),
    ],
)
def test_settings_page_refuses_bad_ratios_and_writes_nothing(client, org, data, field):
    client.force_login(org["admin"])
    ProspectSettings.load()
    before = list(ProspectSettings.objects.values())
    bad = client.post(reverse("prospects:settings"), data)
    assert bad.status_code == 200 and list(bad.context["form"].errors) == [field]
    assert list(ProspectSettings.objects.values()) == before


def test_settings_page_error_names_the_line(client, org):
    client.force_login(org["admin"])
    bad = client.post(
        reverse("prospects:settings"),
        {"rep_prospect_ratio": "0.2", "industry_ratios": "化工: 0.5\n\n电子: 2"},
    )
    assert bad.context["form"].errors["industry_ratios"] == ["Line 3: 2 is no ratio from 0 to 1."]
    bad = client.post(
        reverse("prospects:settings"),
        {"rep_prospect_ratio": "0.2", "industry_ratios": "化工: 0.5\n化工：0.4"},
    )
    assert bad.context["form"].errors["industry_ratios"] == ["Line 2: 化工 is already on line 1."]


def test_settings_page_is_for_admins_and_saves(client, org):
    url = reverse("prospects:settings")
    for name in ("r1", "m1"):
        client.force_login(org[name])
        assert client.get(url).status_code == 404
        assert client.post(url, {"rep_prospect_ratio": "0.5"}).status_code == 404
    assert ProspectSettings.load().rep_prospect_ratio == Decimal("0.100")
    client.force_login(org["admin"])
    hub = client.get(reverse("settings")).content.decode()
    assert url in hub and reverse("prospects:team_minimums") in hub
    saved = client.post(
        url, {"rep_prospect_ratio": "1", "industry_ratios": "化工: 0.5\n电子 = 0\n\n"}
    )
    assert saved.status_code == 302
    settings = ProspectSettings.load()
    assert settings.rep_prospect_ratio == Decimal("1.000")
    assert settings.industry_ratios == {"化工": "0.500", "电子": "0.000"}
    page = client.get(url).content.decode()
    assert "化工: 0.500\n电子: 0.000" in page
    assert client.post(url, {"rep_prospect_ratio": "0"}).status_code == 302
    assert (
        ProspectSettings.load().rep_prospect_ratio,
        ProspectSettings.load().industry_ratios,
    ) == (
        Decimal("0.000"),
        {},
    )


def test_team_minimums_page_is_for_admins_and_validates(client, org):
    url = reverse("prospects:team_minimums")
    t1, t2 = org["t1"], org["t2"]
    data = {f"team_{t1.pk}": "30", f"team_{t2.pk}": "20"}
    for name in ("r1", "m1"):
        client.force_login(org[name])
        assert client.get(url).status_code == 404
        assert client.post(url, data).status_code == 404
    client.force_login(org["admin"])
    page = client.get(url)
    assert list(page.context["form"].fields) == [f"team_{t1.pk}", f"team_{t2.pk}"]
    for value in ("0", "-3", "many", ""):
        bad = client.post(url, {**data, f"team_{t2.pk}": value})
        assert bad.status_code == 200 and list(bad.context["form"].errors) == [f"team_{t2.pk}"]
        # All or none: the good value of t1 is not written either.
        assert list(Team.objects.order_by("name").values_list("pipeline_minimum", flat=True)) == [
            25,
            25,
        ]
    assert client.post(url, data).status_code == 302
    assert list(Team.objects.order_by("name").values_list("name", "pipeline_minimum")) == [
        ("North", 30),
        ("South", 20),
    ]
    assert [
        (e.model, e.object_id, e.changes)
        for e in AuditEntry.objects.filter(model="crm.Team").order_by("object_id")
    ] == [
        ("crm.Team", str(t1.pk), {"pipeline_minimum": [25, 30]}),
        ("crm.Team", str(t2.pk), {"pipeline_minimum": [25, 20]}),
    ]


def test_team_minimums_service_refuses_and_writes_nothing(org):
    with pytest.raises(PermissionDenied):
        team_minimums_set(actor=org["m1"], minimums={org["t1"].pk: 30})
    with pytest.raises(ValidationError) as refused:
        team_minimums_set(actor=org["admin"], minimums={org["t1"].pk: 30, org["t2"].pk: 0})
    assert list(refused.value.error_dict) == [f"team_{org['t2'].pk}"]
    assert "South: the minimum must be a whole number of at least 1." in str(refused.value)
    with pytest.raises(ValidationError, match=r"Team 987654 does not exist\."):
        team_minimums_set(actor=org["admin"], minimums={org["t1"].pk: 30, 987654: 5})
    assert set(Team.objects.values_list("pipeline_minimum", flat=True)) == {25}
    assert not AuditEntry.objects.filter(model="crm.Team").exists()
