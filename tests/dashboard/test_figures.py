"""Each figure against the hand-computed numbers of the book in conftest.py."""

import dataclasses
from decimal import Decimal

import pytest

from accounts.models import Account
from scoring.dashboard.figures import (
    DashboardFigures,
    EffortFigure,
    GrowthFigure,
    KpisFigure,
    ParetoFigure,
    PeriodInfo,
    PipelineFigure,
    PipelineTeam,
    PlansFigure,
    PriorityFigure,
    QuadrantsFigure,
    TierRow,
    TiersFigure,
    TouchesFigure,
)
from scoring.dashboard.selectors import dashboard_figure, dashboard_figures
from tests.dashboard.conftest import PERIOD, TODAY
from tests.factories import AccountTeamMemberFactory, TeamFactory, TerritoryFactory, UserFactory
from visits import selectors as visits

pytestmark = pytest.mark.django_db

D = Decimal


def test_kpis_of_a_managers_team_against_the_previous_period(book, query):
    # given North's accounts a1, a2, a3, a4, a6: in November a1 600, a2 300, a4 100; in the
    # previous period a1 400 and a3 200
    k = dashboard_figure(query(book.m1), "kpis")
    # then customers × average = sales, each against the previous period
    assert k["customers"] == {"current": 3, "previous": 2, "change": 1, "change_share": D("0.5")}
    assert k["sales"]["current"] == D("1000.00")
    assert k["sales"]["previous"] == D("600.00")
    assert k["sales"]["change_share"] == D("0.666667")
    assert k["average_purchase"]["current"] == D("333.33")
    assert k["average_purchase"]["previous"] == D("300.00")
    assert k["average_purchase"]["change"] == D("33.33")
    assert k["period"]["previous_from"].isoformat() == "2026-10-02"
    assert k["period"]["previous_to"].isoformat() == "2026-10-31"


def test_kpis_of_the_company_and_of_one_rep(book, query):
    admin = dashboard_figure(query(book.admin), "kpis")
    assert admin["customers"]["current"] == 4
    assert admin["sales"]["current"] == D("2000.00")
    assert admin["average_purchase"]["current"] == D("500.00")
    rep = dashboard_figure(query(book.r2), "kpis")
    assert rep["customers"] == {"current": 1, "previous": 1, "change": 0, "change_share": D("0")}
    assert rep["sales"]["current"] == D("100.00")
    assert rep["sales"]["previous"] == D("200.00")
    # an admin narrowed to r2 sees exactly r2's own figures
    assert dashboard_figure(query(book.admin, owner=book.r2), "kpis") == rep


def test_growth_levers_split_new_existing_and_lost_customers_by_channel(book, query):
    channels = {c["channel"]: c for c in dashboard_figure(query(book.m1), "growth")["channels"]}
    assert channels["distributor"] == {
        "channel": "distributor",
        "label": "Distributor",
        "new_customers": 0,
        "new_revenue": D("0.00"),
        "existing_customers": 1,
        "existing_revenue": D("600.00"),
        "existing_previous_revenue": D("400.00"),
        "existing_change": D("200.00"),
        "lapsed_customers": 0,
        "lapsed_previous_revenue": D("0.00"),
    }
    direct = channels["direct"]
    assert (direct["new_customers"], direct["new_revenue"]) == (1, D("300.00"))
    assert (direct["existing_customers"], direct["existing_revenue"]) == (1, D("100.00"))
    assert direct["existing_previous_revenue"] == D("0.00")
    assert (direct["lapsed_customers"], direct["lapsed_previous_revenue"]) == (1, D("200.00"))


def test_tier_distribution_and_movers(scored, query):
    t = dashboard_figure(query(scored.m1), "tiers")
    rows = {r["tier"]: r for r in t["tiers"]}
    assert (rows["A"]["accounts"], rows["A"]["revenue"]) == (2, D("1400.00"))
    assert (rows["B"]["accounts"], rows["B"]["revenue"]) == (2, D("350.00"))
    assert (rows["C"]["accounts"], rows["C"]["revenue"]) == (1, D("50.00"))
    assert rows["A"]["revenue_share"] == D("0.777778")
    assert rows["A"]["customer_share"] == D("0.4")
    assert t["customers"] == 5
    assert t["total_revenue"] == D("1800.00")
    # the first run: every account moved up from no tier
    assert t["moved_up"] == 5
    assert {m["name"] for m in t["movers"]} == {f"Dash a{i}" for i in (1, 2, 3, 4, 6)}
    assert t["run"]["id"] == scored.run.pk


