"""Attainment: what counts as done for each measure, the projection by the period's end, a
query count independent of the number of targets, and the sections on Today, the dashboard and
the profile page."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from opportunities.attainment import attainment_for, projection
from prospects.models import Prospect
from tests.factories import (
    AccountFactory,
    OrderFactory,
    ProspectFactory,
    TargetFactory,
    VisitFactory,
)

MAY = dt.date(2026, 5, 1)
Q2 = dt.date(2026, 4, 1)


def test_projection():
    start, end = MAY, dt.date(2026, 6, 1)
    assert projection(Decimal(10), start, end, dt.date(2026, 5, 10), state=False) == (
        Decimal("31.00"),
        10,
    )
    assert projection(Decimal(10), start, end, dt.date(2026, 4, 30), state=False) == (None, 0)
    assert projection(Decimal(10), start, end, dt.date(2026, 7, 1), state=False) == (
        Decimal(10),
        31,
    )
    assert projection(Decimal(4), start, end, dt.date(2026, 5, 2), state=True) == (Decimal(4), 2)


@pytest.fixture
def book(org):
    r1, r2, r3 = org["r1"], org["r2"], org["r3"]
    a1, a2, a3 = org["accounts"]["r1"], org["accounts"]["r2"], org["accounts"]["r3"]
    a1.tier = "A"
    a1.save()
    # r1: an older customer and a new one (first order in May).
    OrderFactory(account=a1, date=dt.date(2026, 3, 2), amount=Decimal("1000"))
    OrderFactory(account=a1, date=MAY, amount=Decimal("200"))
    OrderFactory(account=a1, date=dt.date(2026, 5, 31), amount=Decimal("-50"))  # a return
    new = AccountFactory(owner=r1)
    OrderFactory(account=new, date=dt.date(2026, 5, 15), amount=Decimal("300"))
    OrderFactory(account=new, date=dt.date(2026, 6, 1), amount=Decimal("999"))  # June
    # r2: one order in May, first order in April (not new in May, new in the quarter).
    OrderFactory(account=a2, date=dt.date(2026, 4, 20), amount=Decimal("10"))
    OrderFactory(account=a2, date=dt.date(2026, 5, 3), amount=Decimal("40"))
    # r3 (other team): must not count.
    OrderFactory(account=a3, date=dt.date(2026, 5, 3), amount=Decimal("7777"))
    # Visits: r1 logs two in May (one at an A account), one in April; r2 one in May at r1's A.
    VisitFactory(account=a1, logged_by=r1, visit_date=dt.date(2026, 5, 2))
    VisitFactory(account=new, logged_by=r1, visit_date=dt.date(2026, 5, 4))
    VisitFactory(account=a1, logged_by=r1, visit_date=dt.date(2026, 4, 4))
    VisitFactory(account=a1, logged_by=r2, visit_date=dt.date(2026, 5, 9))
    VisitFactory(account=a3, logged_by=r3, visit_date=dt.date(2026, 5, 9))
    # Prospects: r1 two open, one abandoned, one won (red).
    ProspectFactory(account=AccountFactory(owner=r1))
    ProspectFactory(account=AccountFactory(owner=r1), colour="yellow")
    ProspectFactory(
        account=AccountFactory(owner=r1),
        decision=Prospect.Decision.ABANDON,
        decision_reason="no budget",
    )
    ProspectFactory(account=AccountFactory(owner=r1), colour="red")
    ProspectFactory(account=AccountFactory(owner=r2))
    return org


def _done(targets, today=dt.date(2026, 5, 10)):
    return {
        name: row.done
        for name, row in zip(targets, attainment_for(targets.values(), today), strict=True)
    }


def test_done_per_measure_for_reps_and_teams(book):
    r1, t1 = book["r1"], book["t1"]
    targets = {}
    for measure in ("revenue", "new_customers", "visits", "a_visits", "pipeline_prospects"):
        targets[f"r1-{measure}"] = TargetFactory(user=r1, measure=measure, period_start=MAY)
        targets[f"t1-{measure}"] = TargetFactory(
            user=None, team=t1, measure=measure, period_start=MAY
        )
    targets["t1-revenue-q2"] = TargetFactory(
        user=None, team=t1, measure="revenue", period="quarter", period_start=Q2
    )
    targets["t1-new-q2"] = TargetFactory(
        user=None, team=t1, measure="new_customers", period="quarter", period_start=Q2
    )
    assert _done(targets) == {
        "r1-revenue": Decimal("450.00"),  # 200 - 50 + 300
        "t1-revenue": Decimal("490.00"),  # + r2's 40
        "r1-new_customers": Decimal(1),
        "t1-new_customers": Decimal(1),
        "r1-visits": Decimal(2),
        "t1-visits": Decimal(3),
        "r1-a_visits": Decimal(1),
        "t1-a_visits": Decimal(2),
        "r1-pipeline_prospects": Decimal(2),
        "t1-pipeline_prospects": Decimal(3),
        "t1-revenue-q2": Decimal("1499.00"),  # April 10 + May 490 + June 999
        "t1-new-q2": Decimal(2),
    }


def test_query_count_does_not_grow_with_targets(book):
    team = TargetFactory(user=None, team=book["t1"], measure="revenue", period_start=MAY)
    few = [team]
    with CaptureQueriesContext(connection) as small:
        attainment_for(few, MAY)
    many = [
        TargetFactory(user=book[rep], measure=measure, period_start=dt.date(2026, month, 1))
        for rep in ("r1", "r2", "r3", "r4")
        for measure in ("revenue", "visits")
        for month in (1, 2, 3)
    ]
    with CaptureQueriesContext(connection) as big:
        rows = attainment_for([team, *many], MAY)
    assert len(rows) == 25
    assert len(small) == 2 and len(big) == 3  # the reps, then one per measure


def test_sections_on_today_dashboard_and_profile(book, client):
    from django.utils import timezone

    today = timezone.localdate()
    mine = TargetFactory(user=book["r1"], period_start=today.replace(day=1))
    team = TargetFactory(user=None, team=book["t1"], period_start=today.replace(day=1))
    other = TargetFactory(user=book["r3"], period_start=today.replace(day=1))
    client.force_login(book["r1"])
    for url in ("/today/", "/me/"):
        html = client.get(url).content.decode()
        assert f'data-target="{mine.pk}"' in html, url
        assert f'data-target="{team.pk}"' in html, url
        assert f'data-target="{other.pk}"' not in html, url
    client.force_login(book["m2"])
    html = client.get("/dashboard/").content.decode()
    assert f'data-target="{other.pk}"' in html
    assert f'data-target="{mine.pk}"' not in html
