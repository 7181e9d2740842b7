"""The baseline: what DRF gives by default for "a list of accounts" — a ModelSerializer over
every field and PageNumberPagination (which counts the rows on every request) — with the same
visibility rule, filters and orderings as the real endpoint, so only the implementation of
the list differs."""

from rest_framework import generics, pagination, serializers

from accounts.filters import AccountFilter
from accounts.models import Account
from accounts.selectors import accounts_visible_to


class BaselineAccountSerializer(serializers.ModelSerializer):
    class Meta:
        model = Account
        fields = "__all__"


class BaselinePagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class BaselineAccountList(generics.ListAPIView):
    serializer_class = BaselineAccountSerializer
    pagination_class = BaselinePagination
    filterset_class = AccountFilter
    ordering_fields = ["name", "created_at", "updated_at", "tier", "id"]
    ordering = ["name"]

    def get_queryset(self):
        return accounts_visible_to(self.request.user)
