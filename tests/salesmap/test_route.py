"""The day's route: the haversine distance, nearest neighbour + 2-opt, and the A-first rule,
with distances computed by hand."""

import datetime
import math
from decimal import Decimal

import pytest

from accounts import geo
from salesmap import route
from salesmap.selectors import day_route
from tests.factories import AccountFactory, UserFactory, VisitPlanFactory
from visits.models import VisitPlan, VisitSettings

# One degree of a great circle on the sphere of the Earth's mean radius: R * pi / 180.
DEGREE_M = 6_371_008.8 * math.pi / 180  # 111,195.08 m


def test_haversine_by_hand():
    assert geo.haversine_m(0, 0, 0, 1) == pytest.approx(111_195.08, abs=0.01)
    assert geo.haversine_m(0, 0, 1, 0) == pytest.approx(DEGREE_M, abs=1e-6)
    # Half the circumference, along the equator and pole to pole.
    assert geo.haversine_m(0, 0, 0, 180) == pytest.approx(math.pi * 6_371_008.8, abs=1e-3)
    assert geo.haversine_m(90, 0, -90, 0) == pytest.approx(math.pi * 6_371_008.8, abs=1e-3)
    # At 60° north a degree of longitude is about half as long (the haversine formula:
    # 2R·asin(cos 60°·sin 0.5°) = 2R·asin(0.5·sin 0.5°)).
    expected = 2 * 6_371_008.8 * math.asin(0.5 * math.sin(math.radians(0.5)))
    assert geo.haversine_m(60, 0, 60, 1) == pytest.approx(expected, abs=1e-6)
    assert expected == pytest.approx(55_597.01, abs=0.01)
    assert geo.haversine_m(31.2304, 121.4737, 31.2304, 121.4737) == 0


def _on_equator(key: int, lng: float) -> route.Stop:
    return route.Stop(key, 0.0, lng)


def test_the_shortest_path_along_a_line_and_its_legs():
    stops = [_on_equator(1, 3), _on_equator(2, 1), _on_equator(3, 2)]
    path = route.shortest_path(stops, (0.0, 0.0))
    assert [s.key for s in path] == [2, 3, 1]
    legs = route.legs(path, (0.0, 0.0))
    assert [round(leg.metres, 2) for leg in legs] == [round(DEGREE_M, 2)] * 3
    assert sum(leg.metres for leg in legs) == pytest.approx(3 * DEGREE_M)


def test_without_a_start_the_path_starts_where_it_is_shortest():
    # From the middle stop (the first given) nearest neighbour would zigzag; the free start
    # begins at an end: 2 degrees in all instead of 3.
    stops = [_on_equator(1, 1), _on_equator(2, 0), _on_equator(3, 2)]
    path = route.shortest_path(stops)
    assert [s.key for s in path] in ([2, 1, 3], [3, 1, 2])
    legs = route.legs(path)
    assert legs[0].metres == 0
    assert sum(leg.metres for leg in legs) == pytest.approx(2 * DEGREE_M)


def test_two_opt_uncrosses_a_crossing_tour():
    # A unit square, planar distances: A(0,0) B(0,1) C(1,1) D(1,0). The tour A-C-B-D crosses
    # itself (two diagonals: 2·√2 + 1 = 3.83); uncrossed, A-B-C-D is 3.
    points = {0: (0, 0), 1: (0, 1), 2: (1, 1), 3: (1, 0)}

    def planar(a: int, b: int) -> float:
        (ax, ay), (bx, by) = points[a], points[b]
        return math.hypot(ax - bx, ay - by)

    crossing = [0, 2, 1, 3]
    assert route.path_length(crossing, planar) == pytest.approx(2 * math.sqrt(2) + 1)
    improved = route.two_opt(crossing, planar)
    assert improved == [0, 1, 2, 3]
    assert route.path_length(improved, planar) == pytest.approx(3)
    assert route.two_opt(improved, planar) == improved  # nothing left to improve


