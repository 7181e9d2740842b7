"""Reads of commitments, always through the visibility rule.

Interfaces used by other apps (keep names and shapes): `commitments_visible_to(user)`,
`commitments_open_for(user, *, until)`.
"""

import datetime

from django.db.models import Q

from accounts.selectors import account_scope_q
from commitments.models import Commitment, CommitmentQuerySet
from crm.selectors import Viewer, owner_scope_q


def commitment_scope_q(user: Viewer) -> Q:
    """The visibility rule for commitments: the account is in `user`'s book, or the commitment's
    owner is a user whose book they see (a rep keeps seeing what they promised on an account
    that has since moved to a colleague). An empty Q means "everything" (an admin)."""
    in_book = account_scope_q(user, account_path="account__")
    by_owner = owner_scope_q(user, owner_path="owner")
    return in_book | by_owner if in_book and by_owner else Q()


def commitments_visible_to(user: Viewer) -> CommitmentQuerySet:
    return Commitment.objects.filter(commitment_scope_q(user))


def commitments_open_for(user: Viewer, *, until: datetime.date) -> CommitmentQuerySet:
    """Open commitments `user` owns that are due on or before `until` (the overdue ones too),
    earliest first, with their account and contact loaded."""
    return (
        commitments_visible_to(user)
        .open()
        .filter(owner=user, due_date__lte=until)
        .select_related("account", "contact")
        .order_by("due_date", "due_time", "id")
    )
