"""FilterSets shared by the HTML list and the API."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, Contact, Order, Tier
from accounts.normalize import normalize_account_name
from crm.models import Territory, User


class IntegerFilter(django_filters.NumberFilter):
    """A number filter for ids: "0.5" is invalid (400), not an empty result."""

    field_class = forms.IntegerField


class AccountFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    owner = django_filters.ModelChoiceFilter(queryset=User.objects.all(), label=_("Owner"))
    territory = django_filters.ModelChoiceFilter(
        queryset=Territory.objects.all(), label=_("Territory")
    )
    industry = django_filters.CharFilter(field_name="industry", label=_("Industry"))
    channel = django_filters.ChoiceFilter(choices=Account.Channel.choices, label=_("Channel"))
    lifecycle = django_filters.ChoiceFilter(choices=Account.Lifecycle.choices, label=_("Lifecycle"))
    source = django_filters.ChoiceFilter(choices=Account.Source.choices, label=_("Source"))
    tier = django_filters.ChoiceFilter(
        choices=[*Tier.choices, ("none", _("Untiered"))], method="filter_tier", label=_("Tier")
    )
    team = IntegerFilter(field_name="owner__team", label=_("Team"))

    class Meta:
        model = Account
        fields = ["q", "owner", "team", "territory", "industry", "channel", "lifecycle", "tier"]

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

    class Meta:
        model = Contact
        fields = ["account", "role"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(name__icontains=value) | Q(email__iexact=value) | Q(phone__contains=value)
        )


class OrderFilter(django_filters.FilterSet):
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = Order
        fields = ["account", "date_from", "date_to", "invoice_number"]
