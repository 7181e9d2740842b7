"""The deals API's serializers; writes go through opportunities.services (which re-check
scope and the rules: amount, stage, loss reason, contacts of the deal's account)."""

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Competitor, Contact
from accounts.selectors import accounts_visible_to, contacts_visible_to
from crm.selectors import users_assignable_by, users_visible_to
from opportunities.models import (
    LossReason,
    Opportunity,
    OpportunityCompetitor,
    OpportunityContact,
    Stage,
)
from opportunities.services import opportunity_warnings


class StageSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = Stage
        fields = [
            "id",
            "code",
            "name",
            "name_en",
            "name_zh_hans",
            "position",
            "probability",
            "is_won",
            "is_lost",
            "is_active",
        ]
        read_only_fields = fields


class LossReasonSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = LossReason
        fields = ["id", "code", "name", "name_en", "name_zh_hans", "position", "is_active"]
        read_only_fields = fields


class VisibleContactField(serializers.PrimaryKeyRelatedField):
    """A contact the caller sees (one outside their book reads as a missing id)."""

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:
            return Contact.objects.none()
        return contacts_visible_to(request.user)


class OpportunityContactSerializer(serializers.Serializer):
    """A contact of the deal's account and their role in this deal."""

    contact = VisibleContactField(queryset=Contact.objects.none())
    role = serializers.ChoiceField(choices=OpportunityContact.Role.choices)


class OpportunitySerializer(serializers.ModelSerializer):
    win_probability = serializers.IntegerField(read_only=True)
    is_overdue = serializers.SerializerMethodField()
    warnings = serializers.SerializerMethodField()
    contacts = OpportunityContactSerializer(many=True, required=False, source="contact_roles")

    class Meta:
        model = Opportunity
        fields = [
            "id",
            "account",
            "name",
            "kind",
            "amount",
            "close_date",
            "stage",
            "probability",
            "win_probability",
            "category",
            "status",
            "owner",
            "source",
            "product_lines",
            "competitors",
            "next_step",
            "next_step_date",
            "next_step_commitment",
            "loss_reason",
            "close_note",
            "closed_on",
            "description",
            "contacts",
            "is_overdue",
            "warnings",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "status",
            "next_step_commitment",
            "closed_on",
            "created_by",
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
            # A new owner is someone the caller may assign to (reading, anyone they see).
            "owner": users_assignable_by(user)
            if request.method not in ("GET", "HEAD", "OPTIONS")
            else users_visible_to(user),
        }
        for name, queryset in scoped.items():
            field = self.fields.get(name)
            if field is not None and not field.read_only:
                field.queryset = queryset  # type: ignore[attr-defined]

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_is_overdue(self, obj: Opportunity) -> bool:
        """Open with an expected close date before today: allowed, but flagged."""
        return obj.is_overdue_on(timezone.localdate())

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_warnings(self, obj: Opportunity) -> list[str]:
        return opportunity_warnings(obj)


class OpportunityMoveSerializer(serializers.Serializer):
    """The board's move: to `stage`; to a lost stage with a `loss_reason`."""

    stage = serializers.PrimaryKeyRelatedField(queryset=Stage.objects.all())
    loss_reason = serializers.PrimaryKeyRelatedField(
        queryset=LossReason.objects.all(), required=False, allow_null=True
    )
    close_note = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class OpportunityCompetitorSerializer(serializers.Serializer):
    """One competitor in play on a deal. `result` is the effective outcome (read-only): the
    row's `outcome`, or, left `open` on a closed deal, the deal's result."""

    competitor = serializers.PrimaryKeyRelatedField(queryset=Competitor.objects.all())
    competitor_name = serializers.CharField(source="competitor.name", read_only=True)
    outcome = serializers.ChoiceField(
        choices=OpportunityCompetitor.Outcome.choices, default=OpportunityCompetitor.Outcome.OPEN
    )
    notes = serializers.CharField(max_length=500, allow_blank=True, required=False, default="")
    result = serializers.CharField(read_only=True)
