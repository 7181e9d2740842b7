"""Serializers of the visits API; writes go through visits.services (which re-check scope)."""

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import serializers

from accounts.selectors import accounts_visible_to, contacts_visible_to
from visits.checkin import CheckIn, check_in_from, check_in_problems
from visits.models import ROLE_CHOICES, TIER_CHOICES, Occasion, Reminder, Touch, Visit, VisitPlan
from visits.selectors import plans_in_book_for, reminder_text


def _scoped(serializer, field: str, queryset_for) -> None:
    request = serializer.context.get("request")
    if request is not None and field in serializer.fields:
        target = serializer.fields[field]
        target = getattr(target, "child_relation", target)
        target.queryset = queryset_for(request.user)


# The check-in's API fields, each named after the part of visits.checkin it carries.
CHECK_IN_FIELDS = ["check_in_latitude", "check_in_longitude", "check_in_accuracy_m", "check_in_at"]
CHECK_IN_PREFIX = "check_in_"


class MetresField(serializers.FloatField):
    """Metres: any number in, whole metres out (as the visit keeps them)."""

    def to_representation(self, value) -> int:  # type: ignore[override]
        return int(value)


def _degrees(help_text: str) -> serializers.DecimalField:
    # Any number of decimals in (phones give ten); kept to six places (visits.checkin).
    return serializers.DecimalField(
        max_digits=None,
        decimal_places=None,
        required=False,
        allow_null=True,
        help_text=help_text,
    )


