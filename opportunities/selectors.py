"""Reads of opportunities, always through the visibility rule.

Interfaces used by other apps (keep names and shapes): `opportunity_scope_q(user)`,
`opportunities_visible_to(user)`, `opportunity_get_visible(user, pk)`.
"""

from django.db.models import Q

from accounts.selectors import account_scope_q
from crm.selectors import Viewer, owner_scope_q
from opportunities.models import Opportunity, OpportunityQuerySet


def opportunity_scope_q(user: Viewer) -> Q:
    """The visibility rule for deals, the same as for commitments: the account is in `user`'s
    book, or the deal's owner is a user whose book they see (a rep keeps seeing a deal they own
    on an account that has since moved to a colleague). An empty Q means "everything"."""
    in_book = account_scope_q(user, account_path="account__")
    by_owner = owner_scope_q(user, owner_path="owner")
    return in_book | by_owner if in_book and by_owner else Q()


def opportunities_visible_to(user: Viewer) -> OpportunityQuerySet:
    return Opportunity.objects.filter(opportunity_scope_q(user))


def opportunity_get_visible(user: Viewer, pk: int | str) -> Opportunity | None:
    """The deal if `user` may see it; None otherwise (missing and hidden look alike)."""
    return (
        opportunities_visible_to(user)
        .select_related("account", "stage", "owner", "loss_reason")
        .filter(pk=pk)
        .first()
    )
