"""The Today page's reads: one screen of what a rep (or a manager's team) has to do today.

Each section costs two queries whatever the size of the book: the first ranks the section's
rows per rep with window functions (ROW_NUMBER, COUNT) and keeps the first few per rep
(`limit`) with the rep's total, so "and N more" costs nothing; the second reads those few rows
with what they show (the phone to call, the next step). The sections reuse the lower apps'
selectors, and the visibility rule comes with them.
"""

import datetime
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.expressions import OrderBy
from django.db.models.functions import RowNumber, TruncDate

from accounts.models import Account, Contact, Tier
from commitments.models import Commitment
from commitments.selectors import commitments_open_for, commitments_visible_to
from crm.models import Team, User
from crm.selectors import owner_scope_q, users_visible_to
from health.selectors import latest_score
from prospects.models import Prospect
from visits.models import Reminder, Slot, Visit, VisitPlan, VisitSettings
from visits.selectors import (
    due_not_planned,
    plans_in_book_for,
    reminders_visible_to,
    unplanned_with_cadence,
)

# Rows per section: a rep's own Today lists more, a team's lists a few per rep.
REP_LIMIT = 10
TEAM_LIMIT = 5
TOUCH_DAYS = 7

# The sections of a day, in the order the page shows them; the last two only on a team's.
REP_SECTIONS = ("plans", "overdue", "commitments", "health", "touches", "due", "prospects")
SLIPPED_SECTIONS = ("slipped_plans", "slipped_commitments")


@dataclass(frozen=True)
class Section:
    key: str
    rows: list[Any]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.rows)


@dataclass
class RepDay:
    """One rep's day: each section's first rows and its total."""

    rep: User
    sections: dict[str, Section] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not any(s.total for s in self.sections.values())

    def section(self, key: str) -> Section:
        return self.sections.get(key) or Section(key=key, rows=[], total=0)


@dataclass(frozen=True)
class TodayBoard:
    day: datetime.date
    team_view: bool
    reps: list[RepDay]
    team: Team | None = None


# --- Ordering ------------------------------------------------------------------------------