def test_pareto_point_where_80_percent_is_crossed(scored, query):
    p = dashboard_figure(query(scored.m1), "pareto")
    # revenue 1100, 300, 200, 150, 50 of 1800: the top customer (20%) brings 61.1%; the third
    # crosses 80% (1100 + 300 = 77.8% before it)
    assert p["customers"] == 5
    assert p["top20_share"] == D("0.611111")
    assert p["customers_to_80"] == 3
    assert p["customers_to_80_share"] == D("0.6")
    assert [pt["mark"] for pt in p["points"] if pt["mark"]] == ["20", "80"] or any(
        pt["mark"] == "20,80" for pt in p["points"]
    )


def test_quadrants_and_scatter_points(scored, query):
    # input = visits + hours × 0.5 (a1 2, a2 0, a3 1.25, a4 1.25, a5 1.375, a6 1.5); medians
    # (company-wide): input 1.3125, output 250
    qd = dashboard_figure(query(scored.m1), "quadrants")
    cells = {c["quadrant"]: c["accounts"] for c in qd["cells"]}
    assert cells == {1: 2, 2: 1, 3: 1, 4: 1}
    points = {p["name"]: (p["quadrant"], p["input"], p["output"]) for p in qd["points"]}
    assert points == {
        "Dash a1": (3, D("2.0000"), D("1100.00")),
        "Dash a2": (2, D("0.0000"), D("300.00")),
        "Dash a3": (1, D("1.2500"), D("200.00")),
        "Dash a4": (1, D("1.2500"), D("150.00")),
        "Dash a6": (4, D("1.5000"), D("50.00")),
    }
    assert qd["thresholds"]["input"] == D("1.3125")
    assert qd["thresholds"]["output"] == D("250")
    assert qd["points_total"] == 5


def test_priority_matrix(scored, query):
    cells = {
        c["priority"]: (c["accounts"], c["revenue"])
        for c in dashboard_figure(query(scored.m1), "priority")["cells"]
    }
    # no high potential (a6's worksheet totals 3 < 4); current revenue above the median 250
    assert cells == {
        "A+": (0, D("0.00")),
        "A": (0, D("0.00")),
        "B": (2, D("1400.00")),
        "C": (3, D("400.00")),
    }


def test_effort_alignment_flags_a_rep_far_below_the_a_share(scored, query):
    e = dashboard_figure(query(scored.m1), "effort")
    tiers = {r["tier"]: r for r in e["tiers"]}
    assert (tiers["A"]["visits"], tiers["A"]["hours"]) == (1, D("2.00"))
    assert (tiers["B"]["visits"], tiers["B"]["hours"]) == (2, D("1.00"))
    assert (tiers["C"]["visits"], tiers["C"]["hours"]) == (1, D("1.00"))
    assert tiers["A"]["visit_share"] == D("0.25")
    assert tiers["A"]["hours_share"] == D("0.5")
    assert tiers["A"]["revenue_share"] == D("0.777778")
    assert e["total_visits"] == 4
    reps = {r["username"]: r for r in e["reps"]}
    # r1: 120 of 180 minutes on A; A brings 1400 of r1's 1450
    assert reps["dash-r1"]["a_time_share"] == D("0.666667")
    assert reps["dash-r1"]["a_revenue_share"] == D("0.965517")
    assert reps["dash-r1"]["gap"] == D("0.298850")
    assert reps["dash-r1"]["flagged"] is True
    # r2 owns no A account: nothing to fall short of
    assert reps["dash-r2"]["a_revenue_share"] == D("0")
    assert reps["dash-r2"]["flagged"] is False
    assert set(reps) == {"dash-r1", "dash-r2"}


