"""The account and contact pickers of every form (see core.pickers): what the user may see,
searched by the API's list endpoints through the same visibility rule."""

from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, Contact
from accounts.selectors import accounts_visible_to, contacts_visible_to
from core.pickers import PickerField, PickerInput
from crm.models import User


def account_text_q(text: str) -> Q:
    """Typed text naming one account: its customer code, credit code or exact name."""
    return Q(external_code=text) | Q(uscc=text.upper()) | Q(name=text)


def contact_text_q(text: str) -> Q:
    """Typed text naming one contact: their exact name or phone."""
    return Q(name=text) | Q(phone=text)


class AccountPickerField(PickerField):
    """An account the user may see (accounts.selectors.accounts_visible_to)."""

    default_error_messages = {
        "invalid_choice": _("No account you can see matches “%(value)s”."),
        "ambiguous": _("Several accounts match “%(value)s”; pick one from the list."),
    }

    def __init__(self, user: User, *, queryset: QuerySet[Account] | None = None, **kwargs: Any):
        kwargs.setdefault("help_text", _("Type a name, customer code or credit code."))
        super().__init__(
            accounts_visible_to(user) if queryset is None else queryset,
            widget=PickerInput(url=lambda: reverse("account-list"), kind="account"),
            text_q=account_text_q,
            **kwargs,
        )


class ContactPickerField(PickerField):
    """A contact of an account the user may see; the search is narrowed to the account chosen
    in the form's `narrow` field (the form checks that the two belong together)."""

    default_error_messages = {
        "invalid_choice": _("No contact you can see matches “%(value)s”."),
        "ambiguous": _("Several contacts match “%(value)s”; pick one from the list."),
    }

    def __init__(
        self,
        user: User,
        *,
        queryset: QuerySet[Contact] | None = None,
        narrow: str = "account",
        **kwargs: Any,
    ):
        kwargs.setdefault("help_text", _("Type a name or phone number."))
        super().__init__(
            contacts_visible_to(user) if queryset is None else queryset,
            widget=PickerInput(
                url=lambda: reverse("contact-list"),
                kind="contact",
                narrow=narrow,
                narrow_param="account",
            ),
            text_q=contact_text_q,
            **kwargs,
        )
