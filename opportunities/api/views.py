"""`/api/v1/opportunities/`: deals through the visibility rule (one outside the caller's sight
answers 404); writes go through opportunities.services. `/api/v1/opportunity-stages/` and
`/api/v1/loss-reasons/`: the admins' lists, read-only (admins edit them on their pages)."""

from typing import Any

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from crm.api.request import request_user
from crm.models import User
from opportunities import services
from opportunities.api.serializers import (
    LossReasonSerializer,
    OpportunityCompetitorSerializer,
    OpportunityMoveSerializer,
    OpportunitySerializer,
    StageSerializer,
)
from opportunities.filters import OpportunityFilter
from opportunities.models import LossReason, Opportunity, Stage
from opportunities.selectors import opportunities_visible_to, opportunity_competitors


def _save_contacts(
    actor: User, opportunity: Opportunity, contacts: list[dict[str, Any]] | None
) -> None:
    if contacts is not None:
        services.opportunity_contacts_set(
            actor=actor,
            opportunity=opportunity,
            contacts=[(row["contact"], row["role"]) for row in contacts],
        )


class OpportunityViewSet(viewsets.ModelViewSet):
    """Deals (商机). Filters: `status`, `stage`, `owner`, `account`, `close_from`, `close_to`,
    `overdue`, `q` (the deal's or the account's name). Ordering: `close_date`, `amount`,
    `name`, `updated_at`, `id` (`-` for descending). `contacts` replaces the deal's contacts
    when given. `POST …/move/` moves a deal to another stage (a lost one with a reason)."""

    serializer_class = OpportunitySerializer
    filterset_class = OpportunityFilter
    ordering_fields = ["close_date", "amount", "name", "updated_at", "id"]
    ordering = ["close_date", "id"]

    def get_queryset(self):
        return (
            opportunities_visible_to(self.request.user)
            .select_related("stage")
            .prefetch_related("contact_roles")
        )

    @transaction.atomic
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        contacts = data.pop("contact_roles", None)
        actor = request_user(request)
        opportunity = services.opportunity_create(actor=actor, data=data)
        _save_contacts(actor, opportunity, contacts)
        return Response(self._fresh(opportunity), status=status.HTTP_201_CREATED)

    @transaction.atomic
    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        contacts = data.pop("contact_roles", None)
        actor = request_user(request)
        opportunity = services.opportunity_update(actor=actor, opportunity=instance, data=data)
        _save_contacts(actor, opportunity, contacts)
        return Response(self._fresh(opportunity))

    def destroy(self, request, *args, **kwargs):
        services.opportunity_delete(actor=request_user(request), opportunity=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=OpportunityMoveSerializer, responses=OpportunitySerializer)
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        instance = self.get_object()  # 404 first: a hidden deal never answers 400
        body = OpportunityMoveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        opportunity = services.opportunity_move(
            actor=request_user(request),
            opportunity=instance,
            stage=body.validated_data["stage"],
            loss_reason=body.validated_data.get("loss_reason"),
            close_note=body.validated_data.get("close_note", ""),
        )
        return Response(self._fresh(opportunity))

    @extend_schema(
        methods=["GET"], request=None, responses=OpportunityCompetitorSerializer(many=True)
    )
    @extend_schema(
        methods=["PUT"],
        request=OpportunityCompetitorSerializer(many=True),
        responses=OpportunityCompetitorSerializer(many=True),
    )
    @action(detail=True, methods=["get", "put"], pagination_class=None, filterset_class=None)
    def competitors(self, request, pk=None):
        """The competitors in play on the deal, with the outcome against each. PUT replaces
        them with the list given (`[]` clears): each competitor once, an active one, an
        `outcome` of `open won lost`; whoever sees the deal."""
        instance = self.get_object()  # 404 first: a hidden deal never answers 400
        if request.method == "PUT":
            body = OpportunityCompetitorSerializer(data=request.data, many=True)
            body.is_valid(raise_exception=True)
            services.opportunity_competitors_set(
                actor=request_user(request),
                opportunity=instance,
                competitors=[services.CompetitorInPlay(**row) for row in body.validated_data],
            )
        rows = opportunity_competitors(instance)
        return Response(OpportunityCompetitorSerializer(rows, many=True).data)

    def _fresh(self, opportunity: Opportunity) -> dict:
        return self.get_serializer(self.get_queryset().get(pk=opportunity.pk)).data


class StageViewSet(viewsets.ReadOnlyModelViewSet):
    """The pipeline's stages in the admins' order (inactive ones too, `is_active` false)."""

    serializer_class = StageSerializer
    queryset = Stage.objects.order_by("position", "id")
    filterset_class = None
    ordering_fields = ["position", "id"]
    ordering = ["position", "id"]


class LossReasonViewSet(viewsets.ReadOnlyModelViewSet):
    """Why deals are lost, in the admins' order (inactive ones too, `is_active` false)."""

    serializer_class = LossReasonSerializer
    queryset = LossReason.objects.order_by("position", "id")
    filterset_class = None
    ordering_fields = ["position", "id"]
    ordering = ["position", "id"]
