"""Shapes of the prospects API. Writes go through prospects.services (which re-check scope)."""

from rest_framework import serializers

from prospects.models import CRITERIA, Colour, Prospect, SubStage, Worksheet


class ProspectSerializer(serializers.ModelSerializer):
    account_name = serializers.CharField(source="account.name", read_only=True)
    owner = serializers.IntegerField(source="account.owner_id", read_only=True)
    segment = serializers.CharField(read_only=True)
    revived_old_contact = serializers.BooleanField(source="is_revived_old_contact", read_only=True)
    score = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = Prospect
        fields = [
            "id",
            "account",
            "account_name",
            "owner",
            "colour",
            "sub_stage",
            "colour_changed_at",
            "won_at",
            "decision",
            "decision_reason",
            "decided_at",
            "decided_by",
            "competitor_loyalty",
            "loyalty_override_reason",
            "segment",
            "source",
            "revived_old_contact",
            "score",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ProspectCreateSerializer(serializers.Serializer):
    account = serializers.IntegerField()
    colour = serializers.ChoiceField(choices=Colour.choices, required=False)
    sub_stage = serializers.PrimaryKeyRelatedField(
        queryset=SubStage.objects.filter(is_active=True), required=False, allow_null=True
    )
    competitor_loyalty = serializers.ChoiceField(
        choices=Prospect.Loyalty.choices, required=False, allow_blank=True
    )
    loyalty_override_reason = serializers.CharField(
        required=False, allow_blank=True, max_length=2000
    )
    # The API field, not Field.source.
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=Prospect.Source.choices, required=False
    )
    notes = serializers.CharField(required=False, allow_blank=True)


class ProspectUpdateSerializer(serializers.Serializer):
    sub_stage = serializers.PrimaryKeyRelatedField(
        queryset=SubStage.objects.filter(is_active=True), required=False, allow_null=True
    )
    competitor_loyalty = serializers.ChoiceField(
        choices=Prospect.Loyalty.choices, required=False, allow_blank=True
    )
    loyalty_override_reason = serializers.CharField(
        required=False, allow_blank=True, max_length=2000
    )
    # The API field, not Field.source.
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=Prospect.Source.choices, required=False
    )
    notes = serializers.CharField(required=False, allow_blank=True)


class MoveSerializer(serializers.Serializer):
    colour = serializers.ChoiceField(choices=Colour.choices)
    sub_stage = serializers.PrimaryKeyRelatedField(
        queryset=SubStage.objects.filter(is_active=True), required=False, allow_null=True
    )


class DecideSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Prospect.Decision.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ReviveSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(
        choices=Prospect.Decision.choices,
        default=Prospect.Decision.KEEP_VISITING,
        help_text="keep_visiting or dont_give_up",
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class PipelineCountSerializer(serializers.Serializer):
    owner_id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()
    team_id = serializers.IntegerField(allow_null=True)
    green = serializers.IntegerField()
    yellow = serializers.IntegerField()
    red = serializers.IntegerField()
    open = serializers.IntegerField()
    accounts = serializers.IntegerField(help_text="Accounts the rep owns.")
    share = serializers.IntegerField(
        help_text="Open prospects the rep should hold: their accounts times the ratio (per "
        "industry where an admin set one), rounded up."
    )
    below = serializers.BooleanField()
    shortfall = serializers.IntegerField()


class WorksheetSerializer(serializers.ModelSerializer):
    def get_fields(self):
        fields = super().get_fields()
        for c in CRITERIA:
            fields[c.field] = serializers.IntegerField(read_only=True, help_text=str(c.label))
        return fields

    class Meta:
        model = Worksheet
        fields = [
            "id",
            "account",
            "author",
            "filled_at",
            *[name for c in CRITERIA for name in (c.field, c.note_field)],
            "total",
            "is_current",
        ]
        read_only_fields = fields


class WorksheetCreateSerializer(serializers.Serializer):
    """Seven scores, each exactly 0 or 1, and optional notes (`<criterion>_note`)."""

    account = serializers.IntegerField()

    def get_fields(self):
        fields = super().get_fields()
        for c in CRITERIA:
            fields[c.field] = serializers.IntegerField(
                min_value=0, max_value=1, help_text=f"{c.label}: 1 or 0"
            )
            fields[c.note_field] = serializers.CharField(
                required=False, allow_blank=True, max_length=500, default=""
            )
        return fields


class CompareColumnSerializer(serializers.Serializer):
    account = serializers.IntegerField()
    account_name = serializers.CharField()
    worksheet = serializers.IntegerField(allow_null=True)
    filled_at = serializers.DateTimeField(allow_null=True)
    total = serializers.IntegerField(allow_null=True)
    rank = serializers.IntegerField(allow_null=True)


class CompareRowSerializer(serializers.Serializer):
    criterion = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # the API field, not Field.label
    scores = serializers.ListField(child=serializers.IntegerField(allow_null=True))
    notes = serializers.ListField(child=serializers.CharField())


class CompareSerializer(serializers.Serializer):
    columns = CompareColumnSerializer(many=True)
    rows = CompareRowSerializer(many=True)
