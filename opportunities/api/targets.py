"""`/api/v1/targets/`: targets (quotas) a user reads (their own and their team's; a manager's
teams and reps; an admin all), each with its attainment; writes go through
opportunities.targets, which checks who may set what (others 403)."""

import datetime
from decimal import Decimal

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, status, viewsets
from rest_framework.response import Response

from crm.api.request import request_user
from opportunities import targets as services
from opportunities.attainment import Attainment, attainment_for
from opportunities.models import Target
from opportunities.target_filters import TargetFilter
from opportunities.targets import (
    target_reps_settable_by,
    target_teams_settable_by,
    targets_visible_to,
)


class AttainmentSerializer(serializers.Serializer):
    done = serializers.DecimalField(max_digits=20, decimal_places=2)
    projected = serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True)
    period_end = serializers.DateField(help_text="The period's last day.")
    elapsed_days = serializers.IntegerField()
    period_days = serializers.IntegerField()


class TargetSerializer(serializers.ModelSerializer):
    attainment = serializers.SerializerMethodField()

    class Meta:
        model = Target
        fields = [
            "id",
            "user",
            "team",
            "period",
            "period_start",
            "measure",
            "value",
            "attainment",
            "set_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["set_by", "created_at", "updated_at"]
        extra_kwargs = {"value": {"min_value": Decimal(0)}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is None:
            return
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            self.fields["user"].queryset = target_reps_settable_by(request.user)  # type: ignore[attr-defined]
            self.fields["team"].queryset = target_teams_settable_by(request.user)  # type: ignore[attr-defined]
        # The unique constraints are the service's to keep (it updates the row already there).
        self.validators = []

    def get_validators(self):
        return []

    @extend_schema_field(AttainmentSerializer)
    def get_attainment(self, obj: Target) -> dict:
        found: dict[int, Attainment] = self.context.get("attainment") or {}
        row = found.get(obj.pk)
        if row is None:
            row = attainment_for([obj], timezone.localdate())[0]
        return {
            "done": row.done,
            "projected": row.projected,
            "period_end": row.end - datetime.timedelta(days=1),
            "elapsed_days": row.elapsed_days,
            "period_days": row.period_days,
        }

    def validate(self, attrs):
        if self.instance is None and bool(attrs.get("user")) == bool(attrs.get("team")):
            raise serializers.ValidationError("Give one of user and team.")
        return attrs


FIXED_FIELDS = ["user", "team", "period", "period_start", "measure"]


class TargetViewSet(viewsets.ModelViewSet):
    """Targets: a quota of one rep or one team for a month or a quarter (`period_start`: its
    first day; any day is moved to it) and a measure (revenue, new_customers, visits, a_visits,
    pipeline_prospects), with its attainment (done, projected by the period's end). Filters:
    `period`, `period_start`, `measure`, `user`, `team`. POST sets a target (the value of the
    one already there, if any); PATCH/PUT change the value only."""

    serializer_class = TargetSerializer
    filterset_class = TargetFilter
    ordering_fields = ["period_start", "id"]
    ordering = ["-period_start", "id"]
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return targets_visible_to(self.request.user)

    def get_serializer_context(self):
        context = dict(super().get_serializer_context())
        page = getattr(self, "_page_rows", None)
        if page is not None:
            rows = attainment_for(page, timezone.localdate())
            context["attainment"] = {row.target.pk: row for row in rows}
        return context

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        self._page_rows = page
        return page

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        target = services.target_set(
            actor=request_user(request),
            user=data.get("user"),
            team=data.get("team"),
            period=data["period"],
            period_start=data["period_start"],
            measure=data["measure"],
            value=data["value"],
        )
        return Response(self.get_serializer(target).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        moved = [
            name for name in FIXED_FIELDS if name in data and data[name] != getattr(instance, name)
        ]
        if moved:
            raise serializers.ValidationError(
                {
                    name: ["A target's rep, team, period and measure stay; set a new one."]
                    for name in moved
                }
            )
        target = services.target_update(
            actor=request_user(request), target=instance, value=data.get("value", instance.value)
        )
        return Response(self.get_serializer(target).data)

    def destroy(self, request, *args, **kwargs):
        services.target_delete(actor=request_user(request), target=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
