"""API for accounts, contacts and orders. Querysets come from the visibility selectors, so a
record outside the caller's book answers 404; writes go through services."""

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from accounts import services
from accounts.api.serializers import (
    ACCOUNT_LIST_FIELDS,
    AccountCompetitorSerializer,
    AccountListSerializer,
    AccountLocationSerializer,
    AccountSerializer,
    AccountTeamMemberAddSerializer,
    AccountTeamMemberSerializer,
    BulkReassignResultSerializer,
    BulkReassignSerializer,
    CompetitorSerializer,
    ContactSerializer,
    OrderSerializer,
)
from accounts.filters import (
    SEARCH_SORT_FIELDS,
    AccountCompetitorFilter,
    AccountFilter,
    ContactFilter,
    OrderFilter,
    is_searching,
    search_sort_alias,
    search_sort_aliases,
)
from accounts.selectors import (
    account_competitors_visible_to,
    account_team,
    account_team_members_visible_to,
    accounts_visible_to,
    competitor_list,
    contacts_visible_to,
    orders_visible_to,
)
from crm.api.request import request_user
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

    @extend_schema(methods=["GET"], request=None, responses=AccountTeamMemberSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request=AccountTeamMemberAddSerializer,
        responses={201: AccountTeamMemberSerializer},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="team",
        url_name="team",
        pagination_class=None,
        # The account list's filters and sort keys are not this answer's: none apply.
        filter_backends=[],
    )
    def team(self, request, *args, **kwargs):
        """The account's team: GET lists its members (whoever sees the account); POST adds
        one (`user`, `role`, `access`): the owner, the owner's manager and admins (others who
        see the account 403); the owner, an inactive user or a member already there 400."""
        account = self.get_object()
        if request.method == "GET":
            members = AccountTeamMemberSerializer(account_team(account), many=True)
            return Response(members.data)
        serializer = AccountTeamMemberAddSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        member = services.account_team_member_add(
            actor=request.user, account=account, **serializer.validated_data
        )
        return Response(AccountTeamMemberSerializer(member).data, status=status.HTTP_201_CREATED)

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


class AccountTeamMemberViewSet(
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """One member of an account's team: read by whoever sees the account; PATCH (`role`,
    `access`) and DELETE by who manages the team (the owner, the owner's manager, admins;
    others who see it 403). Members are listed and added under the account
    (/api/v1/accounts/<id>/team/)."""

    serializer_class = AccountTeamMemberSerializer

    def get_queryset(self):
        return account_team_members_visible_to(self.request.user)

    def perform_update(self, serializer):
        serializer.instance = services.account_team_member_update(
            actor=request_user(self.request),
            member=serializer.instance,
            data=serializer.validated_data,
        )

    def perform_destroy(self, instance):
        services.account_team_member_remove(actor=request_user(self.request), member=instance)


class CompetitorViewSet(viewsets.ModelViewSet):
    """The admin-edited list of competitors: every signed-in user reads it; admins add,
    change and delete (others 403); a competitor that accounts or deals name is deactivated,
    not deleted (400)."""

    serializer_class = CompetitorSerializer
    filter_backends = [OrderingFilter]
    ordering_fields = ["name", "id"]
    ordering = ["name"]

    def get_queryset(self):
        return competitor_list()

    def perform_create(self, serializer):
        serializer.instance = services.competitor_create(
            actor=request_user(self.request), data=serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.competitor_update(
            actor=request_user(self.request),
            competitor=serializer.instance,
            data=serializer.validated_data,
        )

    def perform_destroy(self, instance):
        services.competitor_delete(actor=request_user(self.request), competitor=instance)


class AccountCompetitorViewSet(ServiceWriteMixin, viewsets.ModelViewSet):
    """Incumbent suppliers of the accounts the caller sees; writes by whoever sees the
    account (accounts.services.account_competitor_*)."""

    entity = "account_competitor"
    serializer_class = AccountCompetitorSerializer
    filterset_class = AccountCompetitorFilter
    ordering_fields = ["contract_end", "share", "id"]
    ordering = ["-id"]

    def get_queryset(self):
        return account_competitors_visible_to(self.request.user)