def test_nearest_neighbour_then_two_opt_beats_nearest_neighbour_alone():
    # On a line from 0: stops at 1, -1.5, 3.6. Nearest neighbour goes 1, then -1.5 (2.5
    # away, 3.6 is 2.6), then 3.6: 1 + 2.5 + 5.1 = 8.6. Going left first, -1.5 then 1 then
    # 3.6: 1.5 + 2.5 + 2.6 = 6.6.
    points = {0: 0.0, 1: 1.0, 2: -1.5, 3: 3.6}

    def line(a: int, b: int) -> float:
        return abs(points[a] - points[b])

    greedy = route.nearest_neighbour([0, 1, 2, 3], line)
    assert greedy == [0, 1, 2, 3]
    assert route.path_length(greedy, line) == pytest.approx(8.6)
    best = route.two_opt(greedy, line)
    assert route.path_length(best, line) == pytest.approx(6.6)
    assert best == [0, 2, 1, 3]


def test_day_order_puts_the_first_stops_first_whatever_the_distance():
    near, far = _on_equator(1, 0.1), _on_equator(2, 5)
    other = _on_equator(3, 0.2)
    order = route.day_order([far], [near, other], start=(0.0, 0.0))
    assert [s.key for s in order] == [2, 3, 1]  # the A stop, then on from it: 0.2 before 0.1


@pytest.mark.django_db
def test_the_days_route_puts_a_tier_first_and_lists_unlocated_plans_apart():
    VisitSettings.load()
    rep = UserFactory(username="route-rep")
    day = datetime.date(2026, 3, 2)

    def plan(name, tier, lng):
        account = AccountFactory(
            owner=rep,
            name=name,
            tier=tier,
            latitude=None if lng is None else Decimal("0"),
            longitude=None if lng is None else Decimal(str(lng)),
        )
        return VisitPlanFactory(account=account, planned_date=day)

    b_near = plan("B near", "B", 1)
    c_next = plan("C next", "C", 2)
    a_far = plan("A far", "A", 4)
    unlocated = plan("Nowhere", "B", None)
    VisitPlanFactory(
        account=AccountFactory(owner=rep, tier="A", latitude=0, longitude=0.5),
        planned_date=day,
        status=VisitPlan.Status.CANCELLED,
    )
    VisitPlanFactory(  # another day
        account=AccountFactory(owner=rep, tier="A", latitude=0, longitude=0.5),
        planned_date=day + datetime.timedelta(days=1),
    )
    result = day_route(rep, day=day, rep=rep, start=(0.0, 0.0))
    assert [s.plan for s in result.stops] == [a_far, c_next, b_near]
    assert [s.morning for s in result.stops] == [True, False, False]
    legs = [round(s.leg_m) for s in result.stops]
    assert legs == [round(4 * DEGREE_M), round(2 * DEGREE_M), round(DEGREE_M)]
    assert result.total_m == pytest.approx(7 * DEGREE_M)
    assert result.unlocated == [unlocated]
    assert result.links["google"].startswith("https://www.google.com/maps/dir/?api=1")
    assert "origin=0.000000%2C0.000000" in result.links["google"]
    assert "destination=0.000000%2C1.000000" in result.links["google"]
    assert "waypoints=0.000000%2C4.000000%7C0.000000%2C2.000000" in result.links["google"]
    assert result.links["apple"].endswith(
        "daddr=0.000000%2C4.000000+to:0.000000%2C2.000000+to:0.000000%2C1.000000"
    )
    assert result.stops[0].links["geo"] == "geo:0.000000,4.000000?q=0.000000,4.000000(A%20far)"
    assert "coordinate=wgs84" in result.stops[0].links["amap"]

    # With the A-first rule off, the tour is simply the shortest: 1, 2, 4 degrees east.
    settings = VisitSettings.load()
    settings.a_tier_morning = False
    settings.save()
    result = day_route(rep, day=day, rep=rep, start=(0.0, 0.0))
    assert [s.plan for s in result.stops] == [b_near, c_next, a_far]
    assert result.total_m == pytest.approx(4 * DEGREE_M)
