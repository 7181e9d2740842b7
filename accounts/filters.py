"""FilterSets shared by the HTML list and the API."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, Contact, Order, Tier
from accounts.normalize import normalize_account_name


def _labelled_select(label) -> forms.Select:
    """A select that names itself to screen readers (the filter bar has no visible labels)."""
    return forms.Select(attrs={"aria-label": label})


class AccountFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    # Plain ids: the base queryset is already scoped to the caller's book, so filtering by an
    # owner outside it finds nothing, and no query is spent on checking that the user exists.
    owner = django_filters.NumberFilter(field_name="owner", label=_("Owner"))
    territory = django_filters.NumberFilter(field_name="territory", label=_("Territory"))
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
    team = django_filters.NumberFilter(field_name="owner__team", label=_("Team"))

    class Meta:
        model = Account
        fields = [
            "q",
            "owner",
            "team",
            "territory",
            "industry",
            "channel",
            "lifecycle",
            "source",
            "tier",
        ]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        normalized = normalize_account_name(value)
        condition = Q(name__icontains=value) | Q(external_code=value) | Q(uscc=value.upper())
        if normalized:
            condition |= Q(normalized_name__contains=normalized)
        return queryset.filter(condition)

    def filter_tier(self, queryset, name, value):
        return queryset.filter(tier="" if value == "none" else value)


class ContactFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    # An id, not a model choice: an unknown account and another user's account must answer
    # the same (an empty list), or the filter would tell which ids exist.
    account = django_filters.NumberFilter(field_name="account", label=_("Account"))

    class Meta:
        model = Contact
        fields = ["account", "role"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(name__icontains=value) | Q(email__iexact=value) | Q(phone__contains=value)
        )


class OrderFilter(django_filters.FilterSet):
    account = django_filters.NumberFilter(field_name="account", label=_("Account"))
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = Order
        fields = ["account", "date_from", "date_to", "invoice_number"]
