"""Attainment of targets: done / target / projected by the period's end.

What counts as done ([DOMAIN.md](docs/DOMAIN.md#targets-and-attainment)), for a rep's target
over the rep, for a team's over the team's reps (members whose role is rep):

- revenue: the amounts of the order lines (returns negative) dated in the period, on the
  accounts the reps own now;
- new customers: the accounts the reps own now whose first order line is dated in the period;
- visits: the visits the reps logged (`Visit.logged_by`) dated in the period;
- A visits: those of them at accounts whose tier is A now;
- pipeline prospects: the open prospects (`Prospect.objects.open()`) on the accounts the reps
  own now: a state, not a flow, so it is the same for any period.

Projected by the period's end: done ÷ elapsed days × the period's days, where the elapsed days
count from the period's first day to `today`, both included. A period not yet begun projects
nothing (None); a period over projects what was done; pipeline prospects project their count.

Set-based: one query for the targets' reps and one per measure asked for, grouped by rep and
month, whatever the number of targets and rows (`attainment_for`).
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, F, Min, OuterRef, Q, Sum
from django.db.models.functions import TruncMonth

from accounts.models import Order
from crm.models import User
from crm.selectors import Viewer
from opportunities.models import Target
from opportunities.targets import period_bounds, targets_visible_to
from prospects.models import Prospect
from visits.models import Visit

Measure = Target.Measure
# The measures summed by month; pipeline prospects are a count of now.
MONTHLY = (Measure.REVENUE, Measure.NEW_CUSTOMERS, Measure.VISITS, Measure.A_VISITS)


@dataclass(frozen=True)
class Attainment:
    target: Target
    start: datetime.date
    end: datetime.date  # the first day after the period
    done: Decimal
    projected: Decimal | None
    elapsed_days: int
    period_days: int

    @property
    def value(self) -> Decimal:
        return self.target.value

    @property
    def share(self) -> Decimal | None:
        """Done as a percentage of the target (None for a target of 0)."""
        if not self.target.value:
            return None
        return (self.done * 100 / self.target.value).quantize(Decimal("1"), ROUND_HALF_UP)

    @property
    def projected_share(self) -> Decimal | None:
        if not self.target.value or self.projected is None:
            return None
        return (self.projected * 100 / self.target.value).quantize(Decimal("1"), ROUND_HALF_UP)


def projection(
    done: Decimal, start: datetime.date, end: datetime.date, today: datetime.date, *, state: bool
) -> tuple[Decimal | None, int]:
    """(projected, elapsed days) as the module's docstring defines them."""
    period_days = (end - start).days
    if today < start:
        return None, 0
    elapsed = min((today - start).days + 1, period_days)
    if state or elapsed >= period_days:
        return done, elapsed
    projected = done / elapsed * period_days
    return projected.quantize(Decimal("0.01"), ROUND_HALF_UP), elapsed


def _reps_of(targets: list[Target]) -> dict[int, list[int]]:
    """target id -> the ids of its reps (its user, or the reps of its team): one query."""
    user_ids = {t.user_id for t in targets if t.user_id}
    team_ids = {t.team_id for t in targets if t.team_id}
    members: dict[int, list[int]] = defaultdict(list)
    for pk, team_id in User.objects.filter(team_id__in=team_ids, role=User.Role.REP).values_list(
        "pk", "team_id"
    ):
        members[team_id].append(pk)
    return {
        t.pk: ([t.user_id] if t.user_id in user_ids else members.get(t.team_id or 0, []))
        for t in targets
    }


