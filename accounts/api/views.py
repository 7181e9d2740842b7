"""API for accounts, contacts and orders. Querysets come from the visibility selectors, so a
record outside the caller's book answers 404; writes go through services."""

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from accounts import services
from accounts.api.serializers import (
    ACCOUNT_LIST_FIELDS,
    AccountListSerializer,
    AccountLocationSerializer,
    AccountSerializer,
    BulkReassignResultSerializer,
    BulkReassignSerializer,
    ContactSerializer,
    OrderSerializer,
)
from accounts.filters import (
    SEARCH_SORT_FIELDS,
    AccountFilter,
    ContactFilter,
    OrderFilter,
    is_searching,
    search_sort_alias,
    search_sort_aliases,
)
from accounts.selectors import accounts_visible_to, contacts_visible_to, orders_visible_to
from crm.models import User


class ServiceWriteMixin(viewsets.GenericViewSet):
    """create/update/destroy by calling `<entity>_create/_update/_delete` services."""

    entity: str

    def _call(self, fn, **kwargs):
        # A refusal (ValidationError, PermissionDenied) becomes 400/403 in the API's
        # exception handler (core.api.exceptions).
        return fn(actor=self.request.user, **kwargs)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        obj = self._call(getattr(services, f"{self.entity}_create"), data=serializer.validated_data)
        return Response(self.get_serializer(obj).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        obj = self._call(
            getattr(services, f"{self.entity}_update"),
            **{self.entity: instance},
            data=serializer.validated_data,
        )
        return Response(self.get_serializer(obj).data)

    def destroy(self, request, *args, **kwargs):
        instance = self.get_object()
        self._call(getattr(services, f"{self.entity}_delete"), **{self.entity: instance})
        return Response(status=status.HTTP_204_NO_CONTENT)


class FilterWhenAsked(DjangoFilterBackend):
    """django-filter, skipped when the request has none of the filter's parameters: building
    a FilterSet and its form costs about a millisecond, a third of a plain list request."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = getattr(view, "filterset_class", None)
        if filterset_class is not None and not any(
            name in request.query_params for name in filterset_class.base_filters
        ):
            return queryset
        return super().filter_queryset(request, queryset, view)


class AccountOrdering(OrderingFilter):
    """`?ordering=`, with the unindexed sort keys while searching (see accounts.filters)."""

    def get_ordering(self, request, queryset, view):
        ordering = super().get_ordering(request, queryset, view)
        if ordering is None or not is_searching(request.query_params):
            return ordering
        return [
            ("-" if key.startswith("-") else "") + search_sort_alias(key.lstrip("-"))
            if key.lstrip("-") in SEARCH_SORT_FIELDS
            else key
            for key in ordering
        ]


class AccountViewSet(ServiceWriteMixin, viewsets.ModelViewSet):
    """Accounts the caller may see. The list is keyset-paginated (`?cursor=`), never counted."""

    entity = "account"
    serializer_class = AccountSerializer
    filterset_class = AccountFilter
    filter_backends = [FilterWhenAsked, AccountOrdering]
    ordering_fields = ["name", "created_at", "updated_at", "tier", "id"]
    ordering = ["name"]

    def get_queryset(self):
        queryset = accounts_visible_to(self.request.user)
        if self.action == "list" and is_searching(self.request.query_params):
            queryset = queryset.annotate(**search_sort_aliases())
        return queryset

    @extend_schema(responses=AccountListSerializer(many=True))
    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        # Keyset pagination reads the position from the first sort key, so select it too.
        sort_key = AccountOrdering().get_ordering(request, queryset, self)[0].lstrip("-")
        extra = [sort_key] if sort_key not in ACCOUNT_LIST_FIELDS else []
        rows = queryset.values(*ACCOUNT_LIST_FIELDS, *extra)
        page = self.paginate_queryset(rows)
        response = self.get_paginated_response(list(page or ()))
        for row in response.data["results"]:
            for key in extra:
                row.pop(key, None)
        return response

    @extend_schema(request=AccountLocationSerializer, responses=AccountSerializer)
    @action(detail=True, methods=["post"], serializer_class=AccountLocationSerializer)
    def location(self, request, *args, **kwargs):
        """Put the account on the sales map (`latitude`, `longitude`, optional
        `location_source`) through accounts.services.account_location_set; the account's
        own PUT/PATCH leave the location alone (its fields are read-only there)."""
        account = self.get_object()
        serializer = AccountLocationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.account_location_set(
            actor=request.user,
            account=account,
            latitude=data["latitude"],
            longitude=data["longitude"],
            source=data["location_source"],
        )
        account.refresh_from_db()
        return Response(AccountSerializer(account, context=self.get_serializer_context()).data)

    @extend_schema(request=BulkReassignSerializer, responses=BulkReassignResultSerializer)
    @action(
        detail=False,
        methods=["post"],
        url_path="bulk-reassign",
        url_name="bulk-reassign",
        serializer_class=BulkReassignSerializer,
        # JSON only: a form body of thousands of ids would be parsed (and refused with 400 by
        # Django's field limit) before authentication could answer 401.
        parser_classes=[JSONParser],
    )
    def bulk_reassign(self, request, *args, **kwargs):
        """Reassign the chosen accounts (or all matching a filter) to another rep: managers
        within their teams, admins anywhere; reps get 403. A reason is required."""
        serializer = BulkReassignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        moves = services.accounts_bulk_reassign(
            actor=request.user,
            new_owner=User.objects.filter(pk=data["new_owner"]).first(),
            reason=data["reason"],
            account_ids=data.get("account_ids"),
            filters=data.get("filter"),
        )
        ids = [m.account_id for m in moves]
        return Response({"reassigned": len(ids), "account_ids": ids})


class ContactViewSet(ServiceWriteMixin, viewsets.ModelViewSet):
    entity = "contact"
    serializer_class = ContactSerializer
    filterset_class = ContactFilter
    ordering_fields = ["name", "id", "created_at"]
    ordering = ["-id"]

    def get_queryset(self):
        return contacts_visible_to(self.request.user)


class OrderViewSet(ServiceWriteMixin, viewsets.ModelViewSet):
    entity = "order"
    serializer_class = OrderSerializer
    filterset_class = OrderFilter
    ordering_fields = ["date", "amount", "id"]
    ordering = ["-id"]

    def get_queryset(self):
        return orders_visible_to(self.request.user)
