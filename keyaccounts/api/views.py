"""`/api/v1/key-account-plans/`: key-account plans through the visibility rule (a plan whose
account the caller does not see answers 404); writes go through keyaccounts.services."""

from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from crm.api.request import request_user
from keyaccounts import services
from keyaccounts.api.serializers import (
    ActionRequestSerializer,
    ActionSerializer,
    GoalRequestSerializer,
    KeyAccountPlanSerializer,
    PlanReviewSerializer,
    ReviewRequestSerializer,
)
from keyaccounts.selectors import plan_actions, plan_reviews, plans_visible_to

PLAN_WRITABLE = set(services.PLAN_FIELDS)


class KeyAccountPlanViewSet(viewsets.ModelViewSet):
    """Key-account plans (大客户计划): one per A account and year; objectives, SWOT, relationship
    goals, actions (commitments) and frozen quarterly reviews."""

    serializer_class = KeyAccountPlanSerializer
    ordering_fields = ["year", "id"]
    ordering = ["-year", "id"]

    def get_queryset(self):
        return plans_visible_to(self.request.user).order_by("-year", "id")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        plan = services.plan_create(
            actor=request_user(request),
            account=data.pop("account"),
            year=data.pop("year"),
            data={k: v for k, v in data.items() if k in PLAN_WRITABLE},
        )
        return Response(self.get_serializer(plan).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = {k: v for k, v in serializer.validated_data.items() if k in PLAN_WRITABLE}
        plan = services.plan_update(actor=request_user(request), plan=instance, data=data)
        return Response(self.get_serializer(plan).data)

    def destroy(self, request, *args, **kwargs):
        services.plan_delete(actor=request_user(request), plan=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=ReviewRequestSerializer, responses={201: PlanReviewSerializer})
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        """Freeze the plan as its next version (the quarterly review)."""
        plan = self.get_object()  # a hidden plan answers 404 before its body is read
        body = ReviewRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        found = services.plan_review(actor=request_user(request), plan=plan, **body.validated_data)
        return Response(PlanReviewSerializer(found).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=PlanReviewSerializer(many=True))
    @action(detail=True, methods=["get"])
    def reviews(self, request, pk=None):
        """The plan's frozen versions, newest first (read-only)."""
        return Response(PlanReviewSerializer(plan_reviews(self.get_object()), many=True).data)

    @extend_schema(request=GoalRequestSerializer, responses={200: GoalRequestSerializer})
    @action(detail=True, methods=["post"])
    def goals(self, request, pk=None):
        """Set a relationship goal for a contact of the plan's account."""
        plan = self.get_object()  # a hidden plan answers 404 before its body is read
        body = GoalRequestSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        goal = services.relationship_goal_set(
            actor=request_user(request), plan=plan, **body.validated_data
        )
        return Response(
            {
                "contact": goal.contact_id,
                "goal_stance": goal.goal_stance,
                "due_date": goal.due_date,
                "note": goal.note,
            }
        )

    @extend_schema(request=None, responses=ActionSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="actions", url_name="actions")
    def actions_list(self, request, pk=None):
        """The plan's actions (commitments) with their status."""
        return Response(ActionSerializer(_actions(plan_actions(self.get_object())), many=True).data)

    @extend_schema(request=ActionRequestSerializer, responses={201: ActionSerializer})
    @actions_list.mapping.post
    def actions_create(self, request, pk=None):
        """Add an action: a commitment of the plan's account (owner: someone the caller may
        assign to; the caller by default)."""
        plan = self.get_object()  # a hidden plan answers 404 before its body is read
        body = ActionRequestSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        made = services.plan_action_create(
            actor=request_user(request),
            plan=plan,
            title=body.validated_data["title"],
            owner=body.validated_data.get("owner"),
            due_date=body.validated_data["due_date"],
        )
        return Response(
            ActionSerializer(_actions([made.commitment])[0]).data, status=status.HTTP_201_CREATED
        )


def _actions(commitments) -> list[dict]:
    return [
        {
            "commitment": c.pk,
            "title": c.title,
            "owner": c.owner_id,
            "due_date": c.due_date,
            "status": c.status,
        }
        for c in commitments
    ]
