"""The tasks API's serializer (a task is a commitment); writes go through
commitments.services (which re-check scope)."""

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import serializers

from accounts.selectors import accounts_visible_to, contacts_visible_to
from commitments.models import Commitment
from crm.selectors import users_assignable_by, users_visible_to
from prospects.selectors import prospects_visible_to
from visits.selectors import reminders_visible_to


class TaskSerializer(serializers.ModelSerializer):
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Commitment
        fields = [
            "id",
            "account",
            "contact",
            "prospect",
            "title",
            "notes",
            "due_date",
            "due_time",
            "owner",
            "requested_by",
            "status",
            "done_at",
            "overdue",
            "source",
            "source_visit",
            "source_reminder",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "requested_by",
            "status",
            "done_at",
            "source",
            "source_visit",
            "created_at",
            "updated_at",
        ]
        # With `source_reminder` the account (and, unless given, the due date) is the
        # reminder's: neither is required then (validate).
        extra_kwargs = {
            "owner": {"required": False},
            "account": {"required": False},
            "due_date": {"required": False},
            "source_reminder": {
                "help_text": "On create: the caller's own reminder this task is made from; "
                "the account follows the reminder's, the due date defaults to its date. "
                "Fixed afterwards."
            },
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is None:
            return
        user = request.user
        scoped = {
            "account": accounts_visible_to(user),
            "contact": contacts_visible_to(user),
            "prospect": prospects_visible_to(user),
            "source_reminder": reminders_visible_to(user),
            # A new owner is someone the caller may assign to (reading, anyone they see).
            "owner": users_assignable_by(user)
            if request.method not in ("GET", "HEAD", "OPTIONS")
            else users_visible_to(user),
        }
        for name, queryset in scoped.items():
            field = self.fields.get(name)
            if field is not None and not field.read_only:
                field.queryset = queryset  # type: ignore[attr-defined]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None:
            if "source_reminder" in attrs:
                if attrs["source_reminder"] != self.instance.source_reminder:
                    raise serializers.ValidationError(
                        {"source_reminder": _("A task's reminder cannot be changed.")}
                    )
                del attrs["source_reminder"]
            return attrs
        reminder = attrs.get("source_reminder")
        required = _("This field is required.")
        if reminder is None:
            missing = [name for name in ("account", "due_date") if attrs.get(name) is None]
            if missing:
                raise serializers.ValidationError({name: required for name in missing})
        elif attrs.get("due_date") is None:
            attrs["due_date"] = reminder.date
        return attrs

    def get_overdue(self, obj: Commitment) -> bool:
        """Open and due before today (due today is due, not yet overdue)."""
        return obj.status == Commitment.Status.OPEN and obj.due_date < timezone.localdate()
