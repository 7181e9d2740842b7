"""FilterSets of contracts and payments, shared by the API and the pages.

Contracts: `status`, `account`, `owner` (ids), `signed_from` / `signed_to` (YYYY-MM-DD), `q`
(the contract's number or title, or its account's name). Payments: `account`, `contract`,
`received_from` / `received_to`, `is_advance`. A value a filter cannot read is a 400 naming it.
"""

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.selectors import account_name_search_q
from core.filters import DateFilter, IdFilterSet, IntegerFilter
from receivables.models import Contract, Payment


class ContractFilter(IdFilterSet):
    status = django_filters.ChoiceFilter(choices=Contract.Status.choices, label=_("Status"))
    account = IntegerFilter(field_name="account", label=_("Account"))
    owner = IntegerFilter(field_name="owner", label=_("Owner"))
    signed_from = DateFilter(field_name="signed_on", lookup_expr="gte", label=_("Signed from"))
    signed_to = DateFilter(field_name="signed_on", lookup_expr="lte", label=_("Signed until"))
    q = django_filters.CharFilter(method="search", label=_("Search"))

    class Meta:
        model = Contract
        fields = ["status", "account", "owner", "signed_from", "signed_to", "q"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(number__icontains=value)
            | Q(title__icontains=value)
            | account_name_search_q(value, account_path="account__")
        )


class PaymentFilter(IdFilterSet):
    account = IntegerFilter(field_name="account", label=_("Account"))
    contract = IntegerFilter(field_name="contract", label=_("Contract"))
    received_from = DateFilter(
        field_name="received_on", lookup_expr="gte", label=_("Received from")
    )
    received_to = DateFilter(field_name="received_on", lookup_expr="lte", label=_("Received until"))

    class Meta:
        model = Payment
        fields = ["account", "contract", "received_from", "received_to", "is_advance"]
