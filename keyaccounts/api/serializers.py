"""The key-account plans API's serializers; writes go through keyaccounts.services (which
re-check scope and validate)."""

from django.utils.translation import gettext as _
from rest_framework import serializers

from accounts.models import Contact
from accounts.selectors import accounts_visible_to, contacts_visible_to
from crm.models import User
from crm.selectors import users_assignable_by
from keyaccounts.models import KeyAccountPlan, PlanReview


class KeyAccountPlanSerializer(serializers.ModelSerializer):
    strengths = serializers.ListField(
        child=serializers.CharField(max_length=500), required=False, max_length=50
    )
    weaknesses = serializers.ListField(
        child=serializers.CharField(max_length=500), required=False, max_length=50
    )
    opportunities = serializers.ListField(
        child=serializers.CharField(max_length=500), required=False, max_length=50
    )
    threats = serializers.ListField(
        child=serializers.CharField(max_length=500), required=False, max_length=50
    )

    class Meta:
        model = KeyAccountPlan
        fields = [
            "id",
            "account",
            "year",
            "revenue_target",
            "share_target",
            "strengths",
            "weaknesses",
            "opportunities",
            "threats",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        # One plan per account and year is the service's rule (a clear error), not DRF's.
        validators: list = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["account"].queryset = accounts_visible_to(request.user)  # type: ignore[attr-defined]
        if self.instance is not None:
            # The year of a plan never changes (nor its account: validate_account).
            self.fields["year"].read_only = True

    def validate_account(self, account):
        """An account the caller sees (the field's queryset), and on an update the plan's own:
        naming another is a clear 400, never silently ignored."""
        if self.instance is not None and account != self.instance.account:
            raise serializers.ValidationError(_("The account of a plan cannot change."))
        return account


class PlanReviewSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlanReview
        fields = ["version", "note", "reviewed_by", "reviewed_at", "snapshot"]
        read_only_fields = fields


class ReviewRequestSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class GoalRequestSerializer(serializers.Serializer):
    contact = serializers.PrimaryKeyRelatedField(queryset=Contact.objects.none())
    goal_stance = serializers.ChoiceField(choices=Contact.Stance.choices)
    due_date = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["contact"].queryset = contacts_visible_to(request.user)  # type: ignore[attr-defined]


class ActionRequestSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=255)
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.none(), required=False)
    due_date = serializers.DateField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["owner"].queryset = users_assignable_by(request.user)  # type: ignore[attr-defined]


class ActionSerializer(serializers.Serializer):
    commitment = serializers.IntegerField()
    title = serializers.CharField()
    owner = serializers.IntegerField()
    due_date = serializers.DateField()
    status = serializers.CharField()
