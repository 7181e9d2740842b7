"""The forecast: weighted pipeline and categories by month and quarter, per rep, team and
company, against the revenue target; what changed since a past day; win rate, deal size,
cycle length and the stage funnel over a chosen window. The rules are in
[DOMAIN.md](docs/DOMAIN.md#forecast).

Every figure reads the deals `user` sees (`opportunities.selectors.opportunities_visible_to`),
optionally narrowed to a team or an owner that `user` sees (another one answers None: the
caller's 404). Set-based: each selector runs a fixed number of queries, grouped in the
database by owner (and month), whatever the number of deals; the rep → team → company and
month → quarter totals are sums of those groups in Python (a few hundred at most).
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import (
    Avg,
    Case,
    Count,
    DecimalField,
    F,
    Func,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils.translation import gettext as _

from crm.models import Team, User
from crm.selectors import EqualsAny, Viewer, teams_visible_to, users_visible_to
from opportunities.forecast_sql import changes_rows, grid_rows, left_period_ids, no_jit
from opportunities.models import AMOUNT_PLACES, Opportunity, OpportunityChange, Stage, Target
from opportunities.selectors import opportunities_visible_to
from opportunities.targets import period_bounds, targets_visible_to

Status = Opportunity.Status
Category = Opportunity.Category
ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=20, decimal_places=AMOUNT_PLACES)
# Deals listed under "what changed" (the largest first); the counts and sums cover them all.
CHANGE_LIST_LIMIT = 50


@dataclass(frozen=True)
class Population:
    """Whose deals: the caller's book, narrowed to a team or an owner (rep)."""

    user: User
    team: Team | None = None
    owner: User | None = None

    @property
    def is_everything(self) -> bool:
        """Every deal: an admin's, not narrowed."""
        return self.user.is_admin and self.team is None and self.owner is None

    def deals(self) -> QuerySet[Opportunity]:
        # The rule as index conditions: a period's deals through their owner's and account's
        # indexes (opportunities.selectors.opportunity_scope_q).
        qs = opportunities_visible_to(self.user, by_id=True)
        if self.team is not None:
            # The team's members as an index condition on the owner (not a join with them).
            members = User.objects.filter(team=self.team).values("pk").order_by()
            qs = qs.filter(EqualsAny(F("owner"), ArraySubquery(members)))
        if self.owner is not None:
            qs = qs.filter(owner=self.owner)
        return qs


def population_for(
    user: Viewer, *, team: int | None = None, owner: int | None = None
) -> Population | None:
    """The population, or None when the team or owner is not one `user` sees (404)."""
    if not isinstance(user, User) or not user.is_active:
        return None
    team_row = owner_row = None
    if team is not None:
        team_row = teams_visible_to(user).filter(pk=team).first()
        if team_row is None:
            return None
    if owner is not None:
        owner_row = users_visible_to(user).filter(pk=owner).first()
        if owner_row is None:
            return None
    return Population(user, team_row, owner_row)


