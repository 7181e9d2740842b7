"""Serializers of the visits API; writes go through visits.services (which re-check scope)."""

from typing import Any

from rest_framework import serializers

from accounts.selectors import accounts_visible_to, contacts_visible_to
from visits.models import ROLE_CHOICES, TIER_CHOICES, Occasion, Reminder, Touch, Visit, VisitPlan
from visits.selectors import plans_in_book_for, reminder_text


def _scoped(serializer, field: str, queryset_for) -> None:
    request = serializer.context.get("request")
    if request is not None and field in serializer.fields:
        target = serializer.fields[field]
        target = getattr(target, "child_relation", target)
        target.queryset = queryset_for(request.user)


class VisitSerializer(serializers.ModelSerializer):
    hours = serializers.DecimalField(max_digits=6, decimal_places=2, read_only=True)

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
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["logged_by", "created_at", "updated_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _scoped(self, "account", accounts_visible_to)
        _scoped(self, "contacts", contacts_visible_to)
        _scoped(self, "plan", plans_in_book_for)


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
        ]
        read_only_fields = ["created_by", "created_at"]

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