class VisitSerializer(serializers.ModelSerializer):
    hours = serializers.DecimalField(max_digits=6, decimal_places=2, read_only=True)
    check_in_latitude = _degrees("Check-in (when logging only): latitude, WGS-84 degrees.")
    check_in_longitude = _degrees("Check-in (when logging only): longitude, WGS-84 degrees.")
    check_in_accuracy_m = MetresField(
        required=False,
        allow_null=True,
        help_text="Check-in: the position's radius of confidence, in metres (optional).",
    )
    check_in_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text="Check-in: when the position was taken (optional; default: when logged).",
    )

    class Meta:
        model = Visit
        fields = [
            "id",
            "account",
            "visit_date",
            "visit_time",
            "contacts",
            "purpose",
            "outcome",
            "next_step",
            "duration_minutes",
            "hours",
            "expenses",
            "plan",
            "logged_by",
            *CHECK_IN_FIELDS,
            "check_in_distance_m",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["logged_by", "check_in_distance_m", "created_at", "updated_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _scoped(self, "account", accounts_visible_to)
        _scoped(self, "contacts", contacts_visible_to)
        _scoped(self, "plan", plans_in_book_for)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """The check-in's rules are visits.checkin's: a part that is wrong is refused under
        its own field. It is recorded when the visit is logged, never changed afterwards."""
        given = [name for name in CHECK_IN_FIELDS if name in attrs]
        if self.instance is not None and given:
            raise serializers.ValidationError(
                {
                    given[0]: _(
                        "The check-in is recorded when the visit is logged; it cannot be changed."
                    )
                }
            )
        problems = check_in_problems(
            **{name.removeprefix(CHECK_IN_PREFIX): attrs.get(name) for name in CHECK_IN_FIELDS},
            now=timezone.now(),
        )
        if problems:
            raise serializers.ValidationError(
                {CHECK_IN_PREFIX + part: message for part, message in problems.items()}
            )
        return attrs


def pop_check_in(data: dict[str, Any]) -> CheckIn | None:
    """Take the check-in's fields out of validated data: the CheckIn, or None without one."""
    parts = {name.removeprefix(CHECK_IN_PREFIX): data.pop(name, None) for name in CHECK_IN_FIELDS}
    if parts["latitude"] is None or parts["longitude"] is None:
        return None
    return check_in_from(**parts)


class VisitPlanSerializer(serializers.ModelSerializer):
    checklist_done = serializers.SerializerMethodField()

    class Meta:
        model = VisitPlan
        fields = [
            "id",
            "account",
            "planned_date",
            "planned_time",
            "slot",
            "purpose",
            "senior_manager",
            "status",
            "source",
            "checklist_done",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["status", "source", "created_by", "created_at", "updated_at"]
        # The one-plan-per-day rule is the service's (a clear error, not a 500).
        validators: list[Any] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _scoped(self, "account", accounts_visible_to)

    def get_checklist_done(self, obj) -> list[int]:
        return sorted(obj.ticks.values_list("item_id", flat=True))


class ChecklistSerializer(serializers.Serializer):
    items = serializers.ListField(child=serializers.IntegerField(), allow_empty=True)


class GenerateSerializer(serializers.Serializer):
    rep = serializers.IntegerField()
    start = serializers.DateField()
    end = serializers.DateField()


class TouchSerializer(serializers.ModelSerializer):
    class Meta:
        model = Touch
        fields = [
            "id",
            "account",
            "contact",
            "type",
            "date",
            "occasion",
            "note",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_by", "created_at", "updated_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _scoped(self, "account", accounts_visible_to)
        _scoped(self, "contact", contacts_visible_to)


class ReminderSerializer(serializers.ModelSerializer):
    text = serializers.SerializerMethodField()

    class Meta:
        model = Reminder
        fields = [
            "id",
            "recipient",
            "kind",
            "subject",
            "occasion_code",
            "date",
            "account",
            "contact",
            "plan",
            "occasion",
            "touch_type",
            "remind_on",
            "snoozed_until",
            "status",
            "done_at",
            "created_at",
            "text",
        ]
        read_only_fields = fields

    def get_text(self, obj) -> str:
        return reminder_text(obj)


class SnoozeSerializer(serializers.Serializer):
    until = serializers.DateField()


# Ids are PostgreSQL bigints: a larger number is refused here (400), never sent to the database.
MAX_ID = 2**63 - 1


class ReminderBulkSerializer(serializers.Serializer):
    """The caller's own open reminders to close at once (all or nothing)."""

    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        allow_empty=False,
        max_length=500,
    )


class ReminderBulkSnoozeSerializer(ReminderBulkSerializer):
    until = serializers.DateField()


class ReminderBulkResultSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="How many reminders were changed.")


class OccasionSerializer(serializers.ModelSerializer):
    gift_tiers = serializers.ListField(
        child=serializers.ChoiceField(choices=TIER_CHOICES), required=False
    )
    gift_roles = serializers.ListField(
        child=serializers.ChoiceField(choices=ROLE_CHOICES), required=False
    )
    greeting_tiers = serializers.ListField(
        child=serializers.ChoiceField(choices=TIER_CHOICES), required=False
    )
    greeting_roles = serializers.ListField(
        child=serializers.ChoiceField(choices=ROLE_CHOICES), required=False
    )
    next_dates = serializers.SerializerMethodField()

    class Meta:
        model = Occasion
        fields = [
            "id",
            "code",
            "kind",
            "name_en",
            "name_zh_hans",
            "month",
            "day",
            "date",
            "active",
            "gift_type",
            "gift_tiers",
            "gift_roles",
            "gift_lead_days",
            "greeting_type",
            "greeting_tiers",
            "greeting_roles",
            "greeting_lead_days",
            "next_dates",
        ]
        read_only_fields = ["code"]

    def get_next_dates(self, obj) -> list[str]:
        """The occasion's dates in the coming twelve months (empty for birthdays)."""
        import datetime

        from django.utils import timezone

        from visits.dates import yearly_dates

        today = timezone.localdate()
        end = today + datetime.timedelta(days=365)
        if obj.kind in (Occasion.Kind.LUNAR, Occasion.Kind.SOLAR):
            return [d.isoformat() for d in yearly_dates(obj.kind, obj.month, obj.day, today, end)]
        if obj.kind == Occasion.Kind.ONCE and obj.date and today <= obj.date <= end:
            return [obj.date.isoformat()]
        return []