# --- the forecast grid -----------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """One cell: the deals whose expected close date falls in a month (or a quarter).

    `total`: every deal's amount whatever its stage; `won`, `lost`: closed ones; `open`:
    open ones, of which `omitted` is the rep's "omitted" category; `pipeline` (open, not
    omitted) = `commit` + `best_case` + `pipeline_only`; `weighted`: pipeline deals'
    amount × win probability."""

    deals: int = 0
    total: Decimal = ZERO
    won: Decimal = ZERO
    won_count: int = 0
    lost: Decimal = ZERO
    lost_count: int = 0
    open: Decimal = ZERO
    open_count: int = 0
    commit: Decimal = ZERO
    best_case: Decimal = ZERO
    pipeline_only: Decimal = ZERO
    omitted: Decimal = ZERO
    weighted: Decimal = ZERO

    def __add__(self, other: "Figures") -> "Figures":
        # Written out: the forecast adds a few thousand cells per request.
        return Figures(
            self.deals + other.deals,
            self.total + other.total,
            self.won + other.won,
            self.won_count + other.won_count,
            self.lost + other.lost,
            self.lost_count + other.lost_count,
            self.open + other.open,
            self.open_count + other.open_count,
            self.commit + other.commit,
            self.best_case + other.best_case,
            self.pipeline_only + other.pipeline_only,
            self.omitted + other.omitted,
            self.weighted + other.weighted,
        )

    @property
    def pipeline(self) -> Decimal:
        return self.commit + self.best_case + self.pipeline_only


def _sum(cells: list["Figures"]) -> "Figures":
    total = Figures()
    for cell in cells:
        total = total + cell
    return total


@dataclass(frozen=True)
class Cell:
    """Figures against a revenue target: `gap` = what remains of the target after the won
    deals (never below 0), `coverage` = pipeline ÷ gap (None without a target or a gap)."""

    figures: Figures
    target: Decimal | None = None

    @property
    def gap(self) -> Decimal | None:
        if self.target is None:
            return None
        return max(self.target - self.figures.won, ZERO)

    @property
    def coverage(self) -> Decimal | None:
        gap = self.gap
        if not gap:
            return None
        return (self.figures.pipeline / gap).quantize(Decimal("0.01"), ROUND_HALF_UP)


@dataclass(frozen=True)
class Line:
    """One rep, one team or the company: a cell per month and one for the whole period."""

    kind: str  # "rep", "team", "company"
    key: int | None  # the rep's or team's id (None: no team, or the company)
    name: str
    months: list[Cell]
    total: Cell
    reps: list["Line"] = field(default_factory=list)


@dataclass(frozen=True)
class Forecast:
    period: str
    start: datetime.date
    end: datetime.date  # the first day after the period
    months: list[datetime.date]
    company: Line
    teams: list[Line]


def _months(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    months, day = [], start
    while day < end:
        months.append(day)
        day = datetime.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return months


def in_period(start: datetime.date, end: datetime.date) -> Q:
    """Deals whose expected close date is in [start, end). The status (any) comes first so
    that the (status, close date) index serves the range."""
    return Q(status__in=Status.values, close_date__gte=start, close_date__lt=end)


def _money(value: Decimal | None) -> Decimal:
    return ZERO if value is None else value.quantize(Decimal("0.01"), ROUND_HALF_UP)


def _grid(deals: QuerySet[Opportunity], start: datetime.date, end: datetime.date):
    """(owner id, month) -> Figures: one statement over the period's deals (read from the
    covering indexes), grouped in the database (opportunities.forecast_sql.GRID)."""
    columns = ("owner_id", "close_date", "status", "category", "stage_id", "amount")
    rows = grid_rows(deals.filter(in_period(start, end)).values(*columns, "probability").order_by())
    grid: dict[tuple[int, datetime.date], Figures] = {}
    for owner, month, n, total, *rest in rows:
        (won, won_n, lost, lost_n, open_, open_n, commit, best, pipeline, omitted) = rest[:10]
        # Each category's weighted amount rounded on its own, as a cell has always shown it.
        weighted = sum((_money(w) for w in rest[10:]), ZERO)
        grid[(owner, month)] = Figures(
            n, _money(total), _money(won), won_n or 0, _money(lost), lost_n or 0,
            _money(open_), open_n or 0, _money(commit), _money(best), _money(pipeline),
            _money(omitted), weighted,
        )  # fmt: skip
    return grid


def _targets(population: Population, period: str, months: list[datetime.date]):
    """Revenue targets the caller reads for the period and its months:
    {("rep"|"team", id, period, start): value}."""
    starts = [*months, months[0]]
    rows = (
        targets_visible_to(population.user)
        .filter(measure=Target.Measure.REVENUE, period_start__in=starts)
        .filter(Q(period=Target.Period.MONTH, period_start__in=months) | Q(period=period))
        .values_list("user_id", "team_id", "period", "period_start", "value")
    )
    found: dict[tuple[str, int, str, datetime.date], Decimal] = {}
    for user_id, team_id, kind, start, value in rows:
        found[("rep", user_id, kind, start) if user_id else ("team", team_id, kind, start)] = value
    return found


def _target_of(
    found: dict, who: tuple[str, int], period: str, start: datetime.date, months: list
) -> Decimal | None:
    """The target of a rep or team for one month, or for the period: the period's own, else
    the sum of its months' (when any is set)."""
    own = found.get((*who, period, start))
    if own is not None or period == Target.Period.MONTH or len(months) == 1:
        return own
    parts = [found.get((*who, Target.Period.MONTH, m)) for m in months]
    if all(p is None for p in parts):
        return None
    return sum((p for p in parts if p is not None), ZERO)


