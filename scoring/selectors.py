"""Reads of tiers, the Pareto curve, quadrants and the priority matrix, for a population.

A population is the accounts a user may see (the one visibility rule), optionally narrowed to a
team, a territory or an owner. Tiers and thresholds are always computed company-wide by the
recompute; these selectors only narrow the figures shown. They read the latest finished
snapshot (never a fresh scan of the order lines) and return plain data, so that pages, the API
and the manager dashboard can share them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    DecimalField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import RawSQL

from accounts.models import Account
from accounts.selectors import account_scope_q, accounts_visible_to
from crm.models import User
from crm.selectors import OwnerRef, TeamRef, TerritoryRef, Viewer
from scoring import sql
from scoring.figures import PRIORITIES, QUADRANTS, TIERS, summarize_groups
from scoring.models import Priority, Quadrant, ScoringSettings, TierRun, TierSnapshot

DIRECTIONS = {"up": 1, "down": -1}
# A run's figures never change; a population's may (reassignments), so they are kept briefly.
FIGURES_CACHE_SECONDS = 120


def _pk(value: Any) -> int | None:
    if value in (None, ""):
        return None
    return int(getattr(value, "pk", value))


@dataclass(frozen=True)
class Population:
    """The accounts `user` may see, narrowed by the optional filters."""

    user: Any
    team: int | None = None
    territory: int | None = None
    owner: int | None = None

    @property
    def unrestricted(self) -> bool:
        """Everything: an admin without filters (the run's stored company figures apply)."""
        return bool(getattr(self.user, "is_admin", False)) and not (
            self.team or self.territory or self.owner
        )

    def accounts(self) -> QuerySet[Account]:
        qs = accounts_visible_to(self.user)
        if self.team:
            qs = qs.filter(owner__team_id=self.team)
        if self.territory:
            qs = qs.filter(territory_id=self.territory)
        if self.owner:
            qs = qs.filter(owner_id=self.owner)
        return qs

    def cache_key(self, kind: str, run: TierRun | None, *extra: object) -> str:
        """Key of a figure of `run` (None: a figure not read from a run) for this population.
        The user's role, admin flag and team are part of it: they decide the visible book, so
        a promotion, a demotion or a move to another team never serves the former book."""
        user = self.user
        who = [
            getattr(user, "pk", None),
            getattr(user, "role", None),
            int(bool(getattr(user, "is_admin", False))),
            getattr(user, "team_id", None),
        ]
        run_id = getattr(run, "pk", None)
        parts = [kind, run_id, *who, self.team, self.territory, self.owner, *extra]
        return "scoring:" + ":".join(str(p) for p in parts)

    def accounts_sql(self) -> tuple[str, tuple]:
        """The ids of the population as SQL, for the set-based figures."""
        try:
            return self.accounts().order_by().values("id").query.sql_with_params()
        except EmptyResultSet:
            # The visibility rule matches nothing (a user of no known role): no ids, rather
            # than a query Django refuses to write.
            return Account.objects.filter(pk__isnull=True).values("id").query.sql_with_params()


def population(
    *, user: Viewer, team: TeamRef = None, territory: TerritoryRef = None, owner: OwnerRef = None
) -> Population:
    return Population(user=user, team=_pk(team), territory=_pk(territory), owner=_pk(owner))


def latest_run() -> TierRun | None:
    """The newest finished recompute (its snapshot is what every figure shows)."""
    return TierRun.objects.latest_succeeded()


def runs_list() -> QuerySet[TierRun]:
    return TierRun.objects.select_related("actor").order_by("-id")


# A run given as the row or its id (None: the latest finished one).
RunRef = TierRun | int | None


def run_get(pk: int | str) -> TierRun | None:
    return runs_list().filter(pk=pk).first()


def run_in_progress() -> TierRun | None:
    return (
        TierRun.objects.filter(status__in=[TierRun.Status.QUEUED, TierRun.Status.RUNNING])
        .order_by("-id")
        .first()
    )


def _run(run: RunRef) -> TierRun | None:
    if run is None:
        return latest_run()
    if isinstance(run, TierRun):
        return run if run.status == TierRun.Status.SUCCEEDED else None
    return TierRun.objects.succeeded().filter(pk=run).first()


def _dec(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _decode(figures: dict[str, Any]) -> dict[str, Any]:
    """Stored summaries keep decimals as strings; turn them back into Decimals."""
    money_keys = {
        "revenue",
        "revenue_share",
        "customer_share",
        "input_share",
        "input",
        "output",
        "account_share",
        "output_share",
        "total_revenue",
    }
    decoded: dict[str, Any] = {}
    for key, value in figures.items():
        if isinstance(value, dict):
            decoded[key] = _decode(value)
        elif key in money_keys and value is not None:
            decoded[key] = Decimal(str(value))
        else:
            decoded[key] = value
    return decoded


def _figures(run: TierRun, pop: Population) -> dict[str, Any]:
    if pop.unrestricted and run.summary.get("tiers"):
        figures = _decode({k: run.summary[k] for k in ("tiers", "quadrants", "priority")})
        figures.update(
            customers=run.summary["customers"],
            total_revenue=Decimal(run.summary["total_revenue"]),
            untiered=run.summary["untiered"],
            moved_up=run.summary["moved_up"],
            moved_down=run.summary["moved_down"],
        )
        figures["quadrants"] = {int(k): v for k, v in figures["quadrants"].items()}
        return figures
    key = pop.cache_key("figures", run)
    figures = cache.get(key)
    if figures is None:
        source = sql.snapshot_rows_source(run.pk, pop.accounts_sql())
        figures = summarize_groups(sql.group_figures(connection, *source))
        cache.set(key, figures, FIGURES_CACHE_SECONDS)
    return figures


@dataclass
class RunInfo:
    id: int
    as_of: Any
    window_days: int | None
    method: str
    a_cutoff: Decimal | None
    b_cutoff: Decimal | None
    finished_at: Any

    @classmethod
    def of(cls, run: TierRun) -> RunInfo:
        return cls(
            id=run.pk,
            as_of=run.as_of,
            window_days=run.window_days,
            method=run.method,
            a_cutoff=run.a_cutoff,
            b_cutoff=run.b_cutoff,
            finished_at=run.finished_at,
        )


@dataclass
class TierFigures:
    """Accounts and revenue per tier of a population in one run; shares are fractions."""

    run: RunInfo
    customers: int
    total_revenue: Decimal
    untiered: int
    moved_up: int
    moved_down: int
    tiers: list[dict[str, Any]]


def tier_distribution(
    *,
    user: User,
    team: TeamRef = None,
    territory: TerritoryRef = None,
    owner: OwnerRef = None,
    run: RunRef = None,
) -> TierFigures | None:
    """Per tier: accounts, revenue, share of revenue, share of customers, share of input
    (effort alignment); None before the first recompute."""
    found = _run(run)
    if found is None:
        return None
    pop = population(user=user, team=team, territory=territory, owner=owner)
    figures = _figures(found, pop)
    return TierFigures(
        run=RunInfo.of(found),
        customers=figures["customers"],
        total_revenue=figures["total_revenue"],
        untiered=figures["untiered"],
        moved_up=figures["moved_up"],
        moved_down=figures["moved_down"],
        tiers=[{"tier": t, **figures["tiers"][t]} for t in TIERS],
    )


@dataclass
class ParetoFigures:
    run: RunInfo
    customers: int
    total_revenue: Decimal
    top20_share: Decimal
    customers_to_80: int
    customers_to_80_share: Decimal
    points: list[dict[str, Any]] = field(default_factory=list)


def _decode_points(points: list[dict[str, Any]]) -> list[dict[str, Any]]:
    decoded = []
    for point in points:
        customers = point["customers"]
        decoded.append(
            {
                "customers": customers if isinstance(customers, int) else Decimal(customers),
                "customer_share": Decimal(point["customer_share"]),
                "revenue": Decimal(point["revenue"]),
                "revenue_share": Decimal(point["revenue_share"]),
                "mark": point["mark"],
            }
        )
    return decoded


def _downsample(points: list[dict[str, Any]], max_points: int) -> list[dict[str, Any]]:
    """Fewer points than stored, keeping the first, the last and the marked ones."""
    if len(points) <= max_points:
        return points
    step = (len(points) - 1) / (max_points - 1)
    keep = {round(i * step) for i in range(max_points)}
    return [p for i, p in enumerate(points) if i in keep or p["mark"]]


def pareto_curve(
    *,
    user: User,
    team: TeamRef = None,
    territory: TerritoryRef = None,
    owner: OwnerRef = None,
    max_points: int = 200,
    run: RunRef = None,
) -> ParetoFigures | None:
    """Cumulative % of customers against cumulative % of revenue for the population, about
    `max_points` points (exact at the 20% and 80% marks); None before the first recompute."""
    found = _run(run)
    if found is None:
        return None
    max_points = max(2, min(int(max_points), 2000))
    pop = population(user=user, team=team, territory=territory, owner=owner)
    stored = found.summary.get("curve")
    if pop.unrestricted and stored and max_points <= 200:
        return ParetoFigures(
            run=RunInfo.of(found),
            customers=stored["customers"],
            total_revenue=Decimal(stored["total_revenue"]),
            top20_share=Decimal(stored["top20_share"]),
            customers_to_80=stored["customers_to_80"],
            customers_to_80_share=Decimal(stored["customers_to_80_share"]),
            points=_downsample(_decode_points(stored["points"]), max_points),
        )
    key = pop.cache_key("curve", found, max_points)
    curve = cache.get(key)
    if curve is None:
        population_sql = None if pop.unrestricted else pop.accounts_sql()
        curve = sql.pareto_curve(
            connection, *sql.snapshot_source(found.pk, population_sql), max_points=max_points
        )
        cache.set(key, curve, FIGURES_CACHE_SECONDS)
    return ParetoFigures(
        run=RunInfo.of(found),
        customers=curve.customers,
        total_revenue=curve.total_revenue,
        top20_share=curve.top20_share,
        customers_to_80=curve.customers_to_80,
        customers_to_80_share=curve.customers_to_80_share,
        points=curve.points,
    )


@dataclass
class MatrixFigures:
    """Cells of the quadrant or priority matrix for a population, with the thresholds the
    run used (company-wide) and how they were chosen."""

    run: RunInfo
    cells: list[dict[str, Any]]
    thresholds: dict[str, Any]
    settings: dict[str, Any]


def _thresholds(run: TierRun) -> dict[str, Any]:
    stored = run.summary.get("thresholds", {})
    return {k: (_dec(v) if k != "worksheet_min" else v) for k, v in stored.items()}


def quadrants(
    *,
    user: User,
    team: TeamRef = None,
    territory: TerritoryRef = None,
    owner: OwnerRef = None,
    run: RunRef = None,
) -> MatrixFigures | None:
    """The input/output quadrants 1–4 (numbered as in docs/DOMAIN.md#inputoutput-quadrants):
    accounts, input and output per cell; None before the first recompute."""
    found = _run(run)
    if found is None:
        return None
    pop = population(user=user, team=team, territory=territory, owner=owner)
    figures = _figures(found, pop)["quadrants"]
    labels = dict(Quadrant.choices)
    cells = [
        {
            "quadrant": q,
            "label": str(labels[q]),
            "high_output": q in (2, 3),
            "high_input": q in (3, 4),
            **figures[q],
        }
        for q in QUADRANTS
    ]
    return MatrixFigures(
        run=RunInfo.of(found),
        cells=cells,
        thresholds={k: v for k, v in _thresholds(found).items() if k in ("input", "output")},
        settings={
            "output_measure": found.parameters.get("output_measure", "revenue"),
            "weights": found.parameters.get("weights", {}),
            "mode": found.parameters.get("quadrant_thresholds", "median"),
        },
    )


def priority_matrix(
    *,
    user: User,
    team: TeamRef = None,
    territory: TerritoryRef = None,
    owner: OwnerRef = None,
    run: RunRef = None,
) -> MatrixFigures | None:
    """Current revenue (low/high) × potential (low/high) → A+, A, B, C for the population;
    None before the first recompute."""
    found = _run(run)
    if found is None:
        return None
    pop = population(user=user, team=team, territory=territory, owner=owner)
    figures = _figures(found, pop)["priority"]
    labels = dict(Priority.choices)
    cells = [
        {
            "priority": p,
            "label": str(labels[p]),
            "high_potential": p in ("A+", "A"),
            "high_current": p in ("A+", "B"),
            **figures[p],
        }
        for p in PRIORITIES
    ]
    return MatrixFigures(
        run=RunInfo.of(found),
        cells=cells,
        thresholds={
            k: v
            for k, v in _thresholds(found).items()
            if k in ("revenue", "potential", "worksheet_min")
        },
        settings={},
    )


def snapshot_rows(
    *,
    user: Viewer,
    team: TeamRef = None,
    territory: TerritoryRef = None,
    owner: OwnerRef = None,
    run: RunRef = None,
    tier: str | None = None,
    quadrant: int | None = None,
    priority: str | None = None,
    direction: str | None = None,
) -> QuerySet[TierSnapshot]:
    """The accounts behind a figure: snapshot rows of the run for the population, filtered."""
    found = _run(run)
    if found is None:
        return TierSnapshot.objects.none()
    pop = population(user=user, team=team, territory=territory, owner=owner)
    # Always through the visibility rule, even for admins (cheap for a list page).
    qs = TierSnapshot.objects.filter(
        run=found, account__in=pop.accounts().values("id")
    ).select_related("account", "account__owner")
    if tier is not None:
        qs = qs.filter(tier="" if tier == "none" else tier)
    if quadrant is not None:
        qs = qs.filter(quadrant=quadrant)
    if priority is not None:
        qs = qs.filter(priority=priority)
    if direction in DIRECTIONS:
        qs = qs.filter(movement=DIRECTIONS[direction])
    return qs


def tier_movers(
    *,
    user: User,
    team: TeamRef = None,
    territory: TerritoryRef = None,
    owner: OwnerRef = None,
    direction: str | None = None,
    run: RunRef = None,
) -> QuerySet[TierSnapshot]:
    """Accounts whose tier went up or down in the run (default: the latest) against the tier
    they had before it; `direction` "up" or "down" narrows to one side."""
    qs = snapshot_rows(
        user=user, team=team, territory=territory, owner=owner, run=run, direction=direction
    )
    if direction not in DIRECTIONS:
        qs = qs.exclude(movement=TierSnapshot.Movement.SAME)
    return qs.order_by("-movement", "position", "account_id")


def account_tier_history(
    *, user: User, account: Account | int, limit: int = 12
) -> list[TierSnapshot]:
    """The account's rows in the latest finished runs, newest first (empty if not visible)."""
    account_id = _pk(account)
    if account_id is None or not accounts_visible_to(user).filter(pk=account_id).exists():
        return []
    # A few probes of the (run, account) index rather than a scan of every run.
    runs = list(TierRun.objects.succeeded().order_by("-id").values_list("id", flat=True)[:limit])
    return list(
        TierSnapshot.objects.filter(account_id=account_id, run_id__in=runs)
        .select_related("run")
        .order_by("-run_id")
    )


def account_latest_snapshot(*, user: User, account: Account | int) -> TierSnapshot | None:
    found = latest_run()
    account_id = _pk(account)
    if (
        found is None
        or account_id is None
        or not accounts_visible_to(user).filter(pk=account_id).exists()
    ):
        return None
    return TierSnapshot.objects.filter(run=found, account_id=account_id).first()


def scoring_settings() -> ScoringSettings:
    return ScoringSettings.load()


# --- Group accounts (集团客户) -------------------------------------------------------------


@dataclass(frozen=True)
class GroupMember:
    """A visible account of a group on the card: its depth under the nearest visible
    ancestor, its tier and its revenue in the latest run's window (None: not ranked)."""

    account_id: int
    name: str
    tier: str
    revenue: Decimal | None
    depth: int
    is_root: bool
    is_current: bool

    @property
    def indent(self) -> str:
        """Em spaces and a branch mark that show the depth in the tree."""
        return "\u2003" * (self.depth - 1) + "└ " if self.depth else ""


@dataclass(frozen=True)
class GroupTree:
    """The group of an account as `user` may see it: names and figures of the visible
    members only; the others are counted (`hidden`), never named, and left out of the totals."""

    members: list[GroupMember]
    hidden: int
    revenue_total: Decimal
    tiers: dict[str, int]

    @property
    def size(self) -> int:
        return len(self.members) + self.hidden


def _nest(rows: list[dict[str, Any]], root_id: int) -> list[dict[str, Any]]:
    """Depth-first order of the visible rows, each under its nearest visible ancestor (a hidden
    account in between leaves no gap that would hint at it)."""
    by_id = {row["id"]: row for row in rows}
    children: dict[int | None, list[dict[str, Any]]] = {}
    for row in rows:
        parent = row["parent_id"]
        while parent is not None and not by_id.get(parent, {}).get("visible", False):
            parent = by_id[parent]["parent_id"] if parent in by_id else None
        if not row["visible"]:
            continue
        children.setdefault(parent if row["id"] != root_id else None, []).append(row)
    ordered: list[dict[str, Any]] = []
    stack = [(row, 0) for row in reversed(sorted(children.get(None, []), key=_name_key))]
    while stack:
        row, depth = stack.pop()
        ordered.append({**row, "depth": depth})
        below = sorted(children.get(row["id"], []), key=_name_key)
        stack.extend((child, depth + 1) for child in reversed(below))
    return ordered


def _name_key(row: dict[str, Any]) -> tuple[str, int]:
    return (row["name"], row["id"])


def account_group_tree(*, user: User, account: Account | int) -> GroupTree | None:
    """The account's group (its root and every account under it, recursively) with each
    visible member's tier and revenue in the latest run's window, in one query; None when the
    account is in no group or `user` may not see it. Visibility is the one rule
    (accounts.selectors.account_scope_q): a member outside the user's book is only counted."""
    account_id = _pk(account)
    if account_id is None:
        return None
    run = latest_run()
    scope = account_scope_q(user)
    visible: Any = (
        Case(When(scope, then=Value(True)), default=Value(False), output_field=BooleanField())
        if scope
        else Value(True, output_field=BooleanField())
    )
    revenue = (
        Subquery(
            TierSnapshot.objects.filter(run_id=run.pk, account_id=OuterRef("pk")).values("revenue")[
                :1
            ]
        )
        if run is not None
        else Value(None, output_field=DecimalField())
    )
    rows: list[dict[str, Any]] = [
        dict(row)
        for row in Account.objects.filter(pk__in=RawSQL(sql.GROUP_TREE_IDS, [account_id]))  # noqa: S611 # nosec B611
        .annotate(visible=visible, window_revenue=revenue)
        .values("id", "parent_id", "name", "tier", "visible", "window_revenue")
    ]
    if len(rows) < 2 or not any(r["id"] == account_id and r["visible"] for r in rows):
        return None
    root_id = next(
        (r["id"] for r in rows if r["parent_id"] is None or r["parent_id"] not in _ids(rows)),
        account_id,
    )
    members = [
        GroupMember(
            account_id=row["id"],
            name=row["name"],
            tier=row["tier"],
            revenue=row["window_revenue"],
            depth=row["depth"],
            is_root=row["id"] == root_id,
            is_current=row["id"] == account_id,
        )
        for row in _nest(rows, root_id)
    ]
    tiers: dict[str, int] = {}
    for member in members:
        tiers[member.tier or ""] = tiers.get(member.tier or "", 0) + 1
    return GroupTree(
        members=members,
        hidden=len(rows) - len(members),
        revenue_total=sum((m.revenue or Decimal("0") for m in members), Decimal("0.00")),
        tiers=tiers,
    )


def _ids(rows: list[dict[str, Any]]) -> set[int]:
    return {row["id"] for row in rows}
