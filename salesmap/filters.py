"""The sales map's filters, shared by the page (the rep as a picker) and the JSON endpoint
(plain ids)."""

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, Tier
from core.filters import FilterSet, IntegerFilter, StrictBooleanFilter
from crm.models import User
from crm.pickers import user_filter_picker
from crm.selectors import territory_list
from visits.selectors import due_not_planned


class MapFilter(FilterSet):
    # Plain ids: the queryset is the caller's book already, so a rep or territory outside it
    # finds nothing (and tells nothing).
    rep = IntegerFilter(field_name="owner", label=_("Rep"))
    territory = IntegerFilter(field_name="territory", label=_("Territory"))
    tier = django_filters.ChoiceFilter(
        choices=[*Tier.choices, ("none", _("Untiered"))],
        method="filter_tier",
        label=_("Tier"),
        empty_label=_("All tiers"),
        widget=forms.Select(attrs={"aria-label": _("Tier")}),
    )
    due = StrictBooleanFilter(
        method="filter_due",
        label=_("Due by cadence"),
        widget=forms.Select(
            choices=[("", _("Due or not")), ("true", _("Due by cadence, not planned"))],
            attrs={"aria-label": _("Due by cadence")},
        ),
    )

    class Meta:
        model = Account
        fields = ["rep", "territory", "tier", "due"]

    def filter_tier(self, queryset, name, value):
        return queryset.filter(tier="" if value == "none" else value)

    def filter_due(self, queryset, name, value):
        if value is None:
            return queryset
        # The due list's own rule (visits): due by the tier's cadence, nothing planned.
        user = getattr(self.request, "user", None)
        if not isinstance(user, User):
            return queryset.none()
        due = due_not_planned(user, day=timezone.localdate()).values("pk")
        return queryset.filter(pk__in=due) if value else queryset.exclude(pk__in=due)


def map_filter_for_page(user: User, data, *, queryset, request) -> MapFilter:
    """The map page's filter bar: the rep is a type-ahead picker over the users `user` sees;
    the territory a list."""
    return MapFilter(data, queryset=queryset, request=request).with_pickers(
        rep=user_filter_picker(user, label=_("Rep"), placeholder=_("All reps")),
        territory=forms.ModelChoiceField(
            territory_list(),
            required=False,
            label=_("Territory"),
            empty_label=_("All territories"),
            widget=forms.Select(attrs={"aria-label": _("Territory")}),
        ),
    )