def _add_targets(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    if a is None:
        return b
    if b is None:
        return a
    return a + b


def _sum_targets(targets: list[Decimal | None]) -> Decimal | None:
    """The sum of the targets that are set (None when none is)."""
    total = None
    for target in targets:
        total = _add_targets(total, target)
    return total


def _rep_lines(users: list[User], grid: dict, found: dict, period: str, months: list):
    by_team: dict[int | None, list[Line]] = defaultdict(list)
    for user in users:
        who = ("rep", user.pk)
        cells = [
            Cell(
                grid.get((user.pk, m), Figures()),
                _target_of(found, who, Target.Period.MONTH, m, [m]),
            )
            for m in months
        ]
        total = Cell(
            _sum([c.figures for c in cells]), _target_of(found, who, period, months[0], months)
        )
        by_team[user.team_id].append(Line("rep", user.pk, str(user), cells, total))
    return by_team


def _team_line(
    team_id: int | None, name: str, reps: list[Line], found: dict, period: str, months: list
) -> Line:
    """A team's line (team_id None: the reps without a team): its reps' sums; its target its
    own, else the sum of its reps'."""
    who = ("team", team_id or 0)
    cells = []
    for i, m in enumerate(months):
        own = _target_of(found, who, Target.Period.MONTH, m, [m]) if team_id else None
        if own is None:
            own = _sum_targets([r.months[i].target for r in reps])
        cells.append(Cell(_sum([r.months[i].figures for r in reps]), own))
    own_total = _target_of(found, who, period, months[0], months) if team_id else None
    if own_total is None:
        own_total = _sum_targets([r.total.target for r in reps])
    total = Cell(_sum([r.total.figures for r in reps]), own_total)
    return Line("team", team_id, name, cells, total, reps)


def forecast(population: Population, *, period: str, day: datetime.date) -> Forecast:
    """The forecast of the month or quarter holding `day`: per rep (grouped by their team),
    team and company, a cell per month and one for the period. A team's target is its own,
    else the sum of its reps'; the company's the sum of its teams' and of reps without one."""
    start, end = period_bounds(period, day)
    months = _months(start, end)
    with no_jit():
        grid = _grid(population.deals(), start, end)
    found = _targets(population, period, months)
    owners = {owner for owner, _m in grid}
    if population.owner is not None:
        owners.add(population.owner.pk)
    users = list(User.objects.filter(pk__in=owners).order_by("username", "pk"))
    by_team = _rep_lines(users, grid, found, period, months)
    team_ids = {t for t in by_team if t is not None}
    if population.team is not None:
        team_ids.add(population.team.pk)
    names = dict(Team.objects.filter(pk__in=team_ids).values_list("pk", "name"))
    order: list[int | None] = [*sorted(team_ids, key=lambda t: (names.get(t, ""), t))]
    if by_team.get(None):
        order.append(None)
    teams = [
        _team_line(t, names.get(t, "") if t is not None else "", by_team[t], found, period, months)
        for t in order
    ]
    company_cells = [
        Cell(
            _sum([t.months[i].figures for t in teams]),
            _sum_targets([t.months[i].target for t in teams]),
        )
        for i in range(len(months))
    ]
    company_total = Cell(
        _sum([t.total.figures for t in teams]), _sum_targets([t.total.target for t in teams])
    )
    return Forecast(
        period, start, end, months, Line("company", None, "", company_cells, company_total), teams
    )


# --- what changed since a past day ----------------------------------------------------------


CHANGE_KINDS = ("new", "moved_in", "slipped_out", "amount_changed", "lost")


@dataclass(frozen=True)
class ChangeRow:
    kind: str
    opportunity_id: int
    name: str
    owner_id: int
    amount_then: Decimal | None
    amount_now: Decimal
    close_date_then: datetime.date | None
    close_date_now: datetime.date


@dataclass(frozen=True)
class Changes:
    since: datetime.datetime
    counts: dict[str, int]
    amounts: dict[str, Decimal]
    by_owner: dict[int, dict[str, int]]
    rows: list[ChangeRow]


def changes_since(
    population: Population, *, period: str, day: datetime.date, since: datetime.datetime
) -> Changes:
    """What changed in the period's forecast since `since` (a past instant), from the deals'
    change history. A deal's state then = the `*_before` values of its first change after
    `since`, else its current row; a deal created after `since` is new.

    - new: created after `since`, now closing in the period (any status but lost);
    - moved in: closing outside the period then, in it now (open or won);
    - slipped out: open and closing in the period then, closing after the period now;
    - amount changed: closing in the period then and now, not lost, another amount;
    - lost: open and closing in the period then, lost now.

    One statement (grouped figures and the largest changed deals; their names in a second),
    over the deals with a change after `since` that close in the period now or were open and
    closing in it before that change (opportunities.forecast_sql)."""
    start, end = period_bounds(period, day)
    columns = ("id", "owner_id", "amount", "close_date", "status")
    now_in = population.deals().filter(in_period(start, end)).values(*columns).order_by()
    moved = population.deals().filter(pk__in=left_period_ids()).values(*columns).order_by()
    ids = None if population.is_everything else population.deals().values("id").order_by()
    with no_jit():
        grouped, listed = changes_rows(
            now_in,
            moved,
            ids,
            since=since,
            start=start,
            end=end,
            limit=CHANGE_LIST_LIMIT,
        )
    counts = dict.fromkeys(CHANGE_KINDS, 0)
    amounts = dict.fromkeys(CHANGE_KINDS, ZERO)
    by_owner: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(CHANGE_KINDS, 0))
    for owner, change, n, amount in grouped:
        counts[change] += n
        amounts[change] += amount or ZERO
        by_owner[owner][change] += n
    names = dict(
        Opportunity.objects.filter(pk__in=[row[1] for row in listed]).values_list("pk", "name")
    )
    rows = [
        ChangeRow(kind, pk, names.get(pk, ""), owner, *values)
        for kind, pk, owner, *values in listed
    ]
    return Changes(since, counts, amounts, dict(by_owner), rows)


