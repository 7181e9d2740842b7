"""FilterSets shared by the HTML list and the API."""

from datetime import timedelta

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import (
    BigIntegerField,
    CharField,
    DateTimeField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Concat
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, AccountCompetitor, Contact, Order, Tier
from accounts.pickers import AccountPickerField
from accounts.selectors import account_name_search_q
from core.filters import DateFilter, FilterSet, IdFilterSet, IntegerFilter, StrictBooleanFilter
from core.models import AuditEntry
from crm.models import User
from crm.pickers import user_filter_picker


# Searching and sorting: when `q` narrows the list, sort by expressions that no index matches.
# Otherwise PostgreSQL walks the index of the sort column and filters row by row, assuming the
# matches are spread evenly; a search's matches are few and clustered (Chinese names sort after
# every Latin one), so that walk reads most of the table (seconds at a million accounts). With
# these keys it finds the matches through the trigram indexes and sorts only them.
def _unindexed(field: str):
    column = F(field)
    if field in ("created_at", "updated_at"):
        return ExpressionWrapper(column + Value(timedelta(0)), output_field=DateTimeField())
    if field == "id":
        return ExpressionWrapper(column + 0, output_field=BigIntegerField())
    return Concat(column, Value(""), output_field=CharField())


SEARCH_SORT_FIELDS = ("name", "created_at", "updated_at", "tier", "industry", "id")


def is_searching(params) -> bool:
    return bool((params.get("q") or "").strip())


def search_sort_alias(field: str) -> str:
    return f"search_sort_{field}"


def search_sort_aliases() -> dict:
    """Annotations named by `search_sort_alias` (the API's keyset pagination needs names)."""
    return {search_sort_alias(f): _unindexed(f) for f in SEARCH_SORT_FIELDS}


def search_ordering(ordering) -> list:
    """`ordering` (strings like "-name", or expressions) with plain columns swapped for their
    unindexed twins; use it when `is_searching`."""
    swapped = []
    for key in ordering:
        field = key.lstrip("-") if isinstance(key, str) else None
        if field in SEARCH_SORT_FIELDS:
            expression = _unindexed(field)
            key = expression.desc() if key.startswith("-") else expression.asc()
        swapped.append(key)
    return swapped


def _labelled_select(label) -> forms.Select:
    """A select that names itself to screen readers (the filter bar has no visible labels)."""
    return forms.Select(attrs={"aria-label": label})


class AccountFilter(FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    # Plain ids: the base queryset is already scoped to the caller's book, so filtering by an
    # owner outside it finds nothing, and no query is spent on checking that the user exists.
    owner = IntegerFilter(field_name="owner", label=_("Owner"))
    territory = IntegerFilter(field_name="territory", label=_("Territory"))
    industry = django_filters.CharFilter(field_name="industry", label=_("Industry"))
    channel = django_filters.ChoiceFilter(
        choices=Account.Channel.choices,
        label=_("Channel"),
        empty_label=_("All channels"),
        widget=_labelled_select(_("Channel")),
    )
    lifecycle = django_filters.ChoiceFilter(
        choices=Account.Lifecycle.choices,
        label=_("Lifecycle"),
        empty_label=_("All lifecycles"),
        widget=_labelled_select(_("Lifecycle")),
    )
    source = django_filters.ChoiceFilter(
        choices=Account.Source.choices,
        label=_("Source"),
        empty_label=_("All sources"),
        widget=_labelled_select(_("Source")),
    )
    tier = django_filters.ChoiceFilter(
        choices=[*Tier.choices, ("none", _("Untiered"))],
        method="filter_tier",
        label=_("Tier"),
        empty_label=_("All tiers"),
        widget=_labelled_select(_("Tier")),
    )
    team = IntegerFilter(field_name="owner__team", label=_("Team"))
    # The accounts an import batch created (a plain id, like owner: within the caller's book).
    import_batch = IntegerFilter(field_name="import_batch", label=_("Import batch"))
    # Accounts an order import named after their customer code, waiting for a real name.
    to_enrich = StrictBooleanFilter(
        field_name="to_enrich",
        label=_("To enrich"),
        widget=forms.Select(
            choices=[("", _("All accounts")), ("true", _("To enrich"))],
            attrs={"aria-label": _("To enrich")},
        ),
    )

    class Meta:
        model = Account
        fields = [
            "q",
            "owner",
            "team",
            "import_batch",
            "territory",
            "industry",
            "channel",
            "lifecycle",
            "source",
            "tier",
            "to_enrich",
        ]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        condition = (
            account_name_search_q(value)
            | Q(external_code=value)
            | Q(uscc=value.upper())
            | Q(external_id=value)
        )
        return queryset.filter(condition)

    def filter_tier(self, queryset, name, value):
        return queryset.filter(tier="" if value == "none" else value)


def account_list_filter(user: User, data, *, queryset, request=None) -> AccountFilter:
    """The accounts page's filter bar: the owner is a type-ahead picker over the users `user`
    sees (an owner outside them is the filter's error); the API reads plain ids."""
    return AccountFilter(data, queryset=queryset, request=request).with_pickers(
        owner=user_filter_picker(user, label=_("Owner"), placeholder=_("All owners"))
    )


class ContactFilter(FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    # An id, not a model choice: an unknown account and another user's account must answer
    # the same (an empty list), or the filter would tell which ids exist.
    account = IntegerFilter(field_name="account", label=_("Account"))

    class Meta:
        model = Contact
        fields = ["account", "role"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(name__icontains=value) | Q(email__iexact=value) | Q(phone__contains=value)
        )


class OrderFilter(FilterSet):
    account = IntegerFilter(field_name="account", label=_("Account"))
    date_from = DateFilter(field_name="date", lookup_expr="gte")
    date_to = DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = Order
        fields = ["account", "date_from", "date_to", "invoice_number"]


class AccountCompetitorFilter(FilterSet):
    """The incumbents API's filters: one account's, one competitor's, contracts ending by a
    date. Ids, not model choices, so that another user's account answers an empty list."""

    account = IntegerFilter(field_name="account", label=_("Account"))
    competitor = IntegerFilter(field_name="competitor", label=_("Competitor"))
    contract_end_before = DateFilter(field_name="contract_end", lookup_expr="lte")

    class Meta:
        model = AccountCompetitor
        fields = ["account", "competitor", "contract_end_before"]


class AuditEntryFilter(IdFilterSet):
    actor = django_filters.ModelChoiceFilter(queryset=User.objects.all(), label=_("Who"))
    action = django_filters.CharFilter(field_name="action", label=_("Action"))
    model = django_filters.CharFilter(field_name="model", label=_("Record type"))
    account = IntegerFilter(field_name="account_id", label=_("Account id"))
    date_from = DateFilter(field_name="created_at", lookup_expr="date__gte", label=_("From"))
    date_to = DateFilter(field_name="created_at", lookup_expr="date__lte", label=_("To"))
    q = django_filters.CharFilter(method="search", label=_("Search"))

    class Meta:
        model = AuditEntry
        fields = ["actor", "action", "model", "account", "date_from", "date_to", "q"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(object_repr__icontains=value) | Q(object_id=value))


class _TrailAccountPickerField(AccountPickerField):
    """The audit page's account: one the user sees, or the id of a deleted account that the
    entries the user may read still name (its history outlives it)."""

    def __init__(self, user: User, *, trail: QuerySet[AuditEntry], **kwargs):
        super().__init__(user, **kwargs)
        self.trail = trail

    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValidationError:
            text = str(value).strip()
            if text.isdigit() and len(text) < 19 and self.trail.filter(account_id=text).exists():
                return int(text)
            raise


def audit_page_filter(user: User, data, *, queryset: QuerySet[AuditEntry]) -> AuditEntryFilter:
    """The audit page's filter bar: who (a user picker over the users `user` sees) and the
    account (a picker over the accounts `user` sees, or a deleted one the trail names); anything
    else is the filter's error."""
    account = _TrailAccountPickerField(
        user, trail=queryset, required=False, label=_("Account"), help_text=""
    )
    account.widget.attrs["placeholder"] = _("All accounts")
    actor = user_filter_picker(user, label=_("Who"), placeholder=_("Everyone"))
    return AuditEntryFilter(data, queryset=queryset).with_pickers(actor=actor, account=account)
