"""Read shapes of the scoring API. Money and shares are decimal strings; shares are fractions
(0.8 = 80%)."""

from rest_framework import serializers

from scoring.models import Method, TierRun, TierSnapshot

MOVEMENTS = {1: "up", 0: "same", -1: "down"}


def _money(**kwargs):
    return serializers.DecimalField(max_digits=20, decimal_places=2, **kwargs)


def _share(**kwargs):
    return serializers.DecimalField(max_digits=7, decimal_places=6, **kwargs)


class RunInfoSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    as_of = serializers.DateField()
    window_days = serializers.IntegerField(allow_null=True)
    method = serializers.CharField()
    a_cutoff = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    b_cutoff = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    finished_at = serializers.DateTimeField()


class TierRowSerializer(serializers.ModelSerializer):
    """An account's figures in the latest run."""

    account = serializers.IntegerField(source="account_id")
    account_name = serializers.CharField(source="account.name")
    owner = serializers.IntegerField(source="account.owner_id")
    movement = serializers.SerializerMethodField()

    class Meta:
        model = TierSnapshot
        fields = [
            "account",
            "account_name",
            "owner",
            "run",
            "tier",
            "previous_tier",
            "movement",
            "position",
            "revenue",
            "share",
            "share_before",
            "cumulative_share",
            "quadrant",
            "priority",
            "input_score",
            "output_value",
            "potential_score",
            "revenue_potential",
        ]
        read_only_fields = fields

    def get_movement(self, obj) -> str:
        return MOVEMENTS[obj.movement]


class TierHistoryRowSerializer(serializers.ModelSerializer):
    as_of = serializers.DateField(source="run.as_of")
    method = serializers.CharField(source="run.method")
    movement = serializers.SerializerMethodField()

    class Meta:
        model = TierSnapshot
        fields = [
            "run",
            "as_of",
            "method",
            "tier",
            "previous_tier",
            "movement",
            "position",
            "revenue",
            "share",
            "cumulative_share",
            "quadrant",
            "priority",
        ]
        read_only_fields = fields

    def get_movement(self, obj) -> str:
        return MOVEMENTS[obj.movement]


class AccountTierSerializer(serializers.Serializer):
    account = serializers.IntegerField()
    account_name = serializers.CharField()
    tier = serializers.CharField()
    tier_updated_at = serializers.DateTimeField(allow_null=True)
    history = TierHistoryRowSerializer(many=True)


class ParetoPointSerializer(serializers.Serializer):
    customers = serializers.DecimalField(max_digits=12, decimal_places=2)
    customer_share = _share()
    revenue = _money()
    revenue_share = _share()
    mark = serializers.CharField(help_text='"20", "80", "20,80" or empty')


class ParetoSerializer(serializers.Serializer):
    run = RunInfoSerializer()
    customers = serializers.IntegerField()
    total_revenue = _money()
    top20_share = _share()
    customers_to_80 = serializers.IntegerField()
    customers_to_80_share = _share()
    points = ParetoPointSerializer(many=True)


class QuadrantCellSerializer(serializers.Serializer):
    quadrant = serializers.IntegerField()
    label = serializers.CharField()  # type: ignore[assignment]  # the API field, not Field.label
    high_output = serializers.BooleanField()
    high_input = serializers.BooleanField()
    accounts = serializers.IntegerField()
    account_share = _share()
    input = serializers.DecimalField(max_digits=20, decimal_places=4)
    input_share = _share()
    output = _money()
    output_share = _share()


class QuadrantThresholdsSerializer(serializers.Serializer):
    input = serializers.DecimalField(max_digits=20, decimal_places=4, allow_null=True)
    output = _money(allow_null=True)


class QuadrantsSerializer(serializers.Serializer):
    run = RunInfoSerializer()
    cells = QuadrantCellSerializer(many=True)
    thresholds = QuadrantThresholdsSerializer()
    settings = serializers.DictField()


class PriorityCellSerializer(serializers.Serializer):
    priority = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # the API field, not Field.label
    high_potential = serializers.BooleanField()
    high_current = serializers.BooleanField()
    accounts = serializers.IntegerField()
    account_share = _share()
    revenue = _money()


class PriorityThresholdsSerializer(serializers.Serializer):
    revenue = _money(allow_null=True)
    potential = _money(allow_null=True)
    worksheet_min = serializers.IntegerField()


class PrioritySerializer(serializers.Serializer):
    run = RunInfoSerializer()
    cells = PriorityCellSerializer(many=True)
    thresholds = PriorityThresholdsSerializer()


class TierFigureRowSerializer(serializers.Serializer):
    tier = serializers.CharField()
    accounts = serializers.IntegerField()
    customer_share = _share()
    revenue = _money()
    revenue_share = _share()
    input_share = _share()


class TierFiguresSerializer(serializers.Serializer):
    customers = serializers.IntegerField()
    total_revenue = _money()
    untiered = serializers.IntegerField()
    moved_up = serializers.IntegerField()
    moved_down = serializers.IntegerField()
    tiers = TierFigureRowSerializer(many=True)


class RunSerializer(serializers.ModelSerializer):
    # Blank until a queued run starts and takes the method from the settings.
    method = serializers.ChoiceField(choices=Method.choices, allow_blank=True, read_only=True)

    class Meta:
        model = TierRun
        fields = [
            "id",
            "status",
            "trigger",
            "actor",
            "previous_run",
            "as_of",
            "window_days",
            "date_from",
            "method",
            "a_cutoff",
            "b_cutoff",
            "created_at",
            "started_at",
            "finished_at",
            "error",
        ]
        read_only_fields = fields


class CompanyFiguresSerializer(serializers.Serializer):
    customers = serializers.IntegerField()
    total_revenue = _money()
    changed_count = serializers.IntegerField()
    moved_up = serializers.IntegerField()
    moved_down = serializers.IntegerField()
    customers_to_80 = serializers.IntegerField()
    top20_share = _share()


class RunDetailSerializer(RunSerializer):
    """A run with the figures of the caller's own accounts; company-wide figures for admins."""

    figures = serializers.SerializerMethodField()
    company = serializers.SerializerMethodField()

    class Meta(RunSerializer.Meta):
        fields = [*RunSerializer.Meta.fields, "figures", "company"]
        read_only_fields = fields

    # drf-spectacular reads the serializer of these fields from the return annotation.
    def get_figures(self, obj) -> TierFiguresSerializer(allow_null=True):  # type: ignore[valid-type]
        figures = self.context.get("figures")
        return None if figures is None else TierFiguresSerializer(figures).data

    def get_company(self, obj) -> CompanyFiguresSerializer(allow_null=True):  # type: ignore[valid-type]
        request = self.context.get("request")
        if obj.status != TierRun.Status.SUCCEEDED or not request or not request.user.is_admin:
            return None
        return CompanyFiguresSerializer(obj).data
