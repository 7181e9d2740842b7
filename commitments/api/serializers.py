"""The tasks API's serializer (a task is a commitment); writes go through
commitments.services (which re-check scope)."""

from django.utils import timezone
from rest_framework import serializers

from accounts.selectors import accounts_visible_to, contacts_visible_to
from commitments.models import Commitment
from crm.selectors import users_assignable_by, users_visible_to
from prospects.selectors import prospects_visible_to


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
            "source_reminder",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {"owner": {"required": False}}

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
            # A new owner is someone the caller may assign to (reading, anyone they see).
            "owner": users_assignable_by(user)
            if request.method not in ("GET", "HEAD", "OPTIONS")
            else users_visible_to(user),
        }
        for name, queryset in scoped.items():
            field = self.fields.get(name)
            if field is not None and not field.read_only:
                field.queryset = queryset  # type: ignore[attr-defined]

    def get_overdue(self, obj: Commitment) -> bool:
        """Open and due before today (due today is due, not yet overdue)."""
        return obj.status == Commitment.Status.OPEN and obj.due_date < timezone.localdate()
