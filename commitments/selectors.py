"""Reads of commitments, always through the visibility rule.

Interfaces used by other apps (keep names and shapes): `commitments_visible_to(user)`,
`commitments_open_for(user, *, until)`.
"""

import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.models import Account
from accounts.selectors import account_scope_q, accounts_visible_to
from commitments.models import Commitment, CommitmentQuerySet
from crm.models import User
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


def commitment_get_visible(user: Viewer, pk: int | str) -> Commitment | None:
    """The commitment if `user` may see it; None otherwise (missing and hidden look alike)."""
    return (
        commitments_visible_to(user)
        .select_related("account", "contact", "prospect", "owner", "requested_by")
        .filter(pk=pk)
        .first()
    )


def commitment_in_book(user: Viewer, commitment: Commitment) -> bool:
    """Whether the commitment's account is in `user`'s book (then they may edit or delete
    it; a commitment seen only as its owner's can be marked done or undone)."""
    return Commitment.objects.filter(
        account_scope_q(user, account_path="account__"), pk=commitment.pk
    ).exists()


def commitments_listed_for(user: Viewer) -> CommitmentQuerySet:
    """The list page's and the API's rows, with what they show loaded, each annotated
    `in_book` (the list names the contact only then: a commitment seen only as its owner's,
    on an account that moved to a colleague, shows what was promised and to which account)."""
    return (
        commitments_visible_to(user)
        .select_related("account", "contact", "owner")
        .annotate(in_book=Exists(accounts_visible_to(user).filter(pk=OuterRef("account_id"))))
    )


def account_open_commitments(account: Account, *, limit: int = 20) -> CommitmentQuerySet:
    """The customer card's section: the account's open commitments, earliest first (the card
    is shown only to those who see the account)."""
    return (
        Commitment.objects.open()
        .filter(account=account)
        .select_related("contact", "owner")
        .order_by("due_date", "due_time", "id")[:limit]
    )


def commitments_for_digest(
    user: User, *, day: datetime.date
) -> tuple[CommitmentQuerySet, CommitmentQuerySet]:
    """The digest's two lists for `user` on `day`: their open commitments overdue (due
    before `day`) and due on `day`."""
    mine = commitments_visible_to(user).open().filter(owner=user).select_related("account")
    return (
        mine.filter(due_date__lt=day).order_by("due_date", "due_time", "id"),
        mine.filter(due_date=day).order_by("due_time", "id"),
    )


def digest_recipients(day: datetime.date) -> QuerySet[User]:
    """Users with an open commitment due on or before `day` (the digest's section)."""
    return User.objects.filter(
        pk__in=Commitment.objects.open().filter(due_date__lte=day).values("owner_id")
    )