def effective_slot(afternoon_starts: datetime.time) -> Case:
    """A plan's slot as the day is lived: its slot, or for "any time" with a time, morning
    before the afternoon slot starts and afternoon from then on; "any" when neither is set.
    0 = morning, 1 = afternoon, 2 = any."""
    return Case(
        When(slot=Slot.MORNING, then=Value(0)),
        When(slot=Slot.AFTERNOON, then=Value(1)),
        When(planned_time__lt=afternoon_starts, then=Value(0)),
        When(planned_time__gte=afternoon_starts, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )


def _tier_rank(path: str = "tier") -> Case:
    return Case(
        *(When(**{path: t}, then=Value(i)) for i, t in enumerate((Tier.A, Tier.B, Tier.C))),
        default=Value(3),
        output_field=IntegerField(),
    )


def plan_day_order(afternoon_starts: datetime.time) -> list[Any]:
    """The order of a day's plans: A accounts in the morning first, then by slot (morning,
    afternoon, any time) and time (untimed last), then A before B before C, name, id."""
    slot = effective_slot(afternoon_starts)
    a_morning = Case(
        When(Q(account__tier=Tier.A) & Q(slot=Slot.MORNING), then=Value(0)),
        When(
            Q(account__tier=Tier.A) & Q(slot=Slot.ANY) & Q(planned_time__lt=afternoon_starts),
            then=Value(0),
        ),
        default=Value(1),
        output_field=IntegerField(),
    )
    return [
        a_morning,
        slot,
        OrderBy(F("planned_time"), nulls_last=True),
        _tier_rank("account__tier"),
        F("account__name"),
        F("id"),
    ]


@dataclass(frozen=True)
class Rank:
    """Where a row stands in its section: its rep, its place, the rep's count of rows."""

    rep_id: int
    rank: int
    total: int
    part: str = ""


def _ranked(
    qs: QuerySet,
    *,
    rep_path: str,
    order: Sequence[Any],
    limit: int,
    part: Any = None,
) -> dict[int, Rank]:
    """The pks of `qs`'s first `limit` rows per rep (and per `part`, an expression naming a
    sub-section), in `order`, each with the rep's count of rows. One query, however long the
    section: ROW_NUMBER() and COUNT(*) over the rep's partition, filtered on the rank. Only
    the pk and the ranks are selected, so what a row shows (phones, next steps) is computed
    for the few rows kept, not for the whole book (`_load`)."""
    partition = [F(rep_path)] if part is None else [F(rep_path), part]
    rows = (
        qs.annotate(
            today_rep_id=F(rep_path),
            today_part=Value("") if part is None else part,
            today_rank=Window(RowNumber(), partition_by=partition, order_by=list(order)),
            today_total=Window(Count("*"), partition_by=partition),
        )
        .filter(today_rank__lte=limit)
        .order_by()
        .values_list("pk", "today_rep_id", "today_rank", "today_total", "today_part")
    )
    return {pk: Rank(rep, rank, total, str(p)) for pk, rep, rank, total, p in rows}


def _load(qs: QuerySet, ranks: dict[int, Rank]) -> list[Any]:
    """The rows of `ranks` read through `qs` (one query), each with `today_rep_id`,
    `today_rank`, `today_total` and `today_part`, by rep and rank."""
    # An empty section still asks (`IN (0)`: no row has pk 0), so a page makes the same
    # number of queries whatever is in it (the tests and the benchmark compare the counts).
    found = list(qs.filter(pk__in=list(ranks) or [0]).order_by())
    for row in found:
        rank = ranks[row.pk]
        row.today_rep_id, row.today_rank = rank.rep_id, rank.rank
        row.today_total, row.today_part = rank.total, rank.part
    return sorted(found, key=lambda r: (r.today_rep_id, r.today_part, r.today_rank))


# --- Sections -------------------------------------------------------------------------------


def _phone_of_account(account_ref: str = "account_id") -> Subquery:
    """The phone to call about an account (`account_ref` names it in the outer query): its
    first decision maker's, else any contact's (the template falls back on the account's own
    phone)."""
    return Subquery(
        Contact.objects.filter(account_id=OuterRef(account_ref))
        .exclude(phone="")
        .annotate(
            dm_first=Case(
                When(role=Contact.Role.DECISION_MAKER, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("dm_first", "id")
        .values("phone")[:1]
    )


def _plans(user: User, owners: QuerySet | None) -> QuerySet[VisitPlan]:
    qs = plans_in_book_for(user).open()
    if owners is not None:
        qs = qs.filter(account__owner__in=owners)
    return qs


def _plans_shown(user: User) -> QuerySet:
    return (
        plans_in_book_for(user)
        .select_related("account")
        .annotate(contact_phone=_phone_of_account())
    )


def plans_of_day(
    user: User,
    *,
    day: datetime.date,
    limit: int,
    owners: QuerySet | None = None,
    settings: VisitSettings | None = None,
) -> list[VisitPlan]:
    """Open plans of `day` in `user`'s book, in the day's order, `limit` per rep."""
    settings = VisitSettings.load() if settings is None else settings
    ranks = _ranked(
        _plans(user, owners).filter(planned_date=day),
        rep_path="account__owner_id",
        order=plan_day_order(settings.afternoon_time),
        limit=limit,
    )
    return _load(_plans_shown(user), ranks)


def plans_overdue(
    user: User,
    *,
    day: datetime.date,
    limit: int,
    owners: QuerySet | None = None,
    settings: VisitSettings | None = None,
) -> list[VisitPlan]:
    """Open plans before `day` in `user`'s book, oldest first, `limit` per rep."""
    settings = VisitSettings.load() if settings is None else settings
    ranks = _ranked(
        _plans(user, owners).filter(planned_date__lt=day),
        rep_path="account__owner_id",
        order=[F("planned_date"), *plan_day_order(settings.afternoon_time)],
        limit=limit,
    )
    return _load(_plans_shown(user), ranks)


def _commitments(user: User, *, owners: QuerySet | None) -> QuerySet[Commitment]:
    if owners is None:  # a rep's own
        return commitments_visible_to(user).open().filter(owner=user)
    return (
        commitments_visible_to(user)
        .open()
        .filter(owner_scope_q(user, owner_path="owner"), owner__in=owners)
    )


def _commitments_shown(user: User) -> QuerySet:
    return (
        commitments_visible_to(user)
        .select_related("account", "contact", "owner")
        .annotate(contact_phone=_phone_of_account())
    )


def commitments_due(
    user: User,
    *,
    day: datetime.date,
    limit: int,
    owners: QuerySet | None = None,
    settings: VisitSettings | None = None,
) -> list[Commitment]:
    """Open commitments due on or before `day` (a rep's own, or the team's), earliest
    first, `limit` per owner; each with the phone to call."""
    qs = (
        commitments_open_for(user, until=day)
        if owners is None
        else _commitments(user, owners=owners).filter(due_date__lte=day)
    )
    order = [F("due_date"), OrderBy(F("due_time"), nulls_last=True), F("id")]
    ranks = _ranked(qs, rep_path="owner_id", order=order, limit=limit)
    return _load(_commitments_shown(user), ranks)


def touches_upcoming(
    user: User,
    *,
    day: datetime.date,
    limit: int,
    owners: QuerySet | None = None,
    settings: VisitSettings | None = None,
) -> list[Reminder]:
    """Open gift and greeting reminders (birthdays, holidays) dated `day` to `day` + 7 whose
    recipient is the rep (or one of the team), not snoozed past `day`; soonest first."""
    qs = (
        reminders_visible_to(user)
        .open()
        .filter(
            kind__in=[Reminder.Kind.GIFT, Reminder.Kind.GREETING],
            date__gte=day,
            date__lte=day + datetime.timedelta(days=TOUCH_DAYS),
        )
        .filter(Q(snoozed_until__isnull=True) | Q(snoozed_until__lte=day))
    )
    qs = qs.filter(recipient=user) if owners is None else qs.filter(recipient__in=owners)
    order = [F("date"), _tier_rank("account__tier"), F("id")]
    ranks = _ranked(qs, rep_path="recipient_id", order=order, limit=limit)
    return _load(reminders_visible_to(user).select_related("account", "contact", "occasion"), ranks)


def health_warnings(
    user: User,
    *,
    day: datetime.date,
    limit: int,
    owners: QuerySet | None = None,
    settings: VisitSettings | None = None,
) -> list[Reminder]:
    """Open account-health warnings (health/) showing on `day` whose recipient is the rep (or
    one of the team: owners and their manager each get their own); A accounts first, then
    the lowest health. Each row has `health_score`, the account's latest."""
    qs = reminders_visible_to(user).showing_on(day).filter(kind=Reminder.Kind.ACCOUNT_HEALTH)
    qs = qs.filter(recipient=user) if owners is None else qs.filter(recipient__in=owners)
    order = [_tier_rank("account__tier"), F("date").desc(), F("id")]
    ranks = _ranked(qs, rep_path="recipient_id", order=order, limit=limit)
    shown = (
        reminders_visible_to(user)
        .select_related("account")
        .annotate(health_score=latest_score("account_id"))
    )
    return _load(shown, ranks)


def _latest_next_step() -> Subquery:
    """The next step written on the account's latest logged visit ("" when none)."""
    return Subquery(
        Visit.objects.filter(account=OuterRef("pk"))
        .order_by("-visit_date", OrderBy(F("visit_time"), descending=True, nulls_last=True), "-id")
        .values("next_step")[:1]
    )


DUE = "due"
PROSPECTS = "prospects"


def _ranked_due(
    candidates: QuerySet, *, day: datetime.date, until: datetime.date, limit: int
) -> dict[int, Rank]:
    """`_ranked` for the two "due" sections, each account's due date computed once.

    Through the ORM the due date and the "open prospect" test are repeated in each clause
    that uses them (the filter on the due date, the prospects' filter, the partition and the
    sort), and PostgreSQL evaluates each copy: the prospect test as a hash of every open
    prospect of the database, built twice. Here `candidates` (the ORM's query: the
    visibility rule, no plan, a cadence) gets its due date from the account's own
    `last_visit_date` and its open prospect from one probe of the prospects' unique index
    on the account (LATERAL), each once per account of the book, and the enclosing queries
    filter and rank. One query; same rows, order and totals as `due_not_planned` ranked by
    `_ranked`."""
    base = (
        candidates.order_by()
        .annotate(today_tier=_tier_rank(), today_created=TruncDate("created_at"))
        .values(
            "id", "owner_id", "name", "cadence", "last_visit_date", "today_tier", "today_created"
        )
    )
    base_sql, base_params = base.query.sql_with_params()
    # Open prospects (the prospects app's definition); probed once per account below.
    open_sql, open_params = (
        Prospect.objects.open().order_by().values("account_id").query.sql_with_params()
    )
    sql = f"""
        SELECT id, owner_id, today_rank, today_total, today_part FROM (
            SELECT d.id, d.owner_id, d.today_part,
                ROW_NUMBER() OVER (
                    PARTITION BY d.owner_id, d.today_part
                    ORDER BY d.due, d.today_tier, d.name, d.id
                ) AS today_rank,
                COUNT(*) OVER (PARTITION BY d.owner_id, d.today_part) AS today_total
            FROM (
                SELECT b.id, b.owner_id, b.name, b.today_tier,
                    p.account_id IS NOT NULL AS today_is_prospect,
                    CASE WHEN p.account_id IS NOT NULL THEN %s ELSE %s END AS today_part,
                    COALESCE((b.last_visit_date + b.cadence)::date, b.today_created) AS due
                FROM ({base_sql}) b
                LEFT JOIN LATERAL (
                    SELECT o.account_id FROM ({open_sql}) o WHERE o.account_id = b.id LIMIT 1
                ) p ON TRUE
            ) d
            WHERE d.due <= %s AND (NOT d.today_is_prospect OR d.due <= %s)
        ) ranked
        WHERE today_rank <= %s
    """  # noqa: S608 # nosec B608 - the ORM's SQL, values as parameters
    params = [PROSPECTS, DUE, *base_params, *open_params, until, day, limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return {pk: Rank(rep, rank, total, part) for pk, rep, rank, total, part in rows}


def accounts_and_prospects_due(
    user: User,
    *,
    day: datetime.date,
    limit: int,
    owners: QuerySet | None = None,
    settings: VisitSettings | None = None,
) -> tuple[list[Account], list[Account]]:
    """Two sections from one pass over the book with the "due, not planned" rule:

    - accounts due by cadence (within the settings' horizon) with no visit planned, open
      prospects left out; soonest due first, A first among equals;
    - accounts of open prospects (in the pipeline, green or yellow) whose next step is due:
      no visit planned and the next visit due by `day` itself; each with `next_step` (what
      the latest visit said to do next) and `prospect_id`.
    """
    settings = VisitSettings.load() if settings is None else settings
    candidates = unplanned_with_cadence(user, settings=settings)
    if owners is not None:
        candidates = candidates.filter(owner__in=owners)
    until = day + datetime.timedelta(days=settings.due_horizon_days)
    ranks = _ranked_due(candidates, day=day, until=until, limit=limit)
    shown = due_not_planned(user, day=day, settings=settings).annotate(
        next_step=_latest_next_step(),
        prospect_id=F("prospect__id"),
        contact_phone=_phone_of_account("pk"),
    )
    rows = _load(shown, ranks)
    return (
        [r for r in rows if r.today_part == DUE],
        [r for r in rows if r.today_part == PROSPECTS],
    )


def plans_slipped(
    user: User,
    *,
    day: datetime.date,
    limit: int,
    owners: QuerySet | None = None,
    settings: VisitSettings | None = None,
) -> list[VisitPlan]:
    """Plans of the day before `day` still open (neither logged nor cancelled)."""
    return plans_of_day(
        user, day=day - datetime.timedelta(days=1), limit=limit, owners=owners, settings=settings
    )


def commitments_slipped(
    user: User,
    *,
    day: datetime.date,
    limit: int,
    owners: QuerySet | None = None,
    settings: VisitSettings | None = None,
) -> list[Commitment]:
    """Commitments due the day before `day` and still open."""
    yesterday = day - datetime.timedelta(days=1)
    qs = _commitments(user, owners=owners).filter(due_date=yesterday)
    order = [OrderBy(F("due_time"), nulls_last=True), F("id")]
    ranks = _ranked(qs, rep_path="owner_id", order=order, limit=limit)
    return _load(_commitments_shown(user), ranks)


# --- The board ----------------------------------------------------------------------------


def _group(rows: Iterable[Any]) -> dict[int, Section]:
    """Rows of one ranked section (ordered by rep), as a Section per rep id."""
    by_rep: dict[int, list[Any]] = {}
    for row in rows:
        by_rep.setdefault(row.today_rep_id, []).append(row)
    return {
        rep_id: Section(key="", rows=members, total=members[0].today_total)
        for rep_id, members in by_rep.items()
    }


def team_members(user: User, team: Team | None = None) -> QuerySet[User]:
    """The reps (and managers) whose day `user` sees on a team's Today: those whose book they
    see, narrowed to `team` (its members and its manager) when given."""
    qs = users_visible_to(user)
    if team is not None:
        qs = qs.filter(Q(team=team) | Q(pk=team.manager_id))
    return qs


def today_board(
    user: User, *, day: datetime.date, team_view: bool, team: Team | None = None
) -> TodayBoard:
    """A rep's own day, or (`team_view`) the day of every rep whose book `user` sees (of
    `team` if given), grouped by rep, with what slipped yesterday. A fixed number of queries
    whatever the size of the book or the team."""
    owners = team_members(user, team) if team_view else None
    limit = TEAM_LIMIT if team_view else REP_LIMIT
    fetch: dict[str, Callable[..., list[Any]]] = {
        "plans": plans_of_day,
        "overdue": plans_overdue,
        "commitments": commitments_due,
        "touches": touches_upcoming,
        "health": health_warnings,
    }
    if team_view:
        fetch.update({"slipped_plans": plans_slipped, "slipped_commitments": commitments_slipped})
    ids = owners.values("pk") if owners is not None else None
    settings = VisitSettings.load()  # once for every section
    grouped = {
        key: _group(selector(user, day=day, limit=limit, owners=ids, settings=settings))
        for key, selector in fetch.items()
    }
    due, prospects = accounts_and_prospects_due(
        user, day=day, limit=limit, owners=ids, settings=settings
    )
    grouped.update({"due": _group(due), "prospects": _group(prospects)})
    reps = list(owners.order_by("username", "pk")) if owners is not None else [user]
    days = []
    for rep in reps:
        rep_day = RepDay(rep=rep)
        for key, per_rep in grouped.items():
            found = per_rep.get(rep.pk)
            if found is not None:
                rep_day.sections[key] = Section(key=key, rows=found.rows, total=found.total)
        # Someone no longer active is shown only while they still have something open.
        if rep.is_active or not rep_day.empty:
            days.append(rep_day)
    return TodayBoard(day=day, team_view=team_view, reps=days, team=team)
