"""API of the visits app. Querysets come from the visibility selectors (a record outside the
caller's book answers 404); writes go through visits.services."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response

from crm.api.request import request_user
from crm.selectors import users_assignable_by
from visits import services
from visits.api.serializers import (
    ChecklistSerializer,
    GenerateSerializer,
    OccasionSerializer,
    ReminderBulkResultSerializer,
    ReminderBulkSerializer,
    ReminderBulkSnoozeSerializer,
    ReminderSerializer,
    SnoozeSerializer,
    TouchSerializer,
    VisitPlanSerializer,
    VisitSerializer,
    pop_check_in,
)
from visits.filters import ReminderFilter, TouchFilter, VisitFilter, VisitPlanFilter
from visits.selectors import (
    occasions_list,
    plans_visible_to,
    reminders_visible_to,
    touches_visible_to,
    visits_visible_to,
)


class VisitViewSet(viewsets.ModelViewSet):
    serializer_class = VisitSerializer
    filterset_class = VisitFilter
    ordering_fields = ["visit_date", "id"]
    ordering = ["-id"]

    def get_queryset(self):
        return visits_visible_to(self.request.user).prefetch_related("contacts")

    def _write(self, serializer, *, fn, **kwargs):
        data = dict(serializer.validated_data)
        contacts = data.pop("contacts", None)
        return fn(actor=self.request.user, data=data, contacts=contacts, **kwargs)

    def create(self, request, *args, **kwargs):
        """Log a visit; with `check_in_latitude` and `check_in_longitude` (and optionally
        `check_in_accuracy_m`, `check_in_at`) it records the check-in, and the answer gives
        `check_in_distance_m`, the distance from the account's location."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        check_in = pop_check_in(data)
        contacts = data.pop("contacts", None)
        visit = services.visit_create(
            actor=request.user, data=data, contacts=contacts, check_in=check_in
        )
        return Response(self.get_serializer(visit).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        visit = self._write(serializer, fn=services.visit_update, visit=instance)
        return Response(self.get_serializer(visit).data)

    def destroy(self, request, *args, **kwargs):
        services.visit_delete(actor=request.user, visit=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class VisitPlanViewSet(viewsets.ModelViewSet):
    """Planned visits; DELETE cancels a plan (it is kept, status "cancelled")."""

    serializer_class = VisitPlanSerializer
    filterset_class = VisitPlanFilter
    ordering_fields = ["planned_date", "id"]
    ordering = ["planned_date", "id"]

    def get_queryset(self):
        return plans_visible_to(self.request.user)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        plan = services.plan_create(actor=request.user, data=serializer.validated_data)
        return Response(self.get_serializer(plan).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        plan = services.plan_update(
            actor=request.user, plan=instance, data=serializer.validated_data
        )
        return Response(self.get_serializer(plan).data)

    def destroy(self, request, *args, **kwargs):
        services.plan_cancel(actor=request.user, plan=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=ChecklistSerializer, responses=ChecklistSerializer)
    @action(detail=True, methods=["get", "put"])
    def checklist(self, request, pk=None):
        """The ticked checklist item ids of a plan; PUT replaces them."""
        plan = self.get_object()
        if request.method == "PUT":
            serializer = ChecklistSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            services.checklist_set(
                actor=request.user,
                plan=plan,
                item_ids=serializer.validated_data["items"],
            )
        items = sorted(plan.ticks.values_list("item_id", flat=True))
        return Response({"items": items})

    @extend_schema(request=GenerateSerializer, responses={201: None})
    @action(detail=False, methods=["post"])
    def generate(self, request):
        """Plan a rep's visits in [start, end] from the tier cadences."""
        serializer = GenerateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        rep = users_assignable_by(request.user).filter(pk=data["rep"]).first()
        created = services.plans_generate(
            actor=request.user,
            rep=rep,
            start=data["start"],
            end=data["end"],
        )
        return Response({"created": created}, status=status.HTTP_201_CREATED)


class TouchViewSet(viewsets.ModelViewSet):
    serializer_class = TouchSerializer
    filterset_class = TouchFilter
    ordering_fields = ["date", "id"]
    ordering = ["-id"]

    def get_queryset(self):
        return touches_visible_to(self.request.user)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        touch = services.touch_create(actor=request.user, data=serializer.validated_data)
        return Response(self.get_serializer(touch).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        touch = services.touch_update(
            actor=request.user,
            touch=instance,
            data=serializer.validated_data,
        )
        return Response(self.get_serializer(touch).data)

    def destroy(self, request, *args, **kwargs):
        services.touch_delete(actor=request.user, touch=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class ReminderViewSet(viewsets.ReadOnlyModelViewSet):
    """Reminders in the caller's scope; only the recipient marks one done or snoozes it."""

    serializer_class = ReminderSerializer
    filterset_class = ReminderFilter
    ordering_fields = ["date", "id", "remind_on"]
    ordering = ["date", "id"]

    def get_queryset(self):
        return reminders_visible_to(self.request.user).select_related(
            "account", "contact", "plan", "occasion"
        )

    @extend_schema(request=None, responses=ReminderSerializer)
    @action(detail=True, methods=["post"])
    def done(self, request, pk=None):
        reminder = services.reminder_mark_done(actor=request.user, reminder=self.get_object())
        return Response(self.get_serializer(reminder).data)

    @extend_schema(request=SnoozeSerializer, responses=ReminderSerializer)
    @action(detail=True, methods=["post"])
    def snooze(self, request, pk=None):
        # The reminder first: one outside the caller's scope is 404 whatever the body says.
        reminder = self.get_object()
        serializer = SnoozeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reminder = services.reminder_snooze(
            actor=request.user,
            reminder=reminder,
            until=serializer.validated_data["until"],
        )
        return Response(self.get_serializer(reminder).data)

    @extend_schema(request=ReminderBulkSerializer, responses=ReminderBulkResultSerializer)
    @action(detail=False, methods=["post"], url_path="bulk-done")
    def bulk_done(self, request):
        """Mark several of the caller's own open reminders done; any other id: 400, nothing
        changed."""
        serializer = ReminderBulkSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        count = services.reminders_bulk_done(
            actor=request_user(request), ids=serializer.validated_data["ids"]
        )
        return Response({"count": count})

    @extend_schema(request=ReminderBulkSnoozeSerializer, responses=ReminderBulkResultSerializer)
    @action(detail=False, methods=["post"], url_path="bulk-snooze")
    def bulk_snooze(self, request):
        """Snooze several of the caller's own open reminders; any other id: 400, nothing
        changed."""
        serializer = ReminderBulkSnoozeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        count = services.reminders_bulk_snooze(
            actor=request_user(request),
            ids=serializer.validated_data["ids"],
            until=serializer.validated_data["until"],
        )
        return Response({"count": count})


class ReadOrAdmin(BasePermission):
    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return request.method in SAFE_METHODS or user.is_admin


class OccasionViewSet(
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """Birthdays and holidays: everyone reads them, admins change them."""

    serializer_class = OccasionSerializer
    permission_classes = [ReadOrAdmin]
    ordering = ["id"]
    ordering_fields = ["id"]

    def get_queryset(self):
        return occasions_list()

    def perform_create(self, serializer):
        serializer.instance = services.occasion_create(
            actor=request_user(self.request), data=serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.occasion_update(
            actor=request_user(self.request),
            occasion=serializer.instance,
            data=serializer.validated_data,
        )

    def perform_destroy(self, instance):
        services.occasion_delete(actor=request_user(self.request), occasion=instance)
