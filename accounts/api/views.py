"""API for accounts, contacts and orders. Querysets come from the visibility selectors, so a
record outside the caller's book answers 404; writes go through services."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status, viewsets
from rest_framework.response import Response

from accounts import services
from accounts.api.serializers import (
    ACCOUNT_LIST_FIELDS,
    AccountListSerializer,
    AccountSerializer,
    ContactSerializer,
    OrderSerializer,
)
from accounts.filters import AccountFilter, ContactFilter, OrderFilter
from accounts.selectors import accounts_visible_to, contacts_visible_to, orders_visible_to


def _as_drf_error(exc: DjangoValidationError) -> exceptions.ValidationError:
    if hasattr(exc, "error_dict"):
        return exceptions.ValidationError(
            {
                field: [str(m) for e in errors for m in e.messages]
                for field, errors in exc.error_dict.items()
            }
        )
    return exceptions.ValidationError({"non_field_errors": exc.messages})


class ServiceWriteMixin:
    """create/update/destroy by calling `<entity>_create/_update/_delete` services."""

    entity: str

    def _call(self, fn, **kwargs):
        try:
            return fn(actor=self.request.user, **kwargs)
        except DjangoValidationError as exc:
            raise _as_drf_error(exc) from exc
        except DjangoPermissionDenied as exc:
            raise exceptions.PermissionDenied() from exc

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


class AccountViewSet(ServiceWriteMixin, viewsets.ModelViewSet):
    """Accounts the caller may see. The list is keyset-paginated (`?cursor=`), never counted."""

    entity = "account"
    serializer_class = AccountSerializer
    filterset_class = AccountFilter
    ordering_fields = ["name", "created_at", "updated_at", "tier", "id"]
    ordering = ["name"]

    def get_queryset(self):
        return accounts_visible_to(self.request.user)

    @extend_schema(responses=AccountListSerializer(many=True))
    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        rows = queryset.values(*ACCOUNT_LIST_FIELDS)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(list(page))


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
