"""Reads of contracts, plan entries and payments, always through the visibility rule (the
account's: `accounts.selectors.account_scope_q`), and the derived figures: what each entry and
contract has been paid and still owes, aging (账龄), DSO and expected cash by month.

Nothing here is stored: every balance is computed in SQL from the allocations.

Interfaces used by other apps (keep names and shapes): `contracts_visible_to(user)`,
`payments_visible_to(user)`, `entries_visible_to(user)`, `entries_with_balance(qs, as_of)`,
`aging(user, group_by, as_of)`, `account_receivables(account, today)`,
`entries_due_for(user, today)`, `payments_by_account(start, end)`.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Case,
    DateField,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils.translation import gettext_lazy as _

from accounts.models import Account
from accounts.selectors import account_scope_q
from crm.selectors import Viewer
from receivables.models import (
    MONEY_DIGITS,
    MONEY_PLACES,
    Contract,
    Payment,
    PaymentAllocation,
    PlanEntry,
)

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=MONEY_DIGITS + 4, decimal_places=MONEY_PLACES)
# Contracts whose plan is owed: a draft is not signed yet, a cancelled one is owed no more.
RECEIVABLE_STATUSES = (Contract.Status.ACTIVE, Contract.Status.CLOSED)
# Aging buckets: days past the due date (an entry due today is not overdue yet).
BUCKETS = [
    ("not_due", _("not yet due"), None, 0),
    ("d0_30", _("0–30 days"), 1, 30),
    ("d31_60", _("31–60 days"), 31, 60),
    ("d61_90", _("61–90 days"), 61, 90),
    ("d90_plus", _("over 90 days"), 91, None),
]
BUCKET_KEYS = [key for key, *_rest in BUCKETS]
GROUPS = {
    "rep": ("contract__owner_id", "contract__owner__username"),
    "team": ("contract__owner__team_id", "contract__owner__team__name"),
    "tier": ("contract__account__tier", "contract__account__tier"),
    "account": ("contract__account_id", "contract__account__name"),
}
DSO_DAYS = 90  # the window of DSO: receivable now against what fell due in these days


# --- scope -------------------------------------------------------------------------------------


def contracts_visible_to(user: Viewer) -> QuerySet[Contract]:
    return Contract.objects.filter(account_scope_q(user, account_path="account__"))


def contract_get_visible(user: Viewer, pk: int | str) -> Contract | None:
    """The contract if `user` may see it; None otherwise (missing and hidden look alike)."""
    return contracts_visible_to(user).select_related("account", "owner").filter(pk=pk).first()


def payments_visible_to(user: Viewer) -> QuerySet[Payment]:
    return Payment.objects.filter(account_scope_q(user, account_path="account__"))


def entries_visible_to(user: Viewer) -> QuerySet[PlanEntry]:
    return PlanEntry.objects.filter(account_scope_q(user, account_path="contract__account__"))


# --- derived balances --------------------------------------------------------------------------


def due_date_expression(prefix: str = "") -> Case:
    """An entry's due date in SQL: its fixed date, or its contract's event date plus
    `days_after` (NULL while the event has not happened)."""

    def after(event_field: str) -> ExpressionWrapper:
        return ExpressionWrapper(
            F(f"{prefix}contract__{event_field}") + F(f"{prefix}days_after"),
            output_field=DateField(),
        )

    return Case(
        When(**{f"{prefix}due_date__isnull": False}, then=F(f"{prefix}due_date")),
        When(**{f"{prefix}event": PlanEntry.Event.SIGNING}, then=after("signed_on")),
        When(**{f"{prefix}event": PlanEntry.Event.DELIVERY}, then=after("delivered_on")),
        When(**{f"{prefix}event": PlanEntry.Event.ACCEPTANCE}, then=after("accepted_on")),
        default=None,
        output_field=DateField(),
    )


def _paid_subquery(as_of: datetime.date | None) -> Coalesce:
    allocations = PaymentAllocation.objects.filter(entry=OuterRef("pk"))
    if as_of is not None:
        allocations = allocations.filter(payment__received_on__lte=as_of)
    total = allocations.order_by().values("entry").annotate(s=Sum("amount")).values("s")
    return Coalesce(Subquery(total, output_field=MONEY), Value(ZERO), output_field=MONEY)


def entries_with_balance(
    entries: QuerySet[PlanEntry], as_of: datetime.date | None = None
) -> QuerySet[PlanEntry]:
    """Entries annotated with `due` (resolved due date), `paid` (allocations of payments
    received on or before `as_of`; all when None) and `outstanding` (amount − paid)."""
    return entries.annotate(due=due_date_expression(), paid=_paid_subquery(as_of)).annotate(
        outstanding=ExpressionWrapper(F("amount") - F("paid"), output_field=MONEY)
    )


def contracts_with_balance(contracts: QuerySet[Contract]) -> QuerySet[Contract]:
    """Contracts annotated with `planned` (sum of the plan), `paid` (allocated to the plan),
    `received` (payments naming the contract, advances included) and `outstanding`."""
    planned = (
        PlanEntry.objects.filter(contract=OuterRef("pk"))
        .order_by()
        .values("contract")
        .annotate(s=Sum("amount"))
        .values("s")
    )
    paid = (
        PaymentAllocation.objects.filter(entry__contract=OuterRef("pk"))
        .order_by()
        .values("entry__contract")
        .annotate(s=Sum("amount"))
        .values("s")
    )
    received = (
        Payment.objects.filter(contract=OuterRef("pk"))
        .order_by()
        .values("contract")
        .annotate(s=Sum("amount"))
        .values("s")
    )

    def money(subquery) -> Coalesce:
        return Coalesce(Subquery(subquery, output_field=MONEY), Value(ZERO), output_field=MONEY)

    return contracts.annotate(
        planned=money(planned), paid=money(paid), received=money(received)
    ).annotate(outstanding=ExpressionWrapper(F("planned") - F("paid"), output_field=MONEY))


def payments_with_balance(payments: QuerySet[Payment]) -> QuerySet[Payment]:
    """Payments annotated with `allocated` and `unallocated` (an advance's credit)."""
    allocated = (
        PaymentAllocation.objects.filter(payment=OuterRef("pk"))
        .order_by()
        .values("payment")
        .annotate(s=Sum("amount"))
        .values("s")
    )
    return payments.annotate(
        allocated=Coalesce(Subquery(allocated, output_field=MONEY), Value(ZERO), output_field=MONEY)
    ).annotate(unallocated=ExpressionWrapper(F("amount") - F("allocated"), output_field=MONEY))


def receivable_entries(user: Viewer, as_of: datetime.date) -> QuerySet[PlanEntry]:
    """The entries `user` sees that are still owed on `as_of`, with their balance."""
    entries = entries_visible_to(user).filter(contract__status__in=RECEIVABLE_STATUSES)
    return entries_with_balance(entries, as_of).filter(outstanding__gt=0)


# --- aging -------------------------------------------------------------------------------------


def _bucket_q(as_of: datetime.date, low: int | None, high: int | None) -> Q:
    if low is None:  # not yet due: no due date yet, or due today or later
        return Q(due__isnull=True) | Q(due__gte=as_of)
    q = Q(due__lte=as_of - datetime.timedelta(days=low))
    if high is not None:
        q &= Q(due__gte=as_of - datetime.timedelta(days=high))
    return q


@dataclass
class AgingRow:
    key: str | int | None
    label: str
    buckets: dict[str, Decimal] = field(default_factory=dict)
    total: Decimal = ZERO
    overdue: Decimal = ZERO


@dataclass
class Aging:
    as_of: datetime.date
    group_by: str
    rows: list[AgingRow]
    totals: AgingRow
    dso: Decimal | None
    expected: list[tuple[datetime.date, Decimal]]  # month -> outstanding due that month
    overdue_total: Decimal
    unscheduled: Decimal  # owed on an event that has not happened yet


def _bucket_sums(as_of: datetime.date) -> dict:
    return {
        key: Coalesce(
            Sum("outstanding", filter=_bucket_q(as_of, low, high)),
            Value(ZERO),
            output_field=MONEY,
        )
        for key, _label, low, high in BUCKETS
    }


def _row(key, label, values: dict) -> AgingRow:
    buckets = {k: values[k] for k in BUCKET_KEYS}
    total = sum(buckets.values(), ZERO)
    return AgingRow(key, label, buckets, total, total - buckets["not_due"])


def aging(user: Viewer, *, group_by: str = "account", as_of: datetime.date) -> Aging:
    """Outstanding amounts of the entries `user` sees, bucketed by days overdue on `as_of`
    and grouped by rep (the contract's owner), team, tier or account; with DSO and the cash
    expected per month from the plan. A few queries, whatever the number of entries."""
    key_field, label_field = GROUPS[group_by]
    entries = receivable_entries(user, as_of)
    grouped = (
        entries.order_by()
        .values(k=F(key_field), name=F(label_field))
        .annotate(**_bucket_sums(as_of))
        .order_by("name", "k")
    )
    rows = [_row(g["k"], str(g["name"] or "—"), g) for g in grouped]
    totals_values = entries.order_by().aggregate(**_bucket_sums(as_of))
    totals = _row(None, str(_("Total")), totals_values)
    expected = [
        (month, amount)
        for month, amount in entries.filter(due__gte=as_of)
        .order_by()
        .annotate(month=TruncMonth("due"))
        .values_list("month")
        .annotate(s=Sum("outstanding"))
        .values_list("month", "s")
        .order_by("month")
    ]
    return Aging(
        as_of=as_of,
        group_by=group_by,
        rows=rows,
        totals=totals,
        dso=dso(user, as_of=as_of, receivable=totals.overdue + _due_today(entries, as_of)),
        expected=expected,
        overdue_total=totals.overdue,
        unscheduled=entries.filter(due__isnull=True).aggregate(s=Sum("outstanding"))["s"] or ZERO,
    )


def _due_today(entries: QuerySet[PlanEntry], as_of: datetime.date) -> Decimal:
    return entries.filter(due=as_of).aggregate(s=Sum("outstanding"))["s"] or ZERO


def dso(user: Viewer, *, as_of: datetime.date, receivable: Decimal) -> Decimal | None:
    """Days sales outstanding: what is receivable (due on or before `as_of` and unpaid) over
    what fell due in the last DSO_DAYS days, times DSO_DAYS; None when nothing fell due."""
    start = as_of - datetime.timedelta(days=DSO_DAYS - 1)
    entries = entries_visible_to(user).filter(contract__status__in=RECEIVABLE_STATUSES)
    billed = (
        entries.annotate(due=due_date_expression())
        .filter(due__gte=start, due__lte=as_of)
        .aggregate(s=Sum("amount"))["s"]
    )
    if not billed:
        return None
    return (receivable / billed * DSO_DAYS).quantize(Decimal("0.1"))


# --- the card, Today, scoring ------------------------------------------------------------------


@dataclass(frozen=True)
class AccountReceivables:
    contracts: list[Contract]
    outstanding: Decimal
    overdue: Decimal


def account_receivables(account: Account, today: datetime.date) -> AccountReceivables:
    """The card's section: the account's contracts with their balances, what it owes and what
    of that is overdue (the caller has checked that the account is visible)."""
    contracts = list(
        contracts_with_balance(Contract.objects.filter(account=account)).order_by(
            "-signed_on", "-id"
        )
    )
    entries = entries_with_balance(
        PlanEntry.objects.filter(
            contract__account=account, contract__status__in=RECEIVABLE_STATUSES
        )
    ).filter(outstanding__gt=0)
    sums = entries.aggregate(
        total=Sum("outstanding"), overdue=Sum("outstanding", filter=Q(due__lt=today))
    )
    return AccountReceivables(contracts, sums["total"] or ZERO, sums["overdue"] or ZERO)


def entries_due_for(user: Viewer, today: datetime.date) -> QuerySet[PlanEntry]:
    """Today's list: unpaid entries of the contracts `user` owns (or sees through the rule, for
    the accounts they own) that are overdue or due within the next 7 days, oldest first."""
    week_end = today + datetime.timedelta(days=6)
    return (
        receivable_entries(user, today)
        .filter(due__lte=week_end)
        .select_related("contract", "contract__account")
        .order_by("due", "id")
    )


def payments_by_account(start: datetime.date, end: datetime.date) -> QuerySet:
    """Per account, the payments received from `start` to `end` (inclusive): rows of
    (account_id, total). For scoring's tier basis "payments"."""
    return (
        Payment.objects.filter(received_on__gte=start, received_on__lte=end)
        .order_by()
        .values("account_id")
        .annotate(total=Sum("amount"))
    )