def _monthly(measure: str, reps: set[int], lo: datetime.date, hi: datetime.date):
    """Rows (rep, month, figure) of one monthly measure for `reps` in [lo, hi)."""
    if measure == Measure.REVENUE:
        return (
            Order.objects.filter(account__owner_id__in=reps, date__gte=lo, date__lt=hi)
            .annotate(month=TruncMonth("date"))
            .values_list("account__owner_id", "month")
            .annotate(n=Sum("amount"))
            .order_by()
        )
    if measure == Measure.NEW_CUSTOMERS:
        # The accounts with an order line in [lo, hi) and none before lo, by the month of their
        # first line: read from the period's lines only (one probe of the orders' index per
        # line for an earlier one), never every account's whole history.
        earlier = Order.objects.filter(account=OuterRef("account"), date__lt=lo)
        firsts = (
            Order.objects.filter(account__owner_id__in=reps, date__gte=lo, date__lt=hi)
            .filter(~Exists(earlier))
            .values_list("account__owner_id", "account")
            .annotate(first=Min("date"))
            .order_by()
        )
        counts: dict[tuple[int, datetime.date], int] = defaultdict(int)
        for owner_id, _account, first in firsts:
            counts[(owner_id, first.replace(day=1))] += 1
        return [(owner_id, month, n) for (owner_id, month), n in counts.items()]
    visits = Visit.objects.filter(logged_by_id__in=reps, visit_date__gte=lo, visit_date__lt=hi)
    if measure == Measure.A_VISITS:
        visits = visits.filter(account__tier="A")
    return (
        visits.annotate(month=TruncMonth("visit_date"))
        .values_list("logged_by_id", "month")
        .annotate(n=Count("pk"))
        .order_by()
    )


def _figures(measure: str, targets: list[Target], reps_of: dict[int, list[int]]):
    """(rep, month) -> figure for a monthly measure; rep -> figure (month None) otherwise."""
    reps = {rep for t in targets for rep in reps_of[t.pk]}
    if not reps:
        return {}
    if measure == Measure.PIPELINE_PROSPECTS:
        rows = (
            Prospect.objects.open()
            .filter(account__owner_id__in=reps)
            .values_list("account__owner_id")
            .annotate(n=Count("pk"))
            .order_by()
        )
        return {(rep, None): Decimal(n) for rep, n in rows}
    bounds = [period_bounds(t.period, t.period_start) for t in targets]
    lo, hi = min(b[0] for b in bounds), max(b[1] for b in bounds)
    return {(rep, month): Decimal(n or 0) for rep, month, n in _monthly(measure, reps, lo, hi)}


def _months(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    months, day = [], start
    while day < end:
        months.append(day)
        day = datetime.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return months


def attainment_for(targets: Iterable[Target], today: datetime.date) -> list[Attainment]:
    """The attainment of each target (already narrowed by the caller to what the user reads),
    in the order given."""
    targets = list(targets)
    if not targets:
        return []
    reps_of = _reps_of(targets)
    by_measure: dict[str, list[Target]] = defaultdict(list)
    for t in targets:
        by_measure[t.measure].append(t)
    figures = {m: _figures(m, ts, reps_of) for m, ts in by_measure.items()}
    result = []
    for t in targets:
        start, end = period_bounds(t.period, t.period_start)
        state = t.measure == Measure.PIPELINE_PROSPECTS
        months: list[datetime.date | None] = [None] if state else list(_months(start, end))
        table = figures[t.measure]
        done = sum(
            (table.get((rep, month), Decimal(0)) for rep in reps_of[t.pk] for month in months),
            Decimal(0),
        )
        projected, elapsed = projection(done, start, end, today, state=state)
        result.append(
            Attainment(t, start, end, done, projected, elapsed, period_days=(end - start).days)
        )
    return result


def _current_q(today: datetime.date) -> Q:
    return Q(period=Target.Period.MONTH, period_start=period_bounds("month", today)[0]) | Q(
        period=Target.Period.QUARTER, period_start=period_bounds("quarter", today)[0]
    )


def attainment_of_user(user: Viewer, today: datetime.date) -> list[Attainment]:
    """The current month's and quarter's targets of `user` themselves and of their team (a
    manager: of the teams they lead): Today's and the profile's section."""
    if user is None or not user.is_authenticated:
        return []
    mine = Q(user=user) | Q(team__manager=user)
    if user.team_id:
        mine |= Q(team_id=user.team_id)
    targets = targets_visible_to(user).filter(mine, _current_q(today))
    return attainment_for(targets.order_by("team_id", "period", "measure", "pk"), today)


# The dashboard shows at most this many targets (a company's reps × measures × periods).
DASHBOARD_LIMIT = 60


def attainment_of_book(user: Viewer, today: datetime.date) -> list[Attainment]:
    """The current month's and quarter's targets `user` reads (teams first): the dashboard's
    section."""
    targets = (
        targets_visible_to(user)
        .filter(_current_q(today))
        .order_by(
            F("user_id").asc(nulls_first=True), "team__name", "user__username", "period", "measure"
        )
    )
    return attainment_for(targets[:DASHBOARD_LIMIT], today)
