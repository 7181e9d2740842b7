"""Reads of opportunities, always through the visibility rule.

Interfaces used by other apps (keep names and shapes): `opportunity_scope_q(user)`,
`opportunities_visible_to(user)`, `opportunity_get_visible(user, pk)`.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import cast

from django.db.models import (
    Case,
    CharField,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Cast, Coalesce, Round, RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.selectors import account_scope_q
from crm.selectors import Viewer, owner_scope_q
from opportunities.models import (
    AMOUNT_DIGITS,
    AMOUNT_PLACES,
    LossReason,
    Opportunity,
    OpportunityChange,
    OpportunityCompetitor,
    OpportunityContact,
    OpportunityQuerySet,
    Stage,
)


def opportunity_scope_q(user: Viewer, *, by_id: bool = False) -> Q:
    """The visibility rule for deals, the same as for commitments: the account is in `user`'s
    book, or the deal's owner is a user whose book they see (a rep keeps seeing a deal they own
    on an account that has since moved to a colleague). An empty Q means "everything".

    `by_id`: the same rule with both parts as index conditions (the visible accounts' ids, the
    owners' ids, each computed once), so that a period's deals are found through their account
    and owner indexes rather than by joining each with its account (the forecast of a manager
    over a million deals). Not the default: a page that reads deals in another order (a list
    by close date) would test each row against every visible account's id."""
    in_book = account_scope_q(user, account_path="account__", by_id=by_id)
    by_owner = owner_scope_q(user, owner_path="owner", as_array=by_id)
    return in_book | by_owner if in_book and by_owner else Q()


def opportunities_visible_to(user: Viewer, *, by_id: bool = False) -> OpportunityQuerySet:
    return Opportunity.objects.filter(opportunity_scope_q(user, by_id=by_id))


def opportunity_get_visible(user: Viewer, pk: int | str) -> Opportunity | None:
    """The deal if `user` may see it; None otherwise (missing and hidden look alike)."""
    return (
        opportunities_visible_to(user)
        .select_related("account", "stage", "owner", "loss_reason")
        .filter(pk=pk)
        .first()
    )


# The pages of deals (list, board, a deal, the customer card, the plan page): oppages.

BOARD_CARDS = 30  # cards shown per column; the rest are counted and summed, and listed
CLOSED_DAYS = 90  # the won and lost columns show deals closed within this many days


def weighted_amount() -> ExpressionWrapper:
    """A deal's amount × its win probability (its own, else its stage's), to the cent: summed
    per column, per list and per card alike, so that what a page adds up matches its parts."""
    return ExpressionWrapper(
        Round(
            F("amount") * Coalesce(F("probability"), F("stage__probability")) / Value(100),
            AMOUNT_PLACES,
        ),
        output_field=DecimalField(max_digits=AMOUNT_DIGITS + 3, decimal_places=AMOUNT_PLACES),
    )


@dataclass(frozen=True)
class Totals:
    count: int
    amount: Decimal
    weighted: Decimal


def opportunity_totals(deals: QuerySet[Opportunity]) -> Totals:
    """Count, amount and weighted amount of a list of deals: one query."""
    row = deals.order_by().aggregate(
        n=Count("id"), total=Sum("amount"), total_weighted=Sum(weighted_amount())
    )
    return Totals(row["n"], row["total"] or Decimal(0), row["total_weighted"] or Decimal(0))


def opportunity_list(deals: QuerySet[Opportunity]) -> QuerySet[Opportunity]:
    """The list's rows: what a row shows loaded with it, and its weighted amount."""
    return deals.select_related("account", "stage", "owner").annotate(weighted=weighted_amount())


@dataclass
class BoardColumn:
    """One column of the board: an open stage, or every won (lost) stage as one column, whose
    `stage` is where a card dropped on it goes."""

    key: str
    label: str
    stage: Stage
    status: str
    count: int = 0
    amount: Decimal = Decimal(0)
    weighted: Decimal = Decimal(0)
    cards: list[Opportunity] = field(default_factory=list)
    move_options: str = ""  # the page's "Move to" menu for this column's cards (HTML)
    cards_html: str = ""  # the page's cards of this column (HTML)

    @property
    def more(self) -> int:
        return max(self.count - len(self.cards), 0)

    @property
    def amount_cents(self) -> int:
        return int(self.amount * 100)

    @property
    def weighted_cents(self) -> int:
        return int(self.weighted * 100)


def _column_key(stage_id: int, status: str) -> str:
    return str(stage_id) if status == Opportunity.Status.OPEN else status


def board_columns(deals: QuerySet[Opportunity]) -> list[BoardColumn]:
    """The board of `deals` (already narrowed by the visibility rule and the page's filter):
    a column per active open stage (and per inactive one still holding deals), then won and
    lost over the last CLOSED_DAYS days; each with its count, amount and weighted amount, and
    its first BOARD_CARDS cards by close date. Three queries whatever the number of deals."""
    today = timezone.localdate()
    since = today - datetime.timedelta(days=CLOSED_DAYS)
    shown = deals.filter(Q(status=Opportunity.Status.OPEN) | Q(closed_on__gte=since)).order_by()
    stages = list(Stage.objects.all())
    sums = {
        _column_key(row["stage_id"], row["status"]): row
        for row in shown.values("stage_id", "status")
        .annotate(n=Count("id"), total=Sum("amount"), total_weighted=Sum(weighted_amount()))
        .order_by()
    }
    columns: dict[str, BoardColumn] = {}
    for stage in stages:
        if stage.is_closed:
            continue
        key = str(stage.pk)
        if stage.is_active or key in sums:
            columns[key] = BoardColumn(key, stage.name, stage, Opportunity.Status.OPEN)
    for status, label, flag in (
        (Opportunity.Status.WON, _("Won"), "is_won"),
        (Opportunity.Status.LOST, _("Lost"), "is_lost"),
    ):
        closing = [s for s in stages if getattr(s, flag)]
        target = next((s for s in closing if s.is_active), closing[0] if closing else None)
        if target is not None:
            columns[status] = BoardColumn(status, str(label), target, status)
    for key, row in sums.items():
        column = columns.get(key)
        if column is not None:
            column.count += row["n"]
            column.amount += row["total"] or 0
            column.weighted += row["total_weighted"] or 0
    key_expr = Case(
        When(status=Opportunity.Status.OPEN, then=Cast("stage_id", CharField())),
        default=F("status"),
        output_field=CharField(),
    )
    ranked = (
        shown.annotate(
            column_key=key_expr,
            weighted=weighted_amount(),
            rank=Window(
                RowNumber(),
                partition_by=[key_expr],
                order_by=[F("close_date").asc(), F("id").asc()],
            ),
        )
        .filter(rank__lte=BOARD_CARDS)
        .select_related("account", "stage", "owner")
        .order_by("close_date", "id")
    )
    for deal in ranked:
        column = columns.get(deal.column_key)
        if column is not None:
            column.cards.append(deal)
    return list(columns.values())


def opportunity_history(opportunity: Opportunity) -> list[OpportunityChange]:
    """The deal's changes, oldest first, with the stages they name: its stage history (and
    amount and close-date changes)."""
    return list(
        opportunity.changes.select_related("stage_before", "stage_after", "changed_by").order_by(
            "changed_at", "id"
        )
    )


def opportunity_contacts(opportunity: Opportunity) -> list[OpportunityContact]:
    return list(
        opportunity.contact_roles.select_related("contact").order_by("role", "contact__name")
    )


def account_open_opportunities(user: Viewer, account_id: int) -> QuerySet[Opportunity]:
    """The account's open deals that `user` sees, by close date (the customer card, the plan
    page's checklist)."""
    deals = (
        opportunities_visible_to(user)
        .open()
        .filter(account_id=account_id)
        .select_related("stage", "owner")
        .annotate(weighted=weighted_amount())
        .order_by("close_date", "id")
    )
    return cast(QuerySet[Opportunity], deals)


def stages_for_move() -> list[Stage]:
    """The stages a deal may be put in: the active ones, in order."""
    return list(Stage.objects.filter(is_active=True))


def loss_reasons_active() -> list[LossReason]:
    return list(LossReason.objects.filter(is_active=True))


def closing_stage(status: str) -> Stage | None:
    """The stage that closes a deal as won (lost): the first active one, else the first."""
    flag = {"won": "is_won", "lost": "is_lost"}.get(status)
    if flag is None:
        return None
    stages = Stage.objects.filter(**{flag: True}).order_by("-is_active", "position", "id")
    return stages.first()


# --- competitors in play: how we do against each ----------------------------------------------


def effective_outcome() -> Case:
    """A competitor row's outcome: the one set on it, else the closed deal's result (won: we
    beat every competitor in play; lost: we lost to them), else open."""
    return Case(
        When(~Q(outcome=OpportunityCompetitor.Outcome.OPEN), then=F("outcome")),
        When(
            opportunity__status__in=[Opportunity.Status.WON, Opportunity.Status.LOST],
            then=F("opportunity__status"),
        ),
        default=Value(OpportunityCompetitor.Outcome.OPEN),
        output_field=CharField(),
    )


@dataclass(frozen=True)
class WinRate:
    """Our record against one competitor over the deals a user sees."""

    won: int
    lost: int
    open: int

    @property
    def closed(self) -> int:
        return self.won + self.lost

    @property
    def rate(self) -> Decimal | None:
        """Won / (won + lost), in percent with one decimal; None with no closed deal."""
        if not self.closed:
            return None
        return (Decimal(100) * self.won / self.closed).quantize(Decimal("0.1"))


def competitor_win_rate(user: Viewer, competitor_id: int) -> WinRate:
    """Won, lost and open deals against `competitor_id` among the deals `user` sees, in one
    query."""
    counts = (
        OpportunityCompetitor.objects.filter(
            competitor_id=competitor_id,
            opportunity__in=opportunities_visible_to(user).values("pk"),
        )
        .annotate(result=effective_outcome())
        .aggregate(
            won=Count("pk", filter=Q(result=OpportunityCompetitor.Outcome.WON)),
            lost=Count("pk", filter=Q(result=OpportunityCompetitor.Outcome.LOST)),
            open=Count("pk", filter=Q(result=OpportunityCompetitor.Outcome.OPEN)),
        )
    )
    return WinRate(won=counts["won"], lost=counts["lost"], open=counts["open"])


def competitor_deals(user: Viewer, competitor_id: int, *, limit: int = 50) -> QuerySet:
    """The deals `user` sees with `competitor_id` in play, the latest first, with the
    outcome against it."""
    return (
        OpportunityCompetitor.objects.filter(
            competitor_id=competitor_id,
            opportunity__in=opportunities_visible_to(user).values("pk"),
        )
        .annotate(result=effective_outcome())
        .select_related("opportunity", "opportunity__account")
        .order_by("-opportunity__close_date", "-id")[:limit]
    )


def opportunity_competitors(opportunity: Opportunity) -> list[OpportunityCompetitor]:
    """A deal's competitors in play (its page, the API), with the effective outcome."""
    return list(
        opportunity.competitors_in_play.annotate(result=effective_outcome())
        .select_related("competitor")
        .order_by("competitor__name", "id")
    )