# --- performance over a window --------------------------------------------------------------


@dataclass(frozen=True)
class RepPerformance:
    owner_id: int
    name: str
    won: int
    lost: int
    won_amount: Decimal
    win_rate: Decimal | None  # won ÷ (won + lost), a fraction
    average_deal: Decimal | None  # mean amount of the won deals
    cycle_days: Decimal | None  # mean days from creation to close, of the closed deals


@dataclass(frozen=True)
class FunnelStep:
    stage_id: int
    name: str
    reached: int
    share: Decimal | None  # of the deals created in the window


@dataclass(frozen=True)
class Performance:
    date_from: datetime.date
    date_to: datetime.date
    reps: list[RepPerformance]
    total: RepPerformance
    created: int
    funnel: list[FunnelStep]


def _ratio(part: Any, whole: Any, places: str = "0.0001") -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal(places), ROUND_HALF_UP)


def _performance_row(owner_id: int, name: str, row: Any) -> RepPerformance:
    won, lost = row["won"], row["lost"]
    average = row["won_amount"] / won if won else None
    cycle = row["cycle"]
    return RepPerformance(
        owner_id,
        name,
        won,
        lost,
        row["won_amount"] or ZERO,
        _ratio(won, won + lost),
        average.quantize(Decimal("0.01"), ROUND_HALF_UP) if average is not None else None,
        Decimal(cycle).quantize(Decimal("0.1"), ROUND_HALF_UP) if cycle is not None else None,
    )


class DaysBetween(Func):
    """Whole days from the second date to the first (PostgreSQL: date - date)."""

    arg_joiner = " - "
    template = "(%(expressions)s)"
    output_field = IntegerField()


