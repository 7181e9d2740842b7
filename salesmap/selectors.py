"""Reads of the sales map: the accounts on it and the day's route, through the one
visibility rule (accounts_visible_to, plans_in_book_for)."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast
from urllib.parse import quote

from django.db.models import Case, QuerySet, Value, When

from accounts.models import Account
from accounts.selectors import accounts_visible_to
from crm.models import User
from crm.selectors import Viewer
from salesmap import route
from visits.models import VisitPlan, VisitSettings
from visits.selectors import plans_in_book_for

MAP_LIMIT = 2000  # markers in one answer: more than a phone draws smoothly


def map_accounts_base(user: Viewer) -> QuerySet[Account]:
    """The accounts the map may show: the caller's book (MapFilter narrows it)."""
    return accounts_visible_to(user)


@dataclass
class MapData:
    accounts: list[dict[str, Any]]
    count: int  # located accounts that match (the answer holds at most `limit`)
    without_location: int  # matching accounts that have no location yet
    limit: int = MAP_LIMIT

    @property
    def truncated(self) -> bool:
        return self.count > len(self.accounts)


def map_accounts(filtered: QuerySet[Account], *, limit: int = MAP_LIMIT) -> MapData:
    """The located accounts of `filtered` (a MapFilter over map_accounts_base), at most
    `limit` of them (A first, then B, C, untiered; by name), and counts of the rest."""
    located = filtered.filter(latitude__isnull=False)
    untiered_last = Case(When(tier="", then=Value(1)), default=Value(0))
    rows = list(
        located.order_by(untiered_last, "tier", "name", "id").values(
            "id", "name", "tier", "latitude", "longitude", "owner__username"
        )[:limit]
    )
    count = len(rows) if len(rows) < limit else located.count()
    return MapData(
        accounts=[
            {
                "id": r["id"],
                "name": r["name"],
                "tier": r["tier"],
                # cast: `located` keeps only accounts with both (account_location_pair).
                "latitude": float(cast(Decimal, r["latitude"])),
                "longitude": float(cast(Decimal, r["longitude"])),
                "owner": r["owner__username"],
            }
            for r in rows
        ],
        count=count,
        without_location=filtered.filter(latitude__isnull=True).count(),
    )


# --- The day's route ------------------------------------------------------------------------


@dataclass
class RouteStop:
    plan: VisitPlan
    leg_m: float  # straight-line metres from the previous stop (or the start point)
    morning: bool  # an A-tier stop, put first (VisitSettings.a_tier_morning)

    @property
    def links(self) -> dict[str, str]:
        return stop_links(self.plan)


@dataclass
class DayRoute:
    day: datetime.date
    stops: list[RouteStop]
    unlocated: list[VisitPlan]  # plans whose account has no location: listed apart
    start: tuple[float, float] | None
    links: dict[str, str] = field(default_factory=dict)

    @property
    def total_m(self) -> float:
        return sum(s.leg_m for s in self.stops)


def day_plans(user: User, *, day: datetime.date, rep: User | None = None) -> QuerySet[VisitPlan]:
    """The day's plans (planned or done, not cancelled) of accounts in `user`'s book, for one
    rep if given; by time, then account name."""
    qs = (
        plans_in_book_for(user)
        .filter(planned_date=day)
        .exclude(status=VisitPlan.Status.CANCELLED)
        .select_related("account", "account__owner")
        .order_by("planned_time", "account__name", "id")
    )
    if rep is not None:
        qs = qs.filter(account__owner=rep)
    return qs


def day_route(
    user: User,
    *,
    day: datetime.date,
    rep: User | None = None,
    start: tuple[float, float] | None = None,
) -> DayRoute:
    """The day's plans in route order: A-tier accounts first (the morning, when the visit
    settings say so), then the shortest tour among the rest (salesmap.route), from `start`
    (a point) or from the stop that makes the tour shortest."""
    plans = list(day_plans(user, day=day, rep=rep))
    located = [p for p in plans if p.account.latitude is not None]
    unlocated = [p for p in plans if p.account.latitude is None]
    a_first = VisitSettings.load().a_tier_morning
    by_id = {p.pk: p for p in located}

    def stop(plan: VisitPlan) -> route.Stop:
        lat, lng = _location(plan)
        return route.Stop(plan.pk, float(lat), float(lng))

    first = [stop(p) for p in located if a_first and p.account.tier == "A"]
    rest = [stop(p) for p in located if not (a_first and p.account.tier == "A")]
    ordered = route.day_order(first, rest, start)
    morning = {s.key for s in first}
    stops = [
        RouteStop(by_id[leg.stop.key], leg.metres, leg.stop.key in morning)
        for leg in route.legs(ordered, start)
    ]
    result = DayRoute(day=day, stops=stops, unlocated=unlocated, start=start)
    result.links = route_links(result)
    return result


def _location(plan: VisitPlan) -> tuple[Decimal, Decimal]:
    """A located plan's account's coordinates (the caller keeps the unlocated apart)."""
    lat, lng = plan.account.latitude, plan.account.longitude
    if lat is None or lng is None:
        raise ValueError(f"plan {plan.pk}: its account has no location")
    return lat, lng


def _point(lat: Decimal | float, lng: Decimal | float) -> str:
    return f"{float(lat):.6f},{float(lng):.6f}"


def route_links(day_route: DayRoute) -> dict[str, str]:
    """ "Open in the map app" links for the whole route: Google Maps (directions with
    waypoints; origin = the start point, else the first stop) and Apple Maps (stops joined by
    "+to:"). Per stop, `stop_links` gives the geo: URI and AMap's."""
    points = [_point(*_location(s.plan)) for s in day_route.stops]
    if day_route.start is not None:
        points.insert(0, _point(*day_route.start))
    if not points:
        return {}
    origin, destination = points[0], points[-1]
    waypoints = points[1:-1]
    google = (
        "https://www.google.com/maps/dir/?api=1&travelmode=driving"
        f"&origin={quote(origin)}&destination={quote(destination)}"
    )
    if waypoints:
        google += "&waypoints=" + quote("|".join(waypoints))
    apple = f"https://maps.apple.com/?dirflg=d&saddr={quote(origin)}"
    if len(points) > 1:
        apple += "&daddr=" + "+to:".join(quote(p) for p in points[1:])
    return {"google": google, "apple": apple}


def stop_links(plan: VisitPlan) -> dict[str, str]:
    """One stop in the phone's map app: a geo: URI (Android's chooser of map apps) and
    AMap's (高德) navigation URI, told the coordinates are WGS-84."""
    lat, lng = _location(plan)
    point = _point(lat, lng)
    lng_lat = f"{float(lng):.6f},{float(lat):.6f}"
    name = quote(plan.account.name)
    return {
        "geo": f"geo:{point}?q={point}({name})",
        "amap": (
            f"https://uri.amap.com/navigation?to={lng_lat},{name}"
            "&mode=car&coordinate=wgs84&callnative=1"
        ),
    }