def test_pipeline_health(scored, query):
    pipe = dashboard_figure(query(scored.m1), "pipeline")
    reps = {r["username"]: r for r in pipe["reps"]}
    assert set(reps) == {"dash-r1", "dash-r2"}
    assert (reps["dash-r1"]["green"], reps["dash-r1"]["yellow"]) == (1, 0)
    assert (reps["dash-r2"]["green"], reps["dash-r2"]["yellow"]) == (0, 1)
    # The team's floor: North (r1 and r2) holds 2 open prospects against 25.
    assert pipe["teams"] == [
        {
            "team_id": scored.m1.managed_teams.get().pk,
            "name": "North",
            "minimum": 25,
            "open": 2,
            "below": True,
            "shortfall": 23,
        }
    ]
    assert pipe["teams_below"] == 1
    # Each rep's share at the default ratio 0.1: r1 owns 3 accounts, r2 2; both round up to 1.
    assert [(reps[u]["accounts"], reps[u]["share"]) for u in ("dash-r1", "dash-r2")] == [
        (3, 1),
        (2, 1),
    ]
    assert (reps["dash-r1"]["below"], reps["dash-r1"]["shortfall"]) == (False, 0)
    assert pipe["reps_below"] == 0
    # One rep's population: no team floor.
    assert dashboard_figure(query(scored.m1, owner=scored.r1), "pipeline")["teams"] == []
    assert {r["total"]: r["accounts"] for r in pipe["worksheet_scores"]}[3] == 1
    assert sum(r["accounts"] for r in pipe["worksheet_scores"]) == 1
    # a1 has a decision maker, a2 (A) has only a handler
    assert pipe["a_without_decision_maker"] == {
        "count": 1,
        "accounts": [{"account": scored.accounts["a2"].pk, "name": "Dash a2", "owner": "dash-r1"}],
    }


def test_plan_adherence_this_week_and_month(scored, query):
    plans = dashboard_figure(query(scored.m1), "plans")
    # week of Monday 11-30: a1's plan today; month: a1 11-30, a1 11-20 (overdue, A), a3 done
    assert plans["week"]["start"].isoformat() == "2026-11-30"
    assert (plans["week"]["planned"], plans["week"]["done"], plans["week"]["overdue"]) == (1, 0, 0)
    month = plans["month"]
    assert (month["planned"], month["done"], month["open"]) == (3, 1, 2)
    assert (month["overdue"], month["overdue_a"]) == (1, 1)
    assert month["done_share"] == D("0.333")


def test_touches_due_in_the_next_seven_days(scored, query):
    t = dashboard_figure(query(scored.m1), "touches")
    # a1 and a2 gifts on 12-03; a3's greeting on 12-09 is beyond 7 days; a5 is South's
    assert t["total"] == 2
    assert [(r["date"].isoformat(), r["kind"], r["count"]) for r in t["rows"]] == [
        ("2026-12-03", "gift", 2)
    ]


def test_figures_of_a_rep_are_their_own_book(scored, query):
    rep = dashboard_figures(query(scored.r1))
    assert {r["username"] for r in rep["effort"]["reps"]} == {"dash-r1"}
    assert {r["username"] for r in rep["pipeline"]["reps"]} == {"dash-r1"}
    assert {p["name"] for p in rep["quadrants"]["points"]} == {"Dash a1", "Dash a2", "Dash a6"}
    # the same figures as an admin's for exactly r1's accounts
    assert rep == dashboard_figures(query(scored.admin, owner=scored.r1))


@pytest.mark.parametrize("narrow", ["team", "territory", "owner", None])
def test_the_population_narrowing_of_live_reads_matches_the_populations_accounts(
    scored, query, narrow
):
    # given an admin narrowed by team, territory or owner (or not at all), and a territory
    territory = TerritoryFactory()
    for name in ("a1", "a3", "a6"):
        scored.accounts[name].territory = territory
        scored.accounts[name].save(update_fields=["territory"])
    value = {"team": scored.north, "territory": territory, "owner": scored.r1, None: None}[narrow]
    q = query(scored.admin, **({narrow: value} if narrow else {}))
    window = {"date_from": q.period.date_from, "date_to": q.period.date_to}
    # then the Q over the joined account selects what the population's accounts do
    by_q = visits.effort_by_owner_and_tier(q.user, account_filter=q.account_filter(), **window)
    by_accounts = visits.effort_by_owner_and_tier(q.user, accounts=q.accounts(), **window)
    key = lambda r: (r["owner_id"], r["tier"])  # noqa: E731
    assert sorted(by_q, key=key) == sorted(by_accounts, key=key) != []
    periods = {"month": (q.period.date_from, q.period.date_to)}
    assert visits.plan_adherence_periods(
        q.user, periods=periods, today=q.today, account_filter=q.account_filter()
    ) == visits.plan_adherence_periods(
        q.user, periods=periods, today=q.today, accounts=q.accounts()
    )
    assert list(visits.touches_due(q.user, day=q.today, account_filter=q.account_filter())) == list(
        visits.touches_due(q.user, day=q.today, accounts=q.accounts())
    )


