"""The deals' FilterSet, shared by the API (`/api/v1/opportunities/`) and the list page.

`status`: open, won or lost; `stage`, `owner`, `account`: ids; `close_from` / `close_to`: the
expected close date's range (YYYY-MM-DD); `overdue`: true (open with a close date before today)
or false; `q`: the deal's name or its account's name. A value it cannot read is a 400 naming
the parameter. The page calls `opportunity_list_filter` (owner and account through pickers)."""

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.pickers import AccountPickerField
from accounts.selectors import account_name_search_q
from core.filters import DateFilter, IdFilterSet, IntegerFilter, StrictBooleanFilter
from crm.models import User
from crm.pickers import user_filter_picker
from opportunities.models import Opportunity

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class OpportunityFilter(IdFilterSet):
    status = django_filters.ChoiceFilter(choices=Opportunity.Status.choices, label=_("Status"))
    stage = IntegerFilter(field_name="stage", label=_("Stage"))
    owner = IntegerFilter(field_name="owner", label=_("Owner"))
    account = IntegerFilter(field_name="account", label=_("Account"))
    close_from = DateFilter(
        field_name="close_date", lookup_expr="gte", label=_("Closing from"), widget=DATE
    )
    close_to = DateFilter(
        field_name="close_date", lookup_expr="lte", label=_("Closing until"), widget=DATE
    )
    overdue = StrictBooleanFilter(method="filter_overdue", label=_("Close date passed"))
    q = django_filters.CharFilter(method="search", label=_("Search"))

    class Meta:
        model = Opportunity
        fields = [
            "status",
            "stage",
            "owner",
            "account",
            "close_from",
            "close_to",
            "overdue",
            "q",
        ]

    def search(self, queryset: QuerySet[Opportunity], name: str, value: str):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value) | account_name_search_q(value, account_path="account__")
        )

    def filter_overdue(self, queryset: QuerySet[Opportunity], name: str, value: bool | None):
        if value is None:
            return queryset
        overdue = Q(status=Opportunity.Status.OPEN, close_date__lt=timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)


def opportunity_list_filter(
    user: User, data, *, queryset: QuerySet[Opportunity], request=None
) -> OpportunityFilter:
    """The deals page's filter bar: owner and account through type-ahead pickers over what
    `user` sees (one outside is the filter's error); the API reads plain ids."""
    return OpportunityFilter(data, queryset=queryset, request=request).with_pickers(
        owner=user_filter_picker(user, label=_("Owner"), placeholder=_("Everyone")),
        account=AccountPickerField(user, required=False, label=_("Account"), help_text=""),
    )
