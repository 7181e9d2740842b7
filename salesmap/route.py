"""The day's route: the order of a rep's stops that keeps the driving short.

A rep has at most about twenty stops a day, so the tour is found by nearest neighbour
(from the start, always the closest stop not yet visited) improved by 2-opt (reverse any
stretch of the tour that makes it shorter, until none does). An exact solver would try up to
20! orders, or need a library (OR-Tools, Concorde) for a gain of a few per cent at this size;
2-opt's tours are typically within about 5% of the optimum, uncross every crossing, and are
deterministic: the same stops give the same route. The distances are straight lines
(haversine), not roads: the map app the route opens in does the driving directions.

The tour is an open path (the rep does not return): it starts at a given start point, or,
without one, wherever makes it shortest (a "free" start: a virtual first node at distance 0
from every stop)."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from accounts.geo import haversine_m

Distance = Callable[[int, int], float]
_EPSILON = 1e-6  # metres: an improvement smaller than this is rounding, not an improvement


@dataclass(frozen=True)
class Stop:
    key: int  # the caller's id of the stop (a plan's id)
    latitude: float
    longitude: float


def distance_m(a: Stop | tuple[float, float], b: Stop | tuple[float, float]) -> float:
    ax, ay = (a.latitude, a.longitude) if isinstance(a, Stop) else a
    bx, by = (b.latitude, b.longitude) if isinstance(b, Stop) else b
    return haversine_m(ax, ay, bx, by)


def path_length(order: Sequence[int], dist: Distance) -> float:
    return sum(dist(order[i], order[i + 1]) for i in range(len(order) - 1))


def nearest_neighbour(nodes: Sequence[int], dist: Distance) -> list[int]:
    """From nodes[0], always on to the closest node not yet visited (ties: the earlier in
    `nodes`, so the result is deterministic)."""
    if not nodes:
        return []
    order, rest = [nodes[0]], list(nodes[1:])
    while rest:
        here = order[-1]
        best = min(range(len(rest)), key=lambda i: (dist(here, rest[i]), i))
        order.append(rest.pop(best))
    return order


def two_opt(order: list[int], dist: Distance) -> list[int]:
    """Improve an open path whose first node stays first: reverse order[i..k] whenever that
    shortens the path, until no reversal does."""
    order = list(order)
    n = len(order)
    improved = True
    while improved:
        improved = False
        for i in range(1, n - 1):
            for k in range(i + 1, n):
                before = dist(order[i - 1], order[i])
                after = dist(order[i - 1], order[k])
                if k + 1 < n:
                    before += dist(order[k], order[k + 1])
                    after += dist(order[i], order[k + 1])
                if after < before - _EPSILON:
                    order[i : k + 1] = reversed(order[i : k + 1])
                    improved = True
    return order


def shortest_path(
    stops: Sequence[Stop], start: Stop | tuple[float, float] | None = None
) -> list[Stop]:
    """`stops` in the order of a short open path from `start` (a point the path leaves from,
    not a stop), or from whichever stop makes it shortest when there is no start."""
    if len(stops) < 2 and start is None:
        return list(stops)
    points: list[Stop | tuple[float, float] | None] = [start, *stops]

    def dist(a: int, b: int) -> float:
        pa, pb = points[a], points[b]
        if pa is None or pb is None:
            return 0.0  # the virtual free start
        return distance_m(pa, pb)

    # Memoised: 2-opt asks for the same pairs again and again (n <= ~20: 441 pairs at most).
    cache: dict[tuple[int, int], float] = {}

    def cached(a: int, b: int) -> float:
        key = (a, b) if a < b else (b, a)
        if key not in cache:
            cache[key] = dist(*key)
        return cache[key]

    order = two_opt(nearest_neighbour(list(range(len(points))), cached), cached)
    return [stops[i - 1] for i in order[1:]]


@dataclass(frozen=True)
class Leg:
    stop: Stop
    metres: float  # from the previous stop (or the start point); 0 for a free start


def legs(path: Sequence[Stop], start: Stop | tuple[float, float] | None = None) -> list[Leg]:
    out, previous = [], start
    for stop in path:
        out.append(Leg(stop, 0.0 if previous is None else distance_m(previous, stop)))
        previous = stop
    return out


def day_order(
    first: Sequence[Stop],
    rest: Sequence[Stop],
    start: Stop | tuple[float, float] | None = None,
) -> list[Stop]:
    """The day's order: the `first` stops (A-tier accounts, seen in the morning) as a short
    path from the start, then the `rest` as a short path on from the last of them."""
    morning = shortest_path(first, start)
    after = morning[-1] if morning else start
    return morning + shortest_path(rest, after)