def test_every_figure_of_an_empty_book_is_its_empty_state(db, query):
    # given a manager whose team has no rep and so no account, and no tier run at all
    manager = UserFactory(username="dash-lonely", role="manager")
    team = TeamFactory(name="Lonely", manager=manager)
    # when the dashboard is read
    figures = dashboard_figures(query(manager))
    # then every figure is its empty state, of its own type
    period = PeriodInfo.of(PERIOD)
    expected = DashboardFigures(
        kpis=KpisFigure.empty(period),
        tiers=TiersFigure.empty(),
        pareto=ParetoFigure.empty(),
        quadrants=QuadrantsFigure.empty(),
        priority=PriorityFigure.empty(),
        effort=EffortFigure.empty(period),
        # The one figure not empty: a team of no one holds no prospect, below its floor.
        pipeline=dataclasses.replace(
            PipelineFigure.empty(),
            teams=[PipelineTeam(team.pk, "Lonely", 25, 0, True, 25)],
            teams_below=1,
        ),
        plans=PlansFigure.empty(TODAY),
        touches=TouchesFigure.empty(TODAY),
        growth=GrowthFigure.empty(period),
    )
    assert figures == expected
    assert [type(f) for f in figures.values()] == [type(f) for f in expected.values()]
    assert figures.tiers.run is None and figures.tiers.rows()[0] == TierRow(
        "A", 0, D("0.00"), None, None
    )
    assert figures.touches.date_to.isoformat() == "2026-12-07"


def test_a_figure_reads_by_attribute_and_by_its_api_names(scored, query):
    t = dashboard_figure(query(scored.m1), "touches")
    # the due reminders are the figure's rows(), and "rows" in the API's words
    assert t.rows() == t.due == t["rows"]
    assert list(t) == ["date_from", "date_to", "total", "rows"]
    assert t["total"] == t.total == 2
    # a name it does not have is a KeyError, and a figure cannot be changed
    with pytest.raises(KeyError):
        t["due"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        t.total = 3  # type: ignore[misc]
    assert t.total == 2


def test_each_figures_rows_are_what_its_table_lists(scored, query):
    figures = dashboard_figures(query(scored.m1))
    assert [r.tier for r in figures.tiers.rows()] == ["A", "B", "C"]
    assert [c.quadrant for c in figures.quadrants.rows()] == [1, 2, 3, 4]
    assert [c.priority for c in figures.priority.rows()] == ["A+", "A", "B", "C"]
    assert [r.tier for r in figures.effort.rows()] == ["A", "B", "C", ""]
    assert [name for name, _ in figures.kpis.rows()] == ["customers", "average_purchase", "sales"]
    assert [name for name, _ in figures.plans.rows()] == ["week", "month"]
    assert [c.channel for c in figures.growth.rows()] == ["distributor", "direct"]
    assert [r.username for r in figures.pipeline.rows()] == ["dash-r1", "dash-r2"]
    assert len(figures.pareto.rows()) == 6


def test_growth_levers_show_channel_other_only_when_an_account_has_it(book, query):
    # a5 (r3's distributor, 1000 this period, new) becomes channel "other"
    Account.objects.filter(pk=book.accounts["a5"].pk).update(channel=Account.Channel.OTHER)
    rows = dashboard_figure(query(book.admin), "growth")["channels"]
    assert [c["channel"] for c in rows] == ["distributor", "direct", "other"]
    other = rows[2]
    assert (other["label"], other["new_customers"], other["new_revenue"]) == (
        "Other",
        1,
        D("1000.00"),
    )
    assert rows[0]["new_customers"] == 0


def test_an_account_team_member_s_dashboard_counts_the_accounts_they_are_a_member_of(book, query):
    # given r2 (a3 in October 200; a4 in November 100) becomes a member of r1's a2 (November 300)
    AccountTeamMemberFactory(account=book.accounts["a2"], user=book.r2)
    rep = dashboard_figure(query(book.r2), "kpis")
    # then r2's book, and so the dashboard's figures, take a2 in: two customers, 400 in November
    assert rep["customers"]["current"] == 2
    assert rep["sales"]["current"] == D("400.00")
    # and a2 is counted once for their manager, whose book had it already
    assert dashboard_figure(query(book.m1), "kpis")["sales"]["current"] == D("1000.00")
