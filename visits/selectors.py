"""Reads of visits, plans, touches and reminders, always through the visibility rule.

Interfaces used by other apps (keep names and shapes):
- `visit_inputs_by_account(*, date_from, date_to)` (scoring's input side);
- `effort_by_tier`, `effort_by_owner_and_tier`, `plan_adherence`, `plan_adherence_periods`,
  `touches_due` (the manager dashboard's plain data).
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from itertools import chain, groupby
from typing import Any, TypeVar

from django.conf import settings as django_settings
from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    Func,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.expressions import Combinable
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Account, Contact, Tier
from accounts.selectors import account_scope_q, accounts_visible_to
from crm.models import User
from crm.selectors import Viewer, owner_scope_q
from prospects.selectors import abandoned_account_ids
from visits.expressions import AddDays
from visits.models import (
    ChecklistItem,
    Occasion,
    Reminder,
    ReminderQuerySet,
    Touch,
    Visit,
    VisitPlan,
    VisitPlanQuerySet,
    VisitSettings,
)

ZERO = Decimal("0.00")
_QS = TypeVar("_QS", bound=QuerySet[Any])


def _hours(minutes_sum: Combinable) -> Func:
    """Hours of a sum of minutes, to the hundredth. 60.0 is a numeric literal, so the division
    is a numeric one (a decimal parameter would be bound as the integer 60)."""
    return Func(
        minutes_sum,
        template="ROUND(%(expressions)s / 60.0, 2)",
        output_field=DecimalField(max_digits=14, decimal_places=2),
    )


def visit_inputs_by_account(*, date_from: datetime.date, date_to: datetime.date) -> QuerySet:
    """One row per account with logged visits in [date_from, date_to]: dicts with
    `account_id`, `visit_count` (int), `hours` (decimal, 2 places), `expenses` (decimal).

    One GROUP BY over the visit log (covered by the index on account and date).
    """
    return (
        Visit.objects.filter(visit_date__gte=date_from, visit_date__lte=date_to)
        .order_by()
        .values("account_id")
        .annotate(
            visit_count=Count("id"),
            # After values(): a key of the rows, not Visit.hours (the plugin cannot tell).
            hours=_hours(Sum("duration_minutes")),  # type: ignore[no-redef]
            expenses=Sum("expenses"),
        )
        .order_by("account_id")
    )


# --- Cadence ------------------------------------------------------------------------------


def last_visit_date() -> F:
    """The date of the account's latest logged visit (NULL if none): `Account.last_visit_date`,
    kept by the visit services (`accounts_last_visit_refresh`), read from the account's own
    row instead of a probe of the visits per account."""
    return F("last_visit_date")


def latest_visit_days(*, until: datetime.date) -> QuerySet:
    """{account_id, day}: each account's latest logged visit on or before `until` (one
    grouped query; `last_visit_date()` is the same for today)."""
    return (
        Visit.objects.filter(visit_date__lte=until)
        .values("account_id")
        .annotate(day=Max("visit_date"))
        .order_by()
    )


def cadence_case(settings: VisitSettings) -> Case:
    return Case(
        *[When(tier=t, then=Value(settings.cadence_for(t))) for t in ("A", "B", "C")],
        default=Value(settings.cadence_untiered_days),
        output_field=IntegerField(),
    )


def due_date_expression(cadence: int | Combinable) -> Coalesce:
    """An account's next due date: last visit + cadence (int or expression), or the day the
    account was created when it was never visited."""
    return Coalesce(AddDays(last_visit_date(), cadence), TruncDate("created_at"))


def unplanned_with_cadence(user: User, *, settings: VisitSettings | None = None) -> QuerySet:
    """Accounts in `user`'s book that have a cadence and no planned visit (abandoned
    prospects left out), annotated with `cadence`: `due_not_planned` before its due date is
    computed, for a caller that computes each account's last visit once itself (Today joins
    it LATERAL)."""
    settings = VisitSettings.load() if settings is None else settings
    return (
        accounts_visible_to(user)
        .exclude(pk__in=abandoned_account_ids())
        .annotate(cadence=cadence_case(settings))
        .exclude(cadence__lte=0)
        .exclude(
            Exists(
                VisitPlan.objects.filter(account=OuterRef("pk"), status=VisitPlan.Status.PLANNED)
            )
        )
    )


def due_not_planned(
    user: User,
    *,
    day: datetime.date,
    horizon_days: int | None = None,
    settings: VisitSettings | None = None,
) -> QuerySet:
    """Accounts in `user`'s book whose cadence says a visit is due by `day` + horizon and
    that have no planned visit; annotated with `due`, `cadence` and `last_visit`."""
    settings = VisitSettings.load() if settings is None else settings
    horizon = settings.due_horizon_days if horizon_days is None else horizon_days
    cadence = cadence_case(settings)
    return (
        unplanned_with_cadence(user, settings=settings)
        .annotate(last_visit=last_visit_date(), due=due_date_expression(cadence))
        .filter(due__lte=day + datetime.timedelta(days=horizon))
        .select_related("owner")
    )


# --- Visits, plans, touches ---------------------------------------------------------------


def visit_scope_q(user: Viewer) -> Q:
    """Visits `user` may see: those of accounts in their book, and those logged by a user
    whose book they see (done work stays with who did it: a rep still reads the visits they
    logged after the account was reassigned, and so does their manager). The one visibility
    rule, applied to the account's owner and to the visit's author."""
    return _in_book_or_by_author(user, author_path="logged_by")


def visits_visible_to(user: Viewer) -> QuerySet[Visit]:
    return Visit.objects.filter(visit_scope_q(user))


def visits_listed_for(user: User) -> QuerySet[Visit]:
    """`visits_visible_to`, each annotated `in_book`: whether its account is in the user's
    book (the list links the customer card only then)."""
    return visits_visible_to(user).annotate(
        in_book=Exists(accounts_visible_to(user).filter(pk=OuterRef("account_id")))
    )


def visit_in_book(user: User, visit: Visit) -> bool:
    """Whether the visit's account is in `user`'s book: only then may they change the visit
    (a visit seen only as its author's is read-only)."""
    return accounts_visible_to(user).filter(pk=visit.account_id).exists()


def visit_get_visible(user: User, pk: int | str) -> Visit | None:
    return (
        visits_visible_to(user)
        .select_related("account", "plan", "logged_by")
        .prefetch_related("contacts")
        .filter(pk=pk)
        .first()
    )


def _in_book_or_by_author(user: Viewer, *, author_path: str) -> Q:
    """The visibility rule for done work: the record's account is in `user`'s book, or its
    author (`author_path`) is a user whose book they see. An empty Q means "everything" (an
    admin), but `Q() | other` is `other`: keep it empty."""
    in_book = account_scope_q(user, account_path="account__")
    by_author = owner_scope_q(user, owner_path=author_path)
    return in_book | by_author if in_book and by_author else Q()


def plans_in_book_for(user: Viewer) -> VisitPlanQuerySet:
    """Plans of accounts in `user`'s book: the only ones they may change, or log a visit for,
    or attach a visit to."""
    return VisitPlan.objects.filter(account_scope_q(user, account_path="account__"))


def plans_visible_to(user: Viewer) -> VisitPlanQuerySet:
    """Plans of accounts in `user`'s book, and done plans whose visit was logged by a user
    whose book they see (read-only for them: `plan_in_book`)."""
    return VisitPlan.objects.filter(_in_book_or_by_author(user, author_path="visit__logged_by"))


def plan_in_book(user: User, plan: VisitPlan) -> bool:
    """Whether the plan's account is in `user`'s book: only then may they change the plan,
    tick its checklist or log its visit (a plan seen only as its visit's author's is
    read-only)."""
    return accounts_visible_to(user).filter(pk=plan.account_id).exists()


def plan_get_visible(user: User, pk: int | str) -> VisitPlan | None:
    return (
        plans_visible_to(user)
        .select_related("account", "account__owner", "visit", "visit__logged_by")
        .filter(pk=pk)
        .first()
    )


def touches_visible_to(user: Viewer) -> QuerySet[Touch]:
    """Touches of accounts in `user`'s book, and those logged by a user whose book they see
    (done work stays with who did it; read-only for them: `touch_in_book`)."""
    return Touch.objects.filter(_in_book_or_by_author(user, author_path="created_by"))


def touches_listed_for(user: User) -> QuerySet[Touch]:
    """`touches_visible_to`, each annotated `in_book` (the list links the card and names the
    contact only then)."""
    return touches_visible_to(user).annotate(
        in_book=Exists(accounts_visible_to(user).filter(pk=OuterRef("account_id")))
    )


def touch_in_book(user: User, touch: Touch) -> bool:
    """Whether the touch's account is in `user`'s book: only then may they change it."""
    return accounts_visible_to(user).filter(pk=touch.account_id).exists()


def touch_get_visible(user: User, pk: int | str) -> Touch | None:
    return (
        touches_visible_to(user)
        .select_related("account", "contact", "occasion", "created_by")
        .filter(pk=pk)
        .first()
    )


def calendar_plans(
    user: User, *, start: datetime.date, end: datetime.date, rep: User | int | None = None
) -> QuerySet[VisitPlan]:
    """Plans (not cancelled) between start and end in `user`'s book, for one rep if given."""
    qs = (
        plans_in_book_for(user)
        .between(start, end)
        .exclude(status=VisitPlan.Status.CANCELLED)
        .select_related("account", "account__owner")
        .order_by("planned_date", "planned_time", "account__name", "id")
    )
    if rep is not None:
        qs = qs.filter(account__owner=rep)
    return qs


def checklist_items() -> QuerySet[ChecklistItem]:
    return ChecklistItem.objects.filter(active=True).order_by("position")


def plan_checklist(plan: VisitPlan) -> list[dict]:
    """The checklist for a plan: each active item, whether it is ticked, and the contact facts
    it shows (decision makers, or the handlers' and decision makers' interests)."""
    ticked = set(plan.ticks.values_list("item_id", flat=True))
    contacts = list(
        Contact.objects.filter(account_id=plan.account_id)
        .order_by("role", "name", "id")
        .only("id", "name", "title", "role", "phone", "interests", "account_id")
    )
    facts: dict[str, list[Contact]] = {
        ChecklistItem.Facts.DECISION_MAKER: [
            c for c in contacts if c.role == Contact.Role.DECISION_MAKER
        ],
        ChecklistItem.Facts.INTERESTS: [
            c
            for c in contacts
            if c.role in (Contact.Role.DECISION_MAKER, Contact.Role.HANDLER) or c.interests
        ],
    }
    return [
        {"item": item, "ticked": item.pk in ticked, "contacts": facts.get(item.shows, [])}
        for item in checklist_items()
    ]


def plan_checklist_completion(plan: VisitPlan) -> tuple[int, int]:
    total = checklist_items().count()
    done = plan.ticks.filter(item__active=True).count()
    return done, total


def account_next_plan(account: Account, *, today: datetime.date | None = None) -> VisitPlan | None:
    today = today or timezone.localdate()
    return (
        VisitPlan.objects.open()
        .filter(account=account, planned_date__gte=today)
        .order_by("planned_date", "planned_time", "id")
        .first()
    )


def account_future_plans(
    account: Account, *, today: datetime.date | None = None, limit: int = 10
) -> QuerySet[VisitPlan]:
    """The account's open plans from `today` on, soonest first (at most `limit`)."""
    today = today or timezone.localdate()
    return (
        VisitPlan.objects.open()
        .filter(account=account, planned_date__gte=today)
        .order_by("planned_date", "planned_time", "id")[:limit]
    )


def account_timeline(account: Account, *, limit: int = 30) -> list[dict]:
    """Visits, touches and orders of an account, newest first (at most `limit` of each)."""
    visits = (
        account.visits.prefetch_related("contacts")
        .select_related("logged_by")
        .order_by("-visit_date", "-visit_time", "-id")[:limit]
    )
    touches = account.touches.select_related("contact", "occasion", "created_by").order_by(
        "-date", "-id"
    )[:limit]
    orders = account.orders.order_by("-date", "-id")[:limit]
    items = chain(
        ({"kind": "visit", "date": v.visit_date, "obj": v} for v in visits),
        ({"kind": "touch", "date": t.date, "obj": t} for t in touches),
        ({"kind": "order", "date": o.date, "obj": o} for o in orders),
    )
    return sorted(items, key=lambda e: (e["date"], e["kind"] == "visit"), reverse=True)[:limit]


# --- Reminders ----------------------------------------------------------------------------


def reminders_visible_to(user: Viewer) -> ReminderQuerySet:
    """Reminders of recipients in `user`'s scope about accounts in `user`'s book; an
    "accounts reassigned" notification also once its account left the book (it tells the
    rep who lost the account)."""
    in_book = account_scope_q(user, account_path="account__")
    if in_book:  # an empty Q is everything already (`Q() | other` would be `other`)
        in_book |= Q(kind=Reminder.Kind.ACCOUNT_REASSIGNED)
    return Reminder.objects.filter(owner_scope_q(user, owner_path="recipient") & in_book)


def reminder_get_visible(user: User, pk: int | str) -> Reminder | None:
    return (
        reminders_visible_to(user)
        .select_related("account", "contact", "plan", "occasion")
        .filter(pk=pk)
        .first()
    )


def reminders_inbox(user: User, *, day: datetime.date | None = None) -> ReminderQuerySet:
    """The user's own reminders showing today (open, started, not snoozed)."""
    day = day or timezone.localdate()
    return (
        reminders_visible_to(user)
        .filter(recipient=user)
        .showing_on(day)
        .select_related("account", "contact", "plan", "occasion")
        .order_by("date", "kind", "id")
    )


def reminder_count(user: User, *, day: datetime.date | None = None) -> int:
    """The bell: how many of the user's reminders need doing `day` (default today).

    Those showing that day (open, started, not snoozed past it) whose date is at most
    `CRM_REMINDER_BELL_OVERDUE_DAYS` days before it, plus every one showing about an A account
    whatever its date: an old reminder about a B or C account stays on the reminders page but
    no longer rings the bell.
    """
    if user is None or not user.is_authenticated:
        return 0
    day = day or timezone.localdate()
    stale_before = day - datetime.timedelta(days=django_settings.CRM_REMINDER_BELL_OVERDUE_DAYS)
    return (
        reminders_visible_to(user)
        .filter(recipient=user)
        .showing_on(day)
        .filter(Q(date__gte=stale_before) | Q(account__tier=Tier.A))
        .count()
    )


# The reminders page groups its rows: contacts' birthdays first, then one group per kind in
# the order of Reminder.Kind's choices (a kind added there shows up by itself); inside a
# group, A accounts first, then by date.
BIRTHDAY_GROUP = "birthday"


@dataclass(frozen=True)
class ReminderGroup:
    key: str
    label: str
    rows: list[dict[str, Any]]


def _reminder_group_rank() -> Case:
    kinds = [value for value, _label in Reminder.Kind.choices]
    whens = [
        When(
            occasion__kind=Occasion.Kind.BIRTHDAY,
            kind__in=[Reminder.Kind.GIFT, Reminder.Kind.GREETING],
            then=Value(0),
        ),
        *(When(kind=kind, then=Value(rank)) for rank, kind in enumerate(kinds, start=1)),
    ]
    return Case(*whens, default=Value(len(kinds) + 1), output_field=IntegerField())


def reminders_in_group_order(qs: ReminderQuerySet) -> ReminderQuerySet:
    """`qs` in the page's order: group (birthdays, then kinds), A accounts first, date, id."""
    return qs.annotate(
        group_rank=_reminder_group_rank(),
        a_first=Case(When(account__tier=Tier.A, then=Value(0)), default=Value(1)),
    ).order_by("group_rank", "a_first", "date", "id")


def reminder_group_key(reminder: Reminder) -> str:
    occasion = reminder.occasion
    if occasion is not None and occasion.kind == Occasion.Kind.BIRTHDAY:
        return BIRTHDAY_GROUP
    return reminder.kind


def reminder_groups(reminders: Iterable[Reminder]) -> list[ReminderGroup]:
    """Consecutive reminders (in `reminders_in_group_order`) gathered under their group's
    heading, each row with its text."""
    labels = {BIRTHDAY_GROUP: str(_("Birthdays")), **dict(Reminder.Kind.choices)}
    groups: list[ReminderGroup] = []
    for key, members in groupby(reminders, key=reminder_group_key):
        rows = [{"reminder": r, "text": reminder_text(r)} for r in members]
        groups.append(ReminderGroup(key=key, label=str(labels.get(key, key)), rows=rows))
    return groups


def _payment_text(stage: str) -> str:
    """A payment reminder's line by its stage of lateness (receivables.reminders.STAGES)."""
    if stage == "payment_due":
        return _("%(account)s: a payment is due on %(date)s.")
    if stage == "payment_overdue_90":
        return _("%(account)s: a payment due on %(date)s is more than 90 days overdue.")
    if stage == "payment_overdue_60":
        return _("%(account)s: a payment due on %(date)s is more than 60 days overdue.")
    if stage == "payment_overdue_30":
        return _("%(account)s: a payment due on %(date)s is more than 30 days overdue.")
    return _("%(account)s: a payment due on %(date)s is overdue.")


def reminder_text(reminder: Reminder) -> str:
    """One line describing a reminder in the active language."""
    account = reminder.account.name
    kind = reminder.kind
    if kind == Reminder.Kind.VISIT_DUE:
        return _("Visit %(account)s: due %(date)s, not planned yet.") % {
            "account": account,
            "date": reminder.date.isoformat(),
        }
    if kind == Reminder.Kind.VISIT_TOMORROW:
        return _("Planned visit to %(account)s on %(date)s.") % {
            "account": account,
            "date": reminder.date.isoformat(),
        }
    if kind == Reminder.Kind.VISIT_OVERDUE:
        return _("Planned visit to %(account)s on %(date)s is overdue.") % {
            "account": account,
            "date": reminder.date.isoformat(),
        }
    if kind == Reminder.Kind.ACCOUNT_REASSIGNED:
        if reminder.occasion_code == "reassigned_from":
            return _("%(account)s was reassigned from you to another rep on %(date)s.") % {
                "account": account,
                "date": reminder.date.isoformat(),
            }
        return _("%(account)s was reassigned to you on %(date)s.") % {
            "account": account,
            "date": reminder.date.isoformat(),
        }
    if kind == Reminder.Kind.ACCOUNT_HEALTH:
        if reminder.occasion_code == "health_drop":
            return _("%(account)s: account health dropped sharply in the week of %(date)s.") % {
                "account": account,
                "date": reminder.date.isoformat(),
            }
        return _("%(account)s: account health is low in the week of %(date)s.") % {
            "account": account,
            "date": reminder.date.isoformat(),
        }
    if kind == Reminder.Kind.PAYMENT_DUE:
        return _payment_text(reminder.occasion_code) % {
            "account": account,
            "date": reminder.date.isoformat(),
        }
    values = {
        "occasion": reminder.occasion.name if reminder.occasion else "",
        "contact": reminder.contact.name if reminder.contact else "",
        "account": account,
        "date": reminder.date.isoformat(),
        "touch": reminder.get_touch_type_display(),
    }
    if kind == Reminder.Kind.GIFT:
        return (
            _("%(occasion)s of %(contact)s (%(account)s) on %(date)s: prepare a gift (%(touch)s).")
            % values
        )
    return (
        _("%(occasion)s of %(contact)s (%(account)s) on %(date)s: send a greeting (%(touch)s).")
        % values
    )


def occasions_list() -> QuerySet[Occasion]:
    return Occasion.objects.order_by("kind", "month", "day", "date", "id")


# --- Plain data for the manager dashboard -------------------------------------------------


def _narrowed(qs: _QS, accounts: QuerySet | None, account_filter: Q | None = None) -> _QS:
    """Only records of `accounts` (a queryset of accounts, e.g. a dashboard's population) and
    matching `account_filter` (a Q over the record's `account__…` fields). The Q only narrows
    what the visibility rule already let through; on the account the query joins anyway, it
    spares the database a second pass over the population's accounts (an `IN` subquery)."""
    if accounts is not None:
        qs = qs.filter(account__in=accounts.values("id"))
    if account_filter is not None:
        qs = qs.filter(account_filter)
    return qs


def effort_by_owner_and_tier(
    user: User,
    *,
    date_from: datetime.date,
    date_to: datetime.date,
    accounts: QuerySet | None = None,
    account_filter: Q | None = None,
) -> list[dict]:
    """Visits, minutes, expenses and accounts visited per (Account.owner, Account.tier) in
    `user`'s book (narrowed to `accounts` if given) over [date_from, date_to]: dicts
    `owner_id`, `tier` ("" = untiered), `visits`, `minutes` (None when none was logged),
    `expenses`, `accounts`. One GROUP BY from which both the per-tier and the per-rep effort
    are derived (an account has one owner, so the accounts add up across owners)."""
    # Effort is over the accounts of the book (the figure groups by the account's owner), not
    # over every visit the user may read.
    rows = (
        _narrowed(
            Visit.objects.filter(account_scope_q(user, account_path="account__")),
            accounts,
            account_filter,
        )
        .filter(visit_date__gte=date_from, visit_date__lte=date_to)
        .order_by()
        .values("account__owner_id", "account__tier")
        .annotate(
            # COUNT(*), not COUNT(id): the (account, date) index then answers alone.
            visits=Count("*"),
            minutes=Sum("duration_minutes"),
            expenses=Sum("expenses"),
            accounts=Count("account", distinct=True),
        )
    )
    return [
        {
            "owner_id": r["account__owner_id"],
            "tier": r["account__tier"],
            "visits": r["visits"],
            "minutes": r["minutes"],
            "expenses": r["expenses"],
            "accounts": r["accounts"],
        }
        for r in rows
    ]


def effort_tiers(rows: list[dict]) -> list[dict]:
    """The per-tier effort (every tier, zeros included) from `effort_by_owner_and_tier` rows."""
    out = []
    for tier in ("A", "B", "C", ""):
        of_tier = [r for r in rows if r["tier"] == tier]
        minutes = sum(r["minutes"] or 0 for r in of_tier)
        out.append(
            {
                "tier": tier,
                "visits": sum(r["visits"] for r in of_tier),
                "hours": (Decimal(minutes) / 60).quantize(Decimal("0.01")),
                "expenses": Decimal(sum((r["expenses"] or 0 for r in of_tier), 0)).quantize(
                    Decimal("0.01")
                ),
                "accounts": sum(r["accounts"] for r in of_tier),
            }
        )
    return out


def effort_by_tier(
    user: User,
    *,
    date_from: datetime.date,
    date_to: datetime.date,
    accounts: QuerySet | None = None,
) -> list[dict]:
    """Visits, hours, expenses and accounts visited per Account.tier ("" = untiered) in
    `user`'s book (narrowed to `accounts` if given) over [date_from, date_to]; every tier is
    listed, zeros included."""
    return effort_tiers(
        effort_by_owner_and_tier(user, date_from=date_from, date_to=date_to, accounts=accounts)
    )


def plan_adherence_periods(
    user: User,
    *,
    periods: dict[str, tuple[datetime.date, datetime.date]],
    today: datetime.date | None = None,
    accounts: QuerySet | None = None,
    account_filter: Q | None = None,
) -> dict[str, dict]:
    """`plan_adherence` for several named periods {name: (start, end)} in one query (one
    FILTER clause per period and count)."""
    today = today or timezone.localdate()
    if not periods:
        return {}
    plans = (
        _narrowed(plans_in_book_for(user), accounts, account_filter)
        .between(min(s for s, _e in periods.values()), max(e for _s, e in periods.values()))
        .exclude(status=VisitPlan.Status.CANCELLED)
    )
    overdue = Q(status=VisitPlan.Status.PLANNED, planned_date__lt=today)
    counts = {
        "planned": Q(),
        "done": Q(status=VisitPlan.Status.DONE),
        "open": Q(status=VisitPlan.Status.PLANNED),
        "overdue": overdue,
        "overdue_a": overdue & Q(account__tier="A"),
    }
    aggregates = {}
    for name, (start, end) in periods.items():
        within = Q(planned_date__gte=start, planned_date__lte=end)
        for count, condition in counts.items():
            aggregates[f"{name}__{count}"] = Count("id", filter=within & condition)
    totals = plans.aggregate(**aggregates)
    result = {}
    for name in periods:
        row = {count: totals[f"{name}__{count}"] for count in counts}
        row["done_share"] = (
            (Decimal(row["done"]) / row["planned"]).quantize(Decimal("0.001"))
            if row["planned"]
            else None
        )
        result[name] = row
    return result


def plan_adherence(
    user: User,
    *,
    start: datetime.date,
    end: datetime.date,
    today: datetime.date | None = None,
    accounts: QuerySet | None = None,
) -> dict:
    """Plans in [start, end] in `user`'s book (narrowed to `accounts` if given): planned (all
    not cancelled), done, still open, overdue (open and before today), overdue for A-tier
    accounts, and the share done."""
    return plan_adherence_periods(
        user, periods={"period": (start, end)}, today=today, accounts=accounts
    )["period"]


def touches_due(
    user: User,
    *,
    day: datetime.date | None = None,
    days: int = 7,
    accounts: QuerySet | None = None,
    account_filter: Q | None = None,
) -> QuerySet:
    """Open gift and greeting reminders in `user`'s book (narrowed to `accounts` if given) for
    occasions in the next `days` days: dicts `date`, `occasion_code`, `kind`, `count`, ordered
    by date."""
    day = day or timezone.localdate()
    return (
        _narrowed(reminders_visible_to(user), accounts, account_filter)
        .open()
        .filter(
            kind__in=[Reminder.Kind.GIFT, Reminder.Kind.GREETING],
            date__gte=day,
            date__lte=day + datetime.timedelta(days=days),
        )
        .order_by()
        .values("date", "occasion_code", "kind")
        .annotate(count=Count("id"))
        .order_by("date", "occasion_code", "kind")
    )