def performance(
    population: Population, *, date_from: datetime.date, date_to: datetime.date
) -> Performance:
    """Win rate, average deal size and cycle length of the deals closed from `date_from` to
    `date_to` (both included), per owner and in all; the funnel of the deals created in that
    window: how many reached each stage (its own or a later one of the open and won stages,
    by their history), as a share of them. Three grouped queries and the stages."""
    closed = population.deals().filter(
        ~Q(status=Status.OPEN), closed_on__gte=date_from, closed_on__lte=date_to
    )
    cycle = DaysBetween(F("closed_on"), TruncDate("created_at"))
    figures = {
        "won": Count("pk", filter=Q(status=Status.WON)),
        "lost": Count("pk", filter=Q(status=Status.LOST)),
        "won_amount": Coalesce(
            Sum("amount", filter=Q(status=Status.WON)), ZERO, output_field=MONEY
        ),
        "cycle": Avg(cycle),
    }
    per_owner = list(closed.values("owner_id").annotate(**figures).order_by())
    names = {u.pk: str(u) for u in User.objects.filter(pk__in=[r["owner_id"] for r in per_owner])}
    reps = sorted(
        (_performance_row(r["owner_id"], names.get(r["owner_id"], ""), r) for r in per_owner),
        key=lambda r: r.name,
    )
    total_row = closed.aggregate(**figures)
    total = _performance_row(0, "", total_row)
    # The funnel: each created deal's furthest stage (by position) among the stages its
    # history reached, lost stages aside.
    created = population.deals().filter(
        created_at__date__gte=date_from, created_at__date__lte=date_to
    )
    furthest = (
        OpportunityChange.objects.filter(opportunity=OuterRef("pk"), stage_after__is_lost=False)
        .order_by()
        .values("opportunity")
        .annotate(p=Max("stage_after__position"))
        .values("p")
    )
    reached_rows = (
        created.annotate(
            furthest=Coalesce(
                Subquery(furthest),
                Case(When(stage__is_lost=False, then=F("stage__position")), default=Value(-1)),
            )
        )
        .values("furthest")
        .annotate(n=Count("pk"))
        .order_by()
    )
    at_least: dict[int, int] = {row["furthest"]: row["n"] for row in reached_rows}
    n_created = sum(at_least.values())
    funnel = []
    for stage in Stage.objects.filter(is_lost=False).order_by("position", "pk"):
        reached = sum(n for position, n in at_least.items() if position >= stage.position)
        funnel.append(FunnelStep(stage.pk, stage.name, reached, _ratio(reached, n_created)))
    return Performance(date_from, date_to, reps, total, n_created, funnel)


# --- downloads --------------------------------------------------------------------------------


def forecast_table(result: Forecast) -> tuple[list[str], list[tuple]]:
    """The forecast as one table (the CSV/xlsx download): a row per rep, team and the company,
    for each month and for the whole period."""
    headers = [
        _("Level"),
        _("Team"),
        _("Rep"),
        _("Month"),
        _("Deals"),
        _("Total amount"),
        _("Won"),
        _("Lost"),
        _("Open"),
        _("Commit"),
        _("Best case"),
        _("Pipeline"),
        _("Omitted"),
        _("Forecast pipeline"),
        _("Weighted pipeline"),
        _("Target"),
        _("Gap"),
        _("Coverage"),
    ]
    levels = {"rep": _("Rep"), "team": _("Team"), "company": _("Company")}
    rows: list[tuple] = []

    def add(line: Line, team: str, rep: str) -> None:
        labelled = [
            (m.strftime("%Y-%m"), c) for m, c in zip(result.months, line.months, strict=True)
        ]
        for month, cell in [*labelled, (_("Whole period"), line.total)]:
            f = cell.figures
            rows.append(
                (
                    levels[line.kind],
                    team,
                    rep,
                    month,
                    f.deals,
                    f.total,
                    f.won,
                    f.lost,
                    f.open,
                    f.commit,
                    f.best_case,
                    f.pipeline_only,
                    f.omitted,
                    f.pipeline,
                    f.weighted,
                    cell.target,
                    cell.gap,
                    cell.coverage,
                )
            )

    for team in result.teams:
        team_name = team.name or _("No team")
        for rep in team.reps:
            add(rep, team_name, rep.name)
        add(team, team_name, "")
    add(result.company, "", "")
    return headers, rows
