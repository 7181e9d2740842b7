"""The manager dashboard's figures as typed, frozen records: one class per figure, with its
empty state (`empty()`, what the dashboard shows before any order, visit or tier run) and its
rows (`rows()`, what its table, its download and its chart read), and one class per kind of row.

The selectors (`scoring.dashboard.selectors`) read the database and build these; the API
serializers, the downloads (`tables`), the charts (`charts`) and the page read them. Each record
also reads as a read-only mapping of its fields under their API names (`Record`): the DRF
serializers of `scoring.dashboard.api` and the templates look fields up by those names, and a
record compares equal to the plain data it stands for.

Money is quantized to cents, shares are fractions with six places (0.8 = 80%) and None where
the whole they divide is zero.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from decimal import Decimal
from functools import cache
from typing import Any, ClassVar

from accounts.models import Account
from prospects.models import CRITERIA
from scoring.dashboard.query import Period, month_of, week_of
from scoring.dashboard.sql import OrderGroup
from scoring.figures import PRIORITIES, QUADRANTS, TIERS
from scoring.models import Priority, Quadrant, TierRun

MONEY = Decimal("0.01")
SHARE = Decimal("0.000001")
HOURS = Decimal("0.01")
EFFORT = Decimal("0.0001")
# A rep is flagged when their share of time on A accounts is more than this many percentage
# points (as a fraction: 0.20 = 20 points) below the A accounts' share of their revenue.
EFFORT_GAP = Decimal("0.20")
# Tiers of the effort figure: A, B, C and "" (accounts without a tier).
EFFORT_TIERS = (*TIERS, "")
TOUCH_DAYS = 7


def share(part: Decimal | int | None, whole: Decimal | int | None) -> Decimal | None:
    """part / whole as a fraction with 6 places; None when the whole is zero."""
    whole = Decimal(whole or 0)
    if whole == 0:
        return None
    return (Decimal(part or 0) / whole).quantize(SHARE)


def money(value: Decimal | int | None) -> Decimal:
    return Decimal(value or 0).quantize(MONEY)


@cache
def _api_names(cls: type) -> dict[str, str]:
    """API name -> field name, for a record class."""
    renamed = getattr(cls, "API_NAMES", {})
    return {renamed.get(f.name, f.name): f.name for f in fields(cls)}


class Record(Mapping[str, Any]):
    """A frozen dataclass that reads as a read-only mapping of its fields, keyed by their API
    names (the field's name unless `API_NAMES` renames it): `record.tier` and
    `record["tier"]` are the same value. Subclasses are `@dataclass(frozen=True, eq=False)`,
    so that equality is the mapping's (field by field, also against a plain dict)."""

    API_NAMES: ClassVar[dict[str, str]] = {}

    def __getitem__(self, key: str) -> Any:
        try:
            name = _api_names(type(self))[key]
        except KeyError:
            raise KeyError(key) from None
        return getattr(self, name)

    def __iter__(self) -> Iterator[str]:
        return iter(_api_names(type(self)))

    def __len__(self) -> int:
        return len(_api_names(type(self)))


# --- shared parts ----------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class RunRef(Record):
    """The tier run a figure was read from."""

    id: int
    as_of: datetime.date | None
    finished_at: datetime.datetime | None

    @classmethod
    def of(cls, run: TierRun | None) -> RunRef | None:
        if run is None:
            return None
        return cls(id=run.pk, as_of=run.as_of, finished_at=run.finished_at)


@dataclass(frozen=True, eq=False)
class PeriodInfo(Record):
    """A period and the previous one of the same length."""

    date_from: datetime.date
    date_to: datetime.date
    days: int
    previous_from: datetime.date
    previous_to: datetime.date

    @classmethod
    def of(cls, period: Period) -> PeriodInfo:
        previous = period.previous
        return cls(
            date_from=period.date_from,
            date_to=period.date_to,
            days=period.days,
            previous_from=previous.date_from,
            previous_to=previous.date_to,
        )


# --- KPIs: sales = customers × average purchase -----------------------------------------------


@dataclass(frozen=True, eq=False)
class Change(Record):
    """A figure of this period against the previous one."""

    current: Decimal | int
    previous: Decimal | int
    change: Decimal | int
    change_share: Decimal | None

    @classmethod
    def between(cls, current: Decimal | int, previous: Decimal | int) -> Change:
        return cls(
            current=current,
            previous=previous,
            change=current - previous,
            change_share=share(current - previous, previous),
        )


def _average(total: Decimal, count: int) -> Decimal:
    return money(total / count) if count else money(0)


@dataclass(frozen=True, eq=False)
class KpisFigure(Record):
    """Customers (accounts with order lines in the period), average purchase per customer and
    sales (= customers × average purchase), each against the previous period."""

    period: PeriodInfo
    customers: Change
    average_purchase: Change
    sales: Change

    @classmethod
    def of(cls, period: PeriodInfo, groups: Sequence[OrderGroup]) -> KpisFigure:
        customers = sum(g.accounts for g in groups if g.status != "lapsed")
        sales = sum((g.current for g in groups), Decimal(0))
        previous_customers = sum(g.previous_customers for g in groups)
        previous_sales = sum((g.previous for g in groups), Decimal(0))
        return cls(
            period=period,
            customers=Change.between(customers, previous_customers),
            average_purchase=Change.between(
                _average(sales, customers), _average(previous_sales, previous_customers)
            ),
            sales=Change.between(money(sales), money(previous_sales)),
        )

    @classmethod
    def empty(cls, period: PeriodInfo) -> KpisFigure:
        return cls.of(period, [])

    def rows(self) -> list[tuple[str, Change]]:
        """(name, change) of customers, average purchase and sales."""
        return [
            ("customers", self.customers),
            ("average_purchase", self.average_purchase),
            ("sales", self.sales),
        ]


# --- tiers ------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class TierRow(Record):
    tier: str
    accounts: int
    revenue: Decimal
    revenue_share: Decimal | None
    customer_share: Decimal | None


@dataclass(frozen=True, eq=False)
class Mover(Record):
    """An account whose tier changed in the run."""

    account: int
    name: str
    tier: str
    previous_tier: str
    direction: str  # "up" or "down"


@dataclass(frozen=True, eq=False)
class TiersFigure(Record):
    """Accounts and revenue per tier (latest snapshot), movers since the previous run."""

    run: RunRef | None
    customers: int
    total_revenue: Decimal
    untiered: int
    moved_up: int
    moved_down: int
    tiers: list[TierRow]
    movers: list[Mover]

    @classmethod
    def empty(cls) -> TiersFigure:
        return cls(
            run=None,
            customers=0,
            total_revenue=money(0),
            untiered=0,
            moved_up=0,
            moved_down=0,
            tiers=[TierRow(t, 0, money(0), None, None) for t in TIERS],
            movers=[],
        )

    def rows(self) -> list[TierRow]:
        return self.tiers


# --- the Pareto curve -------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ParetoPoint(Record):
    customers: Decimal
    customer_share: Decimal
    revenue: Decimal
    revenue_share: Decimal
    mark: str  # "20", "80", "20,80" or empty


@dataclass(frozen=True, eq=False)
class ParetoFigure(Record):
    """The Pareto curve with the 20% point and where this population crosses 80%."""

    run: RunRef | None
    customers: int
    total_revenue: Decimal
    top20_share: Decimal
    customers_to_80: int
    customers_to_80_share: Decimal
    points: list[ParetoPoint]

    @classmethod
    def empty(cls, run: RunRef | None = None) -> ParetoFigure:
        """No customer: before the first run, or none in this population."""
        zero = Decimal("0.000000")
        return cls(run, 0, money(0), zero, 0, zero, [])

    def rows(self) -> list[ParetoPoint]:
        return self.points


# --- input/output quadrants -------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class QuadrantCell(Record):
    quadrant: int
    label: str
    accounts: int
    account_share: Decimal | None
    input: Decimal
    output: Decimal


@dataclass(frozen=True, eq=False)
class ScatterPoint(Record):
    account: int
    name: str
    input: Decimal
    output: Decimal
    quadrant: int


@dataclass(frozen=True, eq=False)
class Thresholds(Record):
    """Where the input and output axes split (company-wide); None before the first run."""

    input: Decimal | None
    output: Decimal | None


@dataclass(frozen=True, eq=False)
class QuadrantsFigure(Record):
    """Input/output scatter: a sample of accounts as points, the thresholds that split the
    axes (company-wide), and per quadrant its counts (numbered and labelled as in
    docs/DOMAIN.md#inputoutput-quadrants)."""

    run: RunRef | None
    output_measure: str
    thresholds: Thresholds
    cells: list[QuadrantCell]
    points: list[ScatterPoint]
    points_total: int

    @classmethod
    def empty(cls) -> QuadrantsFigure:
        labels = dict(Quadrant.choices)
        cells = [
            QuadrantCell(n, str(labels[n]), 0, None, Decimal(0).quantize(EFFORT), money(0))
            for n in QUADRANTS
        ]
        return cls(None, "revenue", Thresholds(None, None), cells, [], 0)

    def rows(self) -> list[QuadrantCell]:
        return self.cells


# --- priority matrix --------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class PriorityCell(Record):
    priority: str
    label: str
    accounts: int
    revenue: Decimal


@dataclass(frozen=True, eq=False)
class PriorityFigure(Record):
    """The priority matrix A+/A/B/C: accounts and revenue per class."""

    run: RunRef | None
    cells: list[PriorityCell]

    @classmethod
    def empty(cls) -> PriorityFigure:
        labels = dict(Priority.choices)
        return cls(None, [PriorityCell(p, str(labels[p]), 0, money(0)) for p in PRIORITIES])

    def rows(self) -> list[PriorityCell]:
        return self.cells


# --- effort alignment -------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class EffortTier(Record):
    tier: str  # "A", "B", "C"; empty: untiered
    visits: int
    hours: Decimal
    visit_share: Decimal | None
    hours_share: Decimal | None
    revenue_share: Decimal | None


@dataclass(frozen=True, eq=False)
class EffortRep(Record):
    """One owner's time on A accounts against A's share of their revenue."""

    owner_id: int
    username: str
    name: str
    visits: int
    hours: Decimal
    a_time_share: Decimal | None
    a_revenue_share: Decimal | None
    gap: Decimal | None
    flagged: bool

    @classmethod
    def of(
        cls,
        *,
        owner_id: int,
        username: str,
        name: str,
        time: OwnerTime,
        revenue_by_tier: Mapping[str, Decimal],
    ) -> EffortRep:
        # Time is hours where they were logged, else the number of visits.
        if time.minutes:
            a_time_share = share(time.a_minutes, time.minutes)
        else:
            a_time_share = share(time.a_visits, time.visits)
        a_revenue_share = share(revenue_by_tier.get("A", 0), sum(revenue_by_tier.values()))
        gap = None
        if a_time_share is not None and a_revenue_share is not None:
            gap = (a_revenue_share - a_time_share).quantize(SHARE)
        return cls(
            owner_id=owner_id,
            username=username,
            name=name,
            visits=time.visits,
            hours=(Decimal(time.minutes) / 60).quantize(HOURS),
            a_time_share=a_time_share,
            a_revenue_share=a_revenue_share,
            gap=gap,
            flagged=gap is not None and gap > EFFORT_GAP,
        )


@dataclass(frozen=True)
class OwnerTime:
    """An owner's visits and logged minutes over a period, all and on A accounts."""

    visits: int = 0
    a_visits: int = 0
    minutes: int = 0
    a_minutes: int = 0

    @classmethod
    def by_owner(cls, rows: Iterable[Mapping[str, Any]]) -> dict[int, OwnerTime]:
        """From rows of `visits.selectors.effort_by_owner_and_tier` (one per owner and tier)."""
        out: dict[int, OwnerTime] = {}
        for r in rows:
            before = out.get(r["owner_id"], cls())
            a = r["tier"] == "A"
            out[r["owner_id"]] = cls(
                visits=before.visits + r["visits"],
                a_visits=before.a_visits + (r["visits"] if a else 0),
                minutes=before.minutes + (r["minutes"] or 0),
                a_minutes=before.a_minutes + ((r["minutes"] or 0) if a else 0),
            )
        return out


@dataclass(frozen=True, eq=False)
class EffortFigure(Record):
    """Effort alignment: share of visits and hours on A, B, C (and untiered) accounts over the
    period beside their share of revenue (latest snapshot); per owner, the share of time on A
    accounts against A's share of their revenue, flagged when more than EFFORT_GAP below."""

    period: PeriodInfo
    gap_limit: Decimal
    total_visits: int
    total_hours: Decimal
    tiers: list[EffortTier]
    reps: list[EffortRep]

    @classmethod
    def empty(cls, period: PeriodInfo) -> EffortFigure:
        zero = Decimal(0).quantize(HOURS)
        tiers = [EffortTier(t, 0, zero, None, None, None) for t in EFFORT_TIERS]
        return cls(period, EFFORT_GAP, 0, zero, tiers, [])

    def rows(self) -> list[EffortTier]:
        return self.tiers


# --- pipeline health --------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class PipelineRep(Record):
    """A rep's active prospects by colour against their share (open = green + yellow)."""

    owner_id: int
    username: str
    name: str
    team_id: int | None
    green: int
    yellow: int
    red: int
    open: int
    accounts: int
    share: int
    below: bool
    shortfall: int


@dataclass(frozen=True, eq=False)
class PipelineTeam(Record):
    """A team's open prospects against its pipeline minimum."""

    team_id: int
    name: str
    minimum: int
    open: int
    below: bool
    shortfall: int


@dataclass(frozen=True, eq=False)
class WorksheetScore(Record):
    total: int
    accounts: int


@dataclass(frozen=True, eq=False)
class AccountLine(Record):
    account: int
    name: str
    owner: str


@dataclass(frozen=True, eq=False)
class MissingDecisionMaker(Record):
    """How many A accounts have no decision-maker contact, and the first of them."""

    count: int
    accounts: list[AccountLine]


@dataclass(frozen=True, eq=False)
class PipelineFigure(Record):
    """Each team's open prospects against its minimum, each rep's active prospects by colour
    against their share, the worksheet score distribution, and A accounts without a
    decision-maker contact."""

    teams: list[PipelineTeam]
    teams_below: int
    reps: list[PipelineRep]
    reps_below: int
    worksheet_scores: list[WorksheetScore]
    a_without_decision_maker: MissingDecisionMaker

    @classmethod
    def empty(cls) -> PipelineFigure:
        scores = [WorksheetScore(t, 0) for t in range(len(CRITERIA) + 1)]
        return cls([], 0, [], 0, scores, MissingDecisionMaker(0, []))

    def rows(self) -> list[PipelineRep]:
        return self.reps


# --- visit plan adherence ---------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class PlanAdherence(Record):
    """Planned against done over a period; overdue plans as of today."""

    start: datetime.date
    end: datetime.date
    planned: int
    done: int
    open: int
    overdue: int
    overdue_a: int
    done_share: Decimal | None  # three places


@dataclass(frozen=True, eq=False)
class PlansFigure(Record):
    """Visit plan adherence: planned against done this week (Monday–Sunday) and this calendar
    month, overdue plans and overdue A-tier visits (as of today)."""

    week: PlanAdherence
    month: PlanAdherence

    @classmethod
    def empty(cls, today: datetime.date) -> PlansFigure:
        week, month = week_of(today), month_of(today)
        return cls(
            PlanAdherence(*week, 0, 0, 0, 0, 0, None), PlanAdherence(*month, 0, 0, 0, 0, 0, None)
        )

    def rows(self) -> list[tuple[str, PlanAdherence]]:
        """("week", …) and ("month", …)."""
        return [("week", self.week), ("month", self.month)]


# --- touches ----------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class TouchRow(Record):
    """Reminders of one kind and occasion due on one day."""

    date: datetime.date
    occasion_code: str
    occasion: str
    kind: str
    kind_label: str
    count: int


@dataclass(frozen=True, eq=False)
class TouchesFigure(Record):
    """Gift and greeting reminders due in the next TOUCH_DAYS days, per day and occasion."""

    # `rows` is the method every figure has; the API calls the due reminders "rows".
    API_NAMES: ClassVar[dict[str, str]] = {"due": "rows"}

    date_from: datetime.date
    date_to: datetime.date
    total: int
    due: list[TouchRow]

    @classmethod
    def of(cls, today: datetime.date, due: list[TouchRow]) -> TouchesFigure:
        end = today + datetime.timedelta(days=TOUCH_DAYS)
        return cls(today, end, sum(r.count for r in due), due)

    @classmethod
    def empty(cls, today: datetime.date) -> TouchesFigure:
        return cls.of(today, [])

    def rows(self) -> list[TouchRow]:
        return self.due


# --- ways to grow sales -----------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class GrowthChannel(Record):
    """New customers and their revenue against existing customers' revenue now and in the
    previous period, and customers lost since then, for one channel."""

    channel: str
    label: str
    new_customers: int
    new_revenue: Decimal
    existing_customers: int
    existing_revenue: Decimal
    existing_previous_revenue: Decimal
    existing_change: Decimal
    lapsed_customers: int
    lapsed_previous_revenue: Decimal

    @classmethod
    def of(cls, channel: Account.Channel, groups: Sequence[OrderGroup]) -> GrowthChannel:
        by_status = {g.status: g for g in groups if g.channel == channel}
        new, existing, lapsed = (by_status.get(s) for s in ("new", "existing", "lapsed"))
        existing_now = money(existing.current if existing else 0)
        existing_before = money(existing.previous if existing else 0)
        return cls(
            channel=str(channel),
            label=str(channel.label),
            new_customers=new.accounts if new else 0,
            new_revenue=money(new.current if new else 0),
            existing_customers=existing.accounts if existing else 0,
            existing_revenue=existing_now,
            existing_previous_revenue=existing_before,
            existing_change=existing_now - existing_before,
            lapsed_customers=lapsed.accounts if lapsed else 0,
            lapsed_previous_revenue=money(lapsed.previous if lapsed else 0),
        )


@dataclass(frozen=True, eq=False)
class GrowthFigure(Record):
    """The levers of docs/DOMAIN.md#ways-to-grow-sales per channel (distributors, direct customers,
    then "other" when any account has it): new customers this period and their revenue,
    against existing customers' revenue now and in the previous period (more from existing
    ones), and customers lost since then."""

    period: PeriodInfo
    channels: list[GrowthChannel]

    @classmethod
    def of(cls, period: PeriodInfo, groups: Sequence[OrderGroup]) -> GrowthFigure:
        channels = [Account.Channel.DISTRIBUTOR, Account.Channel.DIRECT]
        # Accounts of neither channel ("other") get a row of their own only when there are
        # some, so their revenue is not lost from the levers.
        if any(g.channel == Account.Channel.OTHER for g in groups):
            channels.append(Account.Channel.OTHER)
        return cls(period, [GrowthChannel.of(c, groups) for c in channels])

    @classmethod
    def empty(cls, period: PeriodInfo) -> GrowthFigure:
        return cls.of(period, [])

    def rows(self) -> list[GrowthChannel]:
        return self.channels


Figure = (
    KpisFigure
    | TiersFigure
    | ParetoFigure
    | QuadrantsFigure
    | PriorityFigure
    | EffortFigure
    | PipelineFigure
    | PlansFigure
    | TouchesFigure
    | GrowthFigure
)


@dataclass(frozen=True, eq=False)
class DashboardFigures(Record):
    """Every figure of the dashboard, in the page's order (also a mapping: name -> figure)."""

    kpis: KpisFigure
    tiers: TiersFigure
    pareto: ParetoFigure
    quadrants: QuadrantsFigure
    priority: PriorityFigure
    effort: EffortFigure
    pipeline: PipelineFigure
    plans: PlansFigure
    touches: TouchesFigure
    growth: GrowthFigure
