"""The dashboard's caches: snapshot figures per run, order figures per generation of the order
lines (bumped by a database trigger on any write, ORM, raw SQL or COPY), and never a stale book
after a change of the user's role or team."""

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection

from accounts.models import Order
from scoring.dashboard.figures import RunRef, TierRow, TiersFigure
from scoring.dashboard.selectors import DashboardQuery, Period, dashboard_figure, orders_generation
from scoring.models import TierRun
from scoring.services import tiers_recompute
from tests.dashboard.conftest import TODAY, d
from tests.factories import OrderFactory

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
    OrderFactory(account=scored.accounts["a6"], date=d(11, 15), amount=D("5000"))
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


def _sales(query, user) -> Decimal:
    return dashboard_figure(query(user), "kpis")["sales"]["current"]


def test_order_figures_are_cached_until_the_orders_change(book, query, django_assert_num_queries):
    # given North's November sales of 1000, computed once
    assert _sales(query, book.m1) == D("1000.00")
    # when asked again (two requests) with no write: only the generation is read, once each
    with django_assert_num_queries(2):
        assert _sales(query, book.m1) == D("1000.00")
        assert dashboard_figure(query(book.m1), "growth")["channels"][0]["channel"]


def test_an_order_written_through_the_orm_shows_at_the_next_request(book, query):
    assert _sales(query, book.m1) == D("1000.00")
    generation = orders_generation()
    OrderFactory(account=book.accounts["a2"], date=d(11, 25), amount=D("500"))
    assert orders_generation() > generation
    assert _sales(query, book.m1) == D("1500.00")
    # a bulk update (one statement, no signal) too
    Order.objects.filter(account=book.accounts["a2"]).update(amount=D("100"))
    assert _sales(query, book.m1) == D("900.00")


def test_an_order_inserted_with_raw_sql_as_the_imports_do_shows_at_the_next_request(book, query):
    assert _sales(query, book.m1) == D("1000.00")
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO accounts_order (account_id, date, amount, invoice_number, product, "
            "created_at) VALUES (%s, %s, %s, '', '', now())",
            [book.accounts["a3"].pk, d(11, 12), D("250")],
        )
    assert _sales(query, book.m1) == D("1250.00")
    # a3 ordered in both periods now: an existing customer, no longer a lapsed one
    growth = {c["channel"]: c for c in dashboard_figure(query(book.m1), "growth")["channels"]}
    assert growth["direct"]["lapsed_customers"] == 0


def test_an_order_copied_in_shows_at_the_next_request(book, query):
    assert _sales(query, book.m1) == D("1000.00")
    with connection.cursor() as cursor:
        sql = (
            "COPY accounts_order (account_id, date, amount, invoice_number, product, created_at) "
            "FROM STDIN"
        )
        with cursor.cursor.copy(sql) as copy:
            copy.write_row([book.accounts["a6"].pk, d(11, 3), D("70"), "", "", "2026-11-03"])
    assert _sales(query, book.m1) == D("1070.00")


def test_a_deleted_order_disappears_at_the_next_request(book, query):
    assert _sales(query, book.m1) == D("1000.00")
    Order.objects.filter(account=book.accounts["a1"], date=d(11, 5)).delete()
    k = dashboard_figure(query(book.m1), "kpis")
    assert k["sales"]["current"] == D("400.00")
    assert k["customers"]["current"] == 2


def test_the_order_figures_are_per_period_and_population(book, query):
    # the same cache, other keys: another population, another period
    assert _sales(query, book.m1) == D("1000.00")
    assert _sales(query, book.m2) == D("1000.00")  # South: a5's 1000
    assert _sales(query, book.r2) == D("100.00")
    october = dashboard_figure(
        DashboardQuery(user=book.m1, period=Period(d(10, 1), d(10, 31)), today=TODAY), "kpis"
    )
    assert october["sales"]["current"] == D("600.00")


def test_a_figure_cached_under_a_former_key_is_never_read(scored, query):
    # given what the former code cached for North's tiers (a plain dict, another shape)
    q = query(scored.m1)
    former = q.population.cache_key("dashboard-tiers", q.run)
    cache.set(former, {"customers": 99}, 60)
    # when the figure is read
    tiers = dashboard_figure(q, "tiers")
    # then it is computed afresh, typed, and the former entry is left alone
    assert isinstance(tiers, TiersFigure)
    assert tiers.customers == 5
    assert cache.get(former) == {"customers": 99}


def test_the_cached_figure_is_the_computed_one_after_a_round_trip(scored, query):
    # given North's tiers computed once (and stored in the cache)
    first = dashboard_figure(query(scored.m1), "tiers")
    # when read again from the cache by another request
    second = dashboard_figure(query(scored.m1), "tiers")
    # then it is an equal record of the same types, down to its rows
    assert second is not first
    assert second == first
    assert type(second.tiers[0]) is type(first.tiers[0]) is TierRow
    assert type(second.run) is RunRef
