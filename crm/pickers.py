"""The user (rep, owner) picker of every form (see core.pickers)."""

from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from core.pickers import PickerField, PickerInput
from crm.models import User
from crm.selectors import users_visible_to


def user_text_q(text: str) -> Q:
    """Typed text naming one user: their username or exact full name."""
    parts = text.split(None, 1)
    q = Q(username__iexact=text)
    if len(parts) == 2:
        q |= Q(first_name=parts[0], last_name=parts[1])
    return q | Q(first_name=text, last_name="") | Q(last_name=text, first_name="")


def user_search_q(text: str) -> Q:
    """Users whose username or name contains `text` (the picker's search)."""
    q = Q()
    for word in text.split()[:5]:
        q &= (
            Q(username__icontains=word)
            | Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
        )
    return q


class UserPickerField(PickerField):
    """One of `queryset` (users_visible_to / users_assignable_by of the actor). `active_only`:
    the search lists active users only, as `users_assignable_by` holds; `reps_only`: sales
    reps only (the queryset must say the same: the search only narrows what is offered)."""

    default_error_messages = {
        "invalid_choice": _("No user you can choose matches “%(value)s”."),
        "ambiguous": _("Several users match “%(value)s”; pick one from the list."),
    }

    def __init__(
        self,
        queryset: QuerySet[User],
        *,
        active_only: bool = True,
        reps_only: bool = False,
        placeholder: str | Promise = "",
        **kwargs: Any,
    ):
        kwargs.setdefault("help_text", _("Type a name or username."))
        super().__init__(
            queryset,
            widget=PickerInput(
                url=lambda: reverse("user-list"),
                kind="user",
                params="&".join(
                    p
                    for p, wanted in (("is_active=true", active_only), ("role=rep", reps_only))
                    if wanted
                ),
                attrs={"placeholder": placeholder} if placeholder else None,
            ),
            text_q=user_text_q,
            **kwargs,
        )


def user_filter_picker(
    user: User, *, label: str | Promise, placeholder: str | Promise
) -> UserPickerField:
    """A list filter's user field (owner, who): a picker over every user `user` sees, active
    or not (their records stay listed), empty for everyone."""
    return UserPickerField(
        users_visible_to(user),
        active_only=False,
        required=False,
        label=label,
        help_text="",
        placeholder=placeholder,
    )
