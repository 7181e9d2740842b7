"""FilterSets of crm's own lists."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.models import AuditEntry, User


class AuditEntryFilter(django_filters.FilterSet):
    actor = django_filters.ModelChoiceFilter(queryset=User.objects.all(), label=_("Who"))
    action = django_filters.CharFilter(field_name="action", label=_("Action"))
    model = django_filters.CharFilter(field_name="model", label=_("Record type"))
    account = django_filters.NumberFilter(field_name="account_id", label=_("Account id"))
    date_from = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__gte", label=_("From")
    )
    date_to = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__lte", label=_("To")
    )
    q = django_filters.CharFilter(method="search", label=_("Search"))

    class Meta:
        model = AuditEntry
        fields = ["actor", "action", "model", "account", "date_from", "date_to", "q"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(object_repr__icontains=value) | Q(object_id=value))
