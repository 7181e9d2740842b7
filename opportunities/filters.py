"""The deals' FilterSet for the list page, the board and the list's exports.

`stage`, `owner`, `account`: ids; `status`: open, won or lost; `close_from` / `close_to`: the
expected close date's range; `q`: text in the deal's or the account's name, the next step,
the product lines or the competitors. A value it cannot read is that field's error (the page
shows it and lists nothing)."""

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.selectors import account_name_search_q
from core.filters import DateFilter, IdFilterSet
from opportunities.models import Opportunity

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class OpportunityFilter(IdFilterSet):
    q = django_filters.CharFilter(method="filter_text", label=_("Search"), max_length=100)
    close_from = DateFilter(
        field_name="close_date", lookup_expr="gte", label=_("Closing from"), widget=DATE
    )
    close_to = DateFilter(
        field_name="close_date", lookup_expr="lte", label=_("Closing until"), widget=DATE
    )

    class Meta:
        model = Opportunity
        fields = ["q", "stage", "status", "owner", "account", "close_from", "close_to"]

    def filter_text(self, queryset: QuerySet[Opportunity], name, value: str):
        text = (value or "").strip()
        if not text:
            return queryset
        return queryset.filter(
            Q(name__icontains=text)
            | account_name_search_q(text, account_path="account__")
            | Q(next_step__icontains=text)
            | Q(product_lines__icontains=text)
            | Q(competitors__icontains=text)
        )
