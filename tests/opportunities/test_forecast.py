"""The forecast: figures per rep, team and company against targets, what changed since a past
day, win rate and the funnel, through the visibility rule; property tests of its sums."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opportunities.forecast import (
    Figures,
    changes_since,
    forecast,
    performance,
    population_for,
)
from opportunities.models import Opportunity, OpportunityChange
from tests.factories import (
    OpportunityChangeFactory,
    OpportunityFactory,
    StageFactory,
    TargetFactory,
)

APR, MAY, JUN, JUL = (dt.date(2026, m, 1) for m in (4, 5, 6, 7))
D = Decimal


@pytest.fixture
def stages(db):
    return {
        "early": StageFactory(position=1, probability=10),
        "late": StageFactory(position=2, probability=60),
        "won": StageFactory(position=3, probability=100, is_won=True),
        "lost": StageFactory(position=4, probability=0, is_lost=True),
    }


def _deal(account, stage, amount, close, **kw):
    status = stage.status
    return OpportunityFactory(
        account=account,
        stage=stage,
        amount=D(amount),
        close_date=close,
        status=status,
        closed_on=close if status != "open" else None,
        **kw,
    )


@pytest.fixture
def deals(org, stages):
    a = org["accounts"]
    return {
        "r1-commit": _deal(a["r1"], stages["late"], "1000", MAY, category="commit"),
        "r1-best": _deal(
            a["r1"], stages["early"], "500", dt.date(2026, 6, 30), category="best_case"
        ),
        "r1-won": _deal(a["r1"], stages["won"], "300", dt.date(2026, 4, 2)),
        "r1-omit": _deal(a["r1"], stages["early"], "50", MAY, category="omitted"),
        "r1-prob": _deal(a["r1"], stages["early"], "200", MAY, probability=25),
        "r2-lost": _deal(a["r2"], stages["lost"], "80", MAY),
        "r2-out": _deal(a["r2"], stages["late"], "999", JUL),  # next quarter
        "r3-open": _deal(a["r3"], stages["late"], "4000", JUN),
    }


def _pop(user, **kw):
    population = population_for(user, **kw)
    assert population is not None
    return population


def test_the_quarter_per_rep_team_and_company(org, deals):
    TargetFactory(user=org["r1"], period="quarter", period_start=APR, value=D("2000"))
    TargetFactory(user=None, team=org["t2"], period="quarter", period_start=APR, value=D("10000"))
    TargetFactory(user=org["r2"], period="month", period_start=MAY, value=D("100"))
    result = forecast(_pop(org["admin"]), period="quarter", day=MAY)
    assert result.months == [APR, MAY, JUN]
    north, south = result.teams
    assert (north.name, [r.name for r in north.reps]) == ("North", ["r1", "r2"])
    r1 = north.reps[0].total
    assert r1.figures == Figures(
        deals=5,
        total=D("2050.00"),
        won=D("300.00"),
        won_count=1,
        open=D("1750.00"),
        open_count=4,
        commit=D("1000.00"),
        best_case=D("500.00"),
        pipeline_only=D("200.00"),
        omitted=D("50.00"),
        weighted=D("700.00"),  # 1000×60% + 500×10% + 200×25%
    )
    assert (r1.target, r1.gap, r1.coverage) == (D("2000"), D("1700.00"), D("1.00"))
    # r2: the month target stands for the quarter when there is no quarter target.
    r2 = north.reps[1]
    assert (r2.total.target, r2.months[1].target, r2.months[0].target) == (D("100"), D("100"), None)
    assert north.total.target == D("2100")  # no team target: its reps'
    assert south.total.target == D("10000")
    assert result.company.total.target == D("12100")
    assert result.company.total.figures.total == D("6130.00")  # not r2's July deal
    assert result.company.total.figures.lost == D("80.00")


def test_the_visibility_rule_and_narrowing(org, deals):
    mine = forecast(_pop(org["r1"]), period="quarter", day=MAY)
    assert [t.name for t in mine.teams] == ["North"]
    assert mine.company.total.figures.total == D("2050.00")
    manager = forecast(_pop(org["m1"]), period="month", day=MAY)
    assert manager.company.total.figures.total == D("1330.00")  # r1's 1250, r2's lost 80
    assert population_for(org["m1"], team=org["t2"].pk) is None
    assert population_for(org["r1"], owner=org["r2"].pk) is None
    team = forecast(_pop(org["admin"], team=org["t2"].pk), period="quarter", day=MAY)
    assert team.company.total.figures.total == D("4000.00")
    owner = forecast(_pop(org["admin"], owner=org["r2"].pk), period="quarter", day=MAY)
    assert owner.company.total.figures.lost_count == 1


def test_query_count_does_not_grow_with_deals(org, stages):
    def count():
        with CaptureQueriesContext(connection) as queries:
            forecast(_pop(org["admin"]), period="quarter", day=MAY)
        return len(queries)

    _deal(org["accounts"]["r1"], stages["late"], "1", MAY)
    small = count()
    for name in ("r1", "r2", "r3", "r4"):
        for day in (APR, MAY, JUN):
            _deal(org["accounts"][name], stages["early"], "5", day)
    assert count() == small


def test_what_changed_since_last_week(org, stages):
    now = timezone.now()
    week_ago = now - dt.timedelta(days=7)
    before = week_ago - dt.timedelta(days=3)
    acct = org["accounts"]["r1"]

    def history(deal, *, created_at=before, **before_values):
        OpportunityChangeFactory(opportunity=deal, changed_at=created_at)
        if before_values:
            OpportunityChangeFactory(
                opportunity=deal,
                kind=OpportunityChange.Kind.CHANGED,
                changed_at=now - dt.timedelta(days=2),
                stage_before=before_values.get("stage", deal.stage),
                status_before=before_values.get("status", deal.status),
                amount_before=before_values.get("amount", deal.amount),
                close_date_before=before_values.get("close", deal.close_date),
            )

    new = _deal(acct, stages["early"], "10", MAY)
    history(new, created_at=now - dt.timedelta(days=1))
    moved_in = _deal(acct, stages["early"], "20", MAY)
    history(moved_in, close=JUL)
    slipped = _deal(acct, stages["early"], "30", JUL)
    history(slipped, close=MAY)
    bigger = _deal(acct, stages["early"], "45", MAY)
    history(bigger, amount=D("40"))
    lost = _deal(acct, stages["lost"], "50", MAY)
    history(lost, stage=stages["early"], status="open")
    calm = _deal(acct, stages["early"], "60", MAY)
    history(calm)
    # A change later than the first one after `since` does not decide the state then.
    OpportunityChangeFactory(
        opportunity=calm,
        kind=OpportunityChange.Kind.CHANGED,
        changed_at=now - dt.timedelta(days=1),
        amount_before=D("60"),
    )
    hidden = _deal(org["accounts"]["r3"], stages["early"], "70", MAY)
    history(hidden, created_at=now)

    result = changes_since(_pop(org["r1"]), period="quarter", day=MAY, since=week_ago)
    assert result.counts == {
        "new": 1,
        "moved_in": 1,
        "slipped_out": 1,
        "amount_changed": 1,
        "lost": 1,
    }
    assert result.amounts["amount_changed"] == D("45.00")
    kinds = {row.opportunity_id: row.kind for row in result.rows}
    assert kinds == {
        new.pk: "new",
        moved_in.pk: "moved_in",
        slipped.pk: "slipped_out",
        bigger.pk: "amount_changed",
        lost.pk: "lost",
    }
    assert result.by_owner[org["r1"].pk]["lost"] == 1
    everyone = changes_since(_pop(org["admin"]), period="quarter", day=MAY, since=week_ago)
    assert everyone.counts["new"] == 2


def test_performance_and_funnel(org, stages):
    acct = org["accounts"]["r1"]
    today = timezone.localdate()
    won = _deal(acct, stages["won"], "100", today)
    won2 = _deal(acct, stages["won"], "300", today)
    lost = _deal(acct, stages["lost"], "50", today)
    early = _deal(acct, stages["early"], "10", today)
    Opportunity.objects.filter(pk__in=[won.pk, won2.pk, lost.pk]).update(
        created_at=timezone.now() - dt.timedelta(days=10)
    )
    for deal, path in (
        (won, ["early", "late", "won"]),
        (won2, ["late", "won"]),  # skipped the first stage: reached it as well
        (lost, ["early", "lost"]),
        (early, ["early"]),
    ):
        for stage in path:
            OpportunityChangeFactory(opportunity=deal, stage_after=stages[stage])
    result = performance(_pop(org["admin"]), date_from=today - dt.timedelta(days=30), date_to=today)
    assert (result.total.won, result.total.lost, result.total.win_rate) == (2, 1, D("0.6667"))
    assert result.total.average_deal == D("200.00")
    assert result.total.cycle_days == D("10.0")
    assert [r.name for r in result.reps] == ["r1"]
    assert result.created == 4
    assert [
        (s.reached, s.share)
        for s in result.funnel
        if s.stage_id in {st.pk for st in stages.values()}
    ] == [
        (4, D("1.0000")),
        (2, D("0.5000")),
        (2, D("0.5000")),
    ]
    assert performance(_pop(org["r3"]), date_from=today, date_to=today).total.won == 0


# properties

deal_spec = st.tuples(
    st.sampled_from(["r1", "r2", "r3", "r4"]),
    st.sampled_from(["early", "late", "won", "lost"]),
    st.decimals(min_value=0, max_value=10**6, places=2),
    st.sampled_from([APR, MAY, JUN, dt.date(2026, 5, 31), JUL]),
    st.sampled_from(["commit", "best_case", "pipeline", "omitted"]),
    st.one_of(st.none(), st.integers(0, 100)),
)
PROPERTY = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _check_sums(result):
    company = result.company
    assert company.total.figures == sum((t.total.figures for t in result.teams), Figures())
    for team in result.teams:
        assert team.total.figures == sum((r.total.figures for r in team.reps), Figures())
        for i in range(len(result.months)):
            assert team.months[i].figures == sum(
                (r.months[i].figures for r in team.reps), Figures()
            )
        for line in [team, *team.reps]:
            assert line.total.figures == sum((c.figures for c in line.months), Figures())
    for i in range(len(result.months)):
        assert company.months[i].figures == sum(
            (t.months[i].figures for t in result.teams), Figures()
        )
    assert company.total.figures == sum((c.figures for c in company.months), Figures())


@PROPERTY
@given(
    specs=st.lists(deal_spec, max_size=12),
    moves=st.lists(
        st.tuples(st.integers(0, 11), st.sampled_from(["early", "late", "won", "lost"])), max_size=4
    ),
)
def test_totals_are_the_sums_of_their_parts_and_stage_moves_keep_the_total(
    org, stages, specs, moves
):
    Opportunity.objects.all().delete()
    deals = [
        _deal(org["accounts"][rep], stages[stage], amount, close, category=category, probability=p)
        for rep, stage, amount, close, category, p in specs
    ]
    expected_total = sum((d.amount for d in deals if APR <= d.close_date < JUL), Decimal("0.00"))
    for user in ("admin", "m1", "r1"):
        for period in ("quarter", "month"):
            _check_sums(forecast(_pop(org[user]), period=period, day=MAY))
    result = forecast(_pop(org["admin"]), period="quarter", day=MAY)
    assert result.company.total.figures.total == expected_total
    for index, stage in moves:
        if not deals:
            break
        deal = deals[index % len(deals)]
        deal.stage = stages[stage]
        deal.status = stages[stage].status
        deal.closed_on = deal.close_date if deal.status != "open" else None
        deal.save()
        moved = forecast(_pop(org["admin"]), period="quarter", day=MAY)
        assert moved.company.total.figures.total == expected_total
        _check_sums(moved)


# pages, downloads, API


def test_page_downloads_and_api(org, deals, client, api):
    TargetFactory(user=org["r1"], period="quarter", period_start=APR, value=D("2000"))
    client.force_login(org["r1"])
    html = client.get("/forecast/", {"period_start": "2026-05-10"}).content.decode()
    assert f'data-rep="{org["r1"].pk}"' in html
    assert f'data-rep="{org["r3"].pk}"' not in html
    assert client.get("/forecast/", {"team": org["t2"].pk}).status_code == 404
    assert client.get("/forecast/", {"period": "week"}).status_code == 400
    csv = b"".join(
        client.get("/forecast/forecast.csv", {"period_start": "2026-05-10"}).streaming_content
    )
    text = csv.decode("utf-8-sig")
    assert text.count("\n") == 1 + 4 * 3  # header; r1, North and the company: 3 months + total
    assert "r3" not in text
    xlsx = client.get("/forecast/forecast.xlsx", {"period_start": "2026-05-10"})
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd")
    body = api(org["m1"]).get("/api/v1/forecast/", {"period_start": "2026-05-10"}).json()
    assert [t["name"] for t in body["teams"]] == ["North"]
    assert body["company"]["total"]["won"] == "300.00"
    assert body["teams"][0]["reps"][0]["total"]["target"] == "2000.00"
    assert set(body["changes"]["counts"]) == {
        "new",
        "moved_in",
        "slipped_out",
        "amount_changed",
        "lost",
    }
    assert api(org["m1"]).get("/api/v1/forecast/", {"owner": org["r3"].pk}).status_code == 404
    bad = api(org["m1"]).get("/api/v1/forecast/", {"period_start": "soon"})
    assert bad.status_code == 400 and "period_start" in bad.json()
    assert api().get("/api/v1/forecast/").status_code in (401, 403)
    perf = api(org["admin"]).get("/api/v1/forecast/performance/")
    assert perf.status_code == 200 and "funnel" in perf.json()
    bad = api(org["admin"]).get(
        "/api/v1/forecast/performance/", {"date_from": "2026-05-02", "date_to": "2026-05-01"}
    )
    assert bad.status_code == 400 and "date_to" in bad.json()


def test_a_formula_like_name_is_escaped_in_the_download(org, deals, client):
    org["r1"].first_name = "=HYPERLINK(1)"
    org["r1"].save()
    client.force_login(org["admin"])
    csv = b"".join(
        client.get("/forecast/forecast.csv", {"period_start": "2026-05-10"}).streaming_content
    ).decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in csv


@pytest.mark.parametrize(
    "params",
    [{"period_start": "9999-12-01"}, {"since": "0001-01-01"}, {"date_to": "0001-01-05"}],
)
def test_dates_out_of_range_are_a_400(org, api, params):
    response = api(org["admin"]).get("/api/v1/forecast/", params)
    assert response.status_code == 400
    assert list(response.json()) == [next(iter(params))]
