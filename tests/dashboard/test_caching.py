"""The dashboard's caches: snapshot figures per run, and never a stale book after a change of
the user's role or team."""

from decimal import Decimal

import pytest

from accounts.models import Order
from scoring.dashboard.selectors import dashboard_figure
from scoring.models import TierRun
from scoring.services import tiers_recompute
from tests.dashboard.conftest import TODAY, d

pytestmark = pytest.mark.django_db

D = Decimal


def test_tiers_figure_is_cached_per_run_and_a_recompute_shows_new_figures(
    scored, query, django_assert_num_queries
):
    # given North's tiers of the first run, cached by a first request
    before = dashboard_figure(query(scored.m1), "tiers")
    assert before["total_revenue"] == D("1800.00")
    # when the same figure is asked again: no query for the movers (only the latest run)
    with django_assert_num_queries(1):
        assert dashboard_figure(query(scored.m1), "tiers") == before
    # when a6 buys a lot and a recompute finishes
    Order.objects.create(account=scored.accounts["a6"], date=d(11, 15), amount=D("5000"))
    run = tiers_recompute(trigger=TierRun.Trigger.CLI, as_of=TODAY)
    # then the next request shows the new run's figures
    after = dashboard_figure(query(scored.m1), "tiers")
    assert after["run"]["id"] == run.pk != before["run"]["id"]
    assert after["total_revenue"] == D("6800.00")
    # company-wide 5050 (a6), 1100 (a1), 1000 (a5) make the A tier; a2 drops to B, a3 and a4 to C
    assert {r["tier"]: r["accounts"] for r in after["tiers"]} == {"A": 2, "B": 1, "C": 2}
    assert [(m["name"], m["direction"]) for m in after["movers"]] == [
        ("Dash a6", "up"),
        ("Dash a2", "down"),
        ("Dash a3", "down"),
        ("Dash a4", "down"),
    ]


def test_a_demoted_manager_gets_their_own_book_not_the_cached_team(scored, query):
    # given m1's team figures in the cache
    assert dashboard_figure(query(scored.m1), "tiers")["customers"] == 5
    # when m1 becomes a rep (who owns no account)
    scored.m1.role = "rep"
    scored.m1.save(update_fields=["role"])
    # then the tiers and the Pareto curve are of m1's own (empty) book
    assert dashboard_figure(query(scored.m1), "tiers")["customers"] == 0
    assert dashboard_figure(query(scored.m1), "pareto")["customers"] == 0


def test_a_rep_moved_to_another_team_is_not_served_the_former_key(scored, query):
    # given r1's figures cached while in North
    key_before = query(scored.r1).population.cache_key("tiers", scored.run)
    # when r1 moves to South
    scored.r1.team = scored.south
    scored.r1.save(update_fields=["team"])
    # then the cache key differs (the team is part of it)
    assert query(scored.r1).population.cache_key("tiers", scored.run) != key_before
