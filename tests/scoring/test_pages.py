"""The scoring pages for each role: figures narrowed to the user's book, the accounts behind a
cell, the recompute button, the settings page, the customer card section."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from core.models import PendingTask
from scoring.models import ScoringSettings, TierRun
from tests.factories import AccountFactory, OrderFactory, TierRunFactory
from tests.scoring.conftest import AS_OF

pytestmark = pytest.mark.django_db
PAGES = ["overview", "pareto", "quadrants", "priority", "accounts", "movers", "runs"]


@pytest.fixture
def tiered(org, recompute):
    """r1: 100 and 60; r2: 30; r3: 10. Tiers: A, A, B, C (company-wide)."""
    extra = AccountFactory(name="Second of r1", owner=org["r1"], lifecycle="existing")
    for account, amount in [
        (org["accounts"]["r1"], 100),
        (extra, 60),
        (org["accounts"]["r2"], 30),
        (org["accounts"]["r3"], 10),
    ]:
        OrderFactory(account=account, date=AS_OF, amount=amount)
    run = recompute()
    return {**org, "extra": extra, "run": run}


def _get(client, user, name, **params):
    client.force_login(user)
    return client.get(reverse(f"scoring:{name}"), params)


def _no_inline_code(html: str) -> None:
    assert 'style="' not in html
    assert not re.search(
        r"<script(?![^>]*\bsrc=)[^>]*>(?!\s*</script>)",
        html.replace('<script id="pareto-data" type="application/json">', ""),
    )
    assert not re.search(r"\son[a-z]+=", html)


@pytest.mark.parametrize("name", [*PAGES, "recompute", "settings"])
def test_pages_need_a_login(client, name):
    response = client.get(reverse(f"scoring:{name}"))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.parametrize("name", PAGES)
def test_pages_show_an_empty_state_before_the_first_run(client, org, name):
    response = _get(client, org["m1"], name)
    assert response.status_code == 200
    html = response.content.decode()
    assert "No tiers yet" in html
    assert "Recompute now" in html  # managers may start one
    _no_inline_code(html)


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("role", ["r1", "m1", "admin"])
def test_pages_render_for_every_role(client, tiered, name, role):
    response = _get(client, tiered[role], name)
    assert response.status_code == 200
    html = response.content.decode()
    _no_inline_code(html)
    assert ("Recompute now" in html) == (role != "r1" and name in ("overview", "runs"))


def test_overview_shows_the_reps_own_figures_with_company_cutoffs(client, tiered):
    figures = _get(client, tiered["r1"], "overview").context["figures"]
    assert figures.customers == 2
    assert figures.total_revenue == Decimal("160.00")
    assert [(t["tier"], t["accounts"]) for t in figures.tiers] == [("A", 2), ("B", 0), ("C", 0)]
    manager = _get(client, tiered["m1"], "overview").context["figures"]
    assert [(t["tier"], t["accounts"]) for t in manager.tiers] == [("A", 2), ("B", 1), ("C", 0)]
    admin = _get(client, tiered["admin"], "overview").context["figures"]
    assert [(t["tier"], t["accounts"]) for t in admin.tiers] == [("A", 2), ("B", 1), ("C", 1)]
    assert admin.total_revenue == Decimal("200.00")


def test_filters_narrow_within_the_book_and_refuse_what_is_outside(client, tiered):
    team = _get(client, tiered["admin"], "overview", team=tiered["t2"].pk).context["figures"]
    assert team.customers == 1
    owner = _get(client, tiered["m1"], "overview", owner=tiered["r2"].pk).context["figures"]
    assert owner.customers == 1
    # A manager cannot look into another team, nor a rep at another rep.
    for user, params, error in [
        (tiered["m1"], {"team": tiered["t2"].pk}, "Select a valid choice"),
        # The owner is a type-ahead picker (core.pickers).
        (tiered["r1"], {"owner": tiered["r3"].pk}, "No user you can choose matches"),
        (tiered["r1"], {"team": "x"}, "Select a valid choice"),
    ]:
        response = _get(client, user, "overview", **params)
        assert response.status_code == 200
        assert response.context["figures"] is None
        assert error in response.content.decode()


def test_pareto_page_has_the_chart_data_and_the_numbers(client, tiered):
    response = _get(client, tiered["admin"], "pareto")
    curve = response.context["curve"]
    assert (curve.customers, curve.customers_to_80) == (4, 2)
    html = response.content.decode()
    assert 'id="pareto-data"' in html and "chart.umd.min.js" in html and "js/scoring.js" in html
    assert "50.0% of customers" in html  # 2 of 4 customers bring 160 of 200
    assert "80.00%" in html
    # No effort is logged yet: nobody is in the high-input quadrants.
    assert response.context["contacted"]["accounts"] == 0
    assert "0 customers (0.0%), bringing 0.0% of the output" in html
    rep = _get(client, tiered["r1"], "pareto").context["curve"]
    assert (rep.customers, rep.total_revenue) == (2, Decimal("160.00"))


def test_a_cell_links_to_the_accounts_behind_it(client, tiered):
    response = _get(client, tiered["m1"], "quadrants")
    html = response.content.decode()
    assert f"{reverse('scoring:accounts')}?quadrant=2" in html
    listed = _get(client, tiered["m1"], "accounts", quadrant=2)
    # Median output of (100, 60, 30, 10) is 45: high output are the r1 accounts.
    assert [row.account.name for row in listed.context["page"].object_list] == [
        "Account of r1",
        "Second of r1",
    ]
    priority = _get(client, tiered["admin"], "accounts", priority="C")
    assert [row.account.name for row in priority.context["page"].object_list] == [
        "Account of r2",
        "Account of r3",
    ]
    by_tier = _get(client, tiered["r1"], "accounts", tier="B")
    assert list(by_tier.context["page"].object_list) == []
    search = _get(client, tiered["admin"], "accounts", q="second", sort="-revenue")
    assert [row.account.name for row in search.context["page"].object_list] == ["Second of r1"]


def test_movers_page_lists_ups_and_downs_since_the_previous_run(client, tiered, recompute):
    OrderFactory(account=tiered["accounts"]["r3"], date=AS_OF, amount=500)
    recompute()
    up = _get(client, tiered["admin"], "movers", direction="up")
    assert [r.account.name for r in up.context["page"].object_list] == ["Account of r3"]
    down = _get(client, tiered["admin"], "movers", direction="down")
    assert sorted(r.account.name for r in down.context["page"].object_list) == [
        "Account of r2",
        "Second of r1",
    ]
    team = _get(client, tiered["admin"], "movers", team=tiered["t1"].pk)
    assert sorted(r.account.name for r in team.context["page"].object_list) == [
        "Account of r2",
        "Second of r1",
    ]
    rep = _get(client, tiered["r3"], "movers")
    assert [r.account.name for r in rep.context["page"].object_list] == ["Account of r3"]
    assert "▲" in rep.content.decode()


def test_recompute_button_for_managers_queues_through_the_outbox(client, tiered):
    response = _get(client, tiered["m1"], "recompute")
    assert response.status_code == 200
    assert "Recompute every tier now?" in response.content.decode()
    response = client.post(reverse("scoring:recompute"))
    run = TierRun.objects.get(status="queued")
    assert response.status_code == 302
    assert response["Location"] == reverse("scoring:run_detail", args=[run.pk])
    assert PendingTask.objects.filter(task_name="scoring.tasks.recompute_tiers_task").count() == 1
    detail = client.get(response["Location"])
    html = detail.content.decode()
    assert "Queued" in html
    assert f'data-run-poll="/api/v1/scoring/runs/{run.pk}/"' in html
    _no_inline_code(html)


def test_reps_get_404_for_the_recompute_button_and_nothing_is_queued(client, tiered):
    client.force_login(tiered["r1"])
    assert client.get(reverse("scoring:recompute")).status_code == 404
    assert client.post(reverse("scoring:recompute")).status_code == 404
    assert not TierRun.objects.filter(status="queued").exists()
    assert not PendingTask.objects.exists()


def test_run_detail_shows_the_users_own_figures_and_failures(client, tiered):
    response = _get(client, tiered["r2"], "runs")
    assert f"#{tiered['run'].pk}" in response.content.decode()
    client.force_login(tiered["r2"])
    detail = client.get(reverse("scoring:run_detail", args=[tiered["run"].pk]))
    assert detail.context["figures"].customers == 1
    assert "Tiers changed" not in detail.content.decode()  # company figures: admins only
    failed = TierRunFactory(trigger="nightly", status="failed", error="Boom: no disk")
    page = client.get(reverse("scoring:run_detail", args=[failed.pk])).content.decode()
    assert "every account kept its previous tier" in page and "Boom: no disk" in page
    assert client.get(reverse("scoring:run_detail", args=[99999])).status_code == 404


def test_settings_page_for_admins_only_with_clear_errors(client, org):
    client.force_login(org["m1"])
    assert client.get(reverse("scoring:settings")).status_code == 404
    client.force_login(org["admin"])
    assert client.get(reverse("settings")).content.decode().count(reverse("scoring:settings")) == 1
    form = client.get(reverse("scoring:settings")).context["form"]
    data = {k: ("" if v is None else v) for k, v in form.initial.items() if k in form.fields}
    bad = client.post(reverse("scoring:settings"), {**data, "a_cutoff": "96"})
    assert bad.status_code == 200
    assert "The B cut-off must be above the A cut-off." in bad.content.decode()
    assert ScoringSettings.load().a_cutoff == Decimal("80")
    good = client.post(reverse("scoring:settings"), {**data, "a_cutoff": "75", "window_days": 180})
    assert good.status_code == 302
    saved = ScoringSettings.load()
    assert (saved.a_cutoff, saved.window_days, saved.updated_by) == (
        Decimal("75"),
        180,
        org["admin"],
    )


def test_customer_card_shows_the_tier_and_its_history(client, tiered, recompute):
    recompute(method="count")
    client.force_login(tiered["r1"])
    account = tiered["accounts"]["r1"]
    html = client.get(reverse("accounts:detail", args=[account.pk])).content.decode()
    assert "Tier history" in html
    assert html.count("2026-06-30") >= 2
    assert "1 of 4" in html  # rank among all customers
    assert "2 · High output, low input: protect and grow" in html
    other = tiered["accounts"]["r3"]
    assert client.get(reverse("accounts:detail", args=[other.pk])).status_code == 404


def test_account_list_filters_and_sorts_by_the_written_tier(client, tiered):
    client.force_login(tiered["admin"])
    page = client.get(reverse("accounts:list"), {"tier": "A"})
    assert sorted(a.name for a in page.context["page"].object_list) == [
        "Account of r1",
        "Second of r1",
    ]
