"""FilterSets of the users API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from core.filters import FilterSet, StrictBooleanFilter
from crm.models import User
from crm.pickers import user_search_q


class UserFilter(FilterSet):
    # `q` and `is_active` serve the user picker (crm.pickers); the base queryset is already
    # the users the caller may see.
    q = django_filters.CharFilter(method="search", label=_("Search"), max_length=100)
    is_active = StrictBooleanFilter(field_name="is_active", label=_("Active"))

    class Meta:
        model = User
        fields = ["role", "team", "is_active", "q"]

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(user_search_q(value)) if value else queryset
