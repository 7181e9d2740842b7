"""The colour rule: which colour an account's facts give it (the source's definition).

- red: already a customer: a won deal, orders on its books, or the account marked existing
  (won or ordering);
- yellow: otherwise, an open deal expected to close within `OpportunitySettings.
  yellow_horizon_days` (default 90) of today (an open deal whose close date has passed counts:
  it is still expected, only late);
- green: otherwise: potential.

The prospect's own colour (`prospects.Prospect.colour`) is what the rep set; when it differs
from the rule's, the rep gives a reason (`Prospect.colour_override_reason`), enforced by
`opportunities.services.prospect_colour_set`. The prospect's card and page show both through the
template tag `{% load opportunities_colour %}{% colour_rule prospect %}` (the lower prospects
app loads it by name, never imports opportunities).
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Case, Exists, OuterRef, Q, Value, When
from django.utils import timezone

from accounts.models import Account, Order
from opportunities.models import Opportunity, OpportunitySettings

RED, YELLOW, GREEN = "red", "yellow", "green"


def yellow_horizon_days() -> int:
    return OpportunitySettings.load().yellow_horizon_days


def colour_by_rule(
    account_ids: Iterable[int],
    *,
    today: datetime.date | None = None,
    horizon_days: int | None = None,
) -> dict[int, str]:
    """{account id: the rule's colour} for every existing account of `account_ids`, in one
    query whatever their number. The caller passes ids it may see (the rule reads facts of
    those accounts only)."""
    ids = list(account_ids)
    if not ids:
        return {}
    today = today or timezone.localdate()
    horizon = yellow_horizon_days() if horizon_days is None else horizon_days
    deals = Opportunity.objects.filter(account_id=OuterRef("pk"))
    won = Exists(deals.filter(status=Opportunity.Status.WON))
    ordering = Exists(Order.objects.filter(account_id=OuterRef("pk")))
    closing_soon = Exists(
        deals.filter(
            status=Opportunity.Status.OPEN,
            close_date__lte=today + datetime.timedelta(days=horizon),
        )
    )
    rows = (
        Account.objects.filter(pk__in=ids)
        .annotate(
            rule_colour=Case(
                When(Q(lifecycle=Account.Lifecycle.EXISTING) | won | ordering, then=Value(RED)),
                When(closing_soon, then=Value(YELLOW)),
                default=Value(GREEN),
            )
        )
        .values_list("pk", "rule_colour")
    )
    return dict(rows)


def colour_of_account(account_id: int, **kwargs) -> str:
    return colour_by_rule([account_id], **kwargs).get(account_id, GREEN)


@dataclass(frozen=True)
class ColourView:
    """What a prospect's card shows: the rule's colour, the colour set, and why they differ."""

    rule: str
    chosen: str
    reason: str

    @property
    def overridden(self) -> bool:
        return self.rule != self.chosen
