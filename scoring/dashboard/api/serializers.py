"""Shapes of the dashboard API: one serializer per figure, over the records of
`scoring.dashboard.figures` (read by their API names; these serializers are the API's contract
and its OpenAPI schema, so they state the decimal places of every number). Money and shares are
decimal strings; shares are fractions (0.8 = 80%) and null where the whole they divide is zero."""

from rest_framework import serializers


def _money(**kwargs):
    return serializers.DecimalField(max_digits=20, decimal_places=2, **kwargs)


def _share(**kwargs):
    return serializers.DecimalField(max_digits=20, decimal_places=6, allow_null=True, **kwargs)


def _effort(**kwargs):
    return serializers.DecimalField(max_digits=24, decimal_places=4, **kwargs)


class DashboardPeriodSerializer(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    days = serializers.IntegerField()
    previous_from = serializers.DateField()
    previous_to = serializers.DateField()


class DashboardRunInfoSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    as_of = serializers.DateField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)


def _run():
    return DashboardRunInfoSerializer(
        allow_null=True, help_text="the tier run read; null before the first"
    )


class DashboardCountChangeSerializer(serializers.Serializer):
    current = serializers.IntegerField()
    previous = serializers.IntegerField()
    change = serializers.IntegerField()
    change_share = _share()


class DashboardMoneyChangeSerializer(serializers.Serializer):
    current = _money()
    previous = _money()
    change = _money()
    change_share = _share()


class DashboardKpisSerializer(serializers.Serializer):
    period = DashboardPeriodSerializer()
    customers = DashboardCountChangeSerializer()
    average_purchase = DashboardMoneyChangeSerializer()
    sales = DashboardMoneyChangeSerializer()


class DashboardTierRowSerializer(serializers.Serializer):
    tier = serializers.CharField()
    accounts = serializers.IntegerField()
    revenue = _money()
    revenue_share = _share()
    customer_share = _share()


class DashboardMoverSerializer(serializers.Serializer):
    account = serializers.IntegerField()
    name = serializers.CharField()
    tier = serializers.CharField(allow_blank=True)
    previous_tier = serializers.CharField(allow_blank=True)
    direction = serializers.ChoiceField(choices=["up", "down"])


class DashboardTiersSerializer(serializers.Serializer):
    run = _run()
    customers = serializers.IntegerField()
    total_revenue = _money()
    untiered = serializers.IntegerField()
    moved_up = serializers.IntegerField()
    moved_down = serializers.IntegerField()
    tiers = DashboardTierRowSerializer(many=True)
    movers = DashboardMoverSerializer(many=True)


class DashboardParetoPointSerializer(serializers.Serializer):
    customers = serializers.DecimalField(max_digits=14, decimal_places=2)
    customer_share = _share()
    revenue = _money()
    revenue_share = _share()
    mark = serializers.CharField(allow_blank=True, help_text='"20", "80", "20,80" or empty')


class DashboardParetoSerializer(serializers.Serializer):
    run = _run()
    customers = serializers.IntegerField()
    total_revenue = _money()
    top20_share = _share()
    customers_to_80 = serializers.IntegerField()
    customers_to_80_share = _share()
    points = DashboardParetoPointSerializer(many=True)


class DashboardQuadrantCellSerializer(serializers.Serializer):
    quadrant = serializers.IntegerField()
    label = serializers.CharField()  # type: ignore[assignment]  # the API field, not Field.label
    accounts = serializers.IntegerField()
    account_share = _share()
    input = _effort()
    output = _money()


class DashboardScatterPointSerializer(serializers.Serializer):
    account = serializers.IntegerField()
    name = serializers.CharField()
    input = _effort()
    output = _money()
    quadrant = serializers.IntegerField()


class DashboardThresholdsSerializer(serializers.Serializer):
    input = _effort(allow_null=True)
    output = _effort(allow_null=True)


class DashboardQuadrantsSerializer(serializers.Serializer):
    run = _run()
    output_measure = serializers.CharField()
    thresholds = DashboardThresholdsSerializer()
    cells = DashboardQuadrantCellSerializer(many=True)
    points = DashboardScatterPointSerializer(many=True)
    points_total = serializers.IntegerField()


class DashboardPriorityCellSerializer(serializers.Serializer):
    priority = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # the API field, not Field.label
    accounts = serializers.IntegerField()
    revenue = _money()


class DashboardPrioritySerializer(serializers.Serializer):
    run = _run()
    cells = DashboardPriorityCellSerializer(many=True)


class DashboardEffortTierSerializer(serializers.Serializer):
    tier = serializers.CharField(allow_blank=True, help_text='"A", "B", "C"; empty: untiered')
    visits = serializers.IntegerField()
    hours = _money()
    visit_share = _share()
    hours_share = _share()
    revenue_share = _share()


class DashboardEffortRepSerializer(serializers.Serializer):
    owner_id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()
    visits = serializers.IntegerField()
    hours = _money()
    a_time_share = _share()
    a_revenue_share = _share()
    gap = serializers.DecimalField(max_digits=20, decimal_places=6, allow_null=True)
    flagged = serializers.BooleanField()


class DashboardEffortSerializer(serializers.Serializer):
    period = DashboardPeriodSerializer()
    gap_limit = serializers.DecimalField(max_digits=7, decimal_places=6)
    total_visits = serializers.IntegerField()
    total_hours = _money()
    tiers = DashboardEffortTierSerializer(many=True)
    reps = DashboardEffortRepSerializer(many=True)


class DashboardPipelineRepSerializer(serializers.Serializer):
    owner_id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()
    team_id = serializers.IntegerField(allow_null=True)
    green = serializers.IntegerField()
    yellow = serializers.IntegerField()
    red = serializers.IntegerField()
    open = serializers.IntegerField()
    accounts = serializers.IntegerField()
    share = serializers.IntegerField()
    below = serializers.BooleanField()
    shortfall = serializers.IntegerField()


class DashboardWorksheetScoreSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    accounts = serializers.IntegerField()


class DashboardAccountLineSerializer(serializers.Serializer):
    account = serializers.IntegerField()
    name = serializers.CharField()
    owner = serializers.CharField()


class DashboardMissingDecisionMakerSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    accounts = DashboardAccountLineSerializer(many=True)


class DashboardPipelineTeamSerializer(serializers.Serializer):
    team_id = serializers.IntegerField()
    name = serializers.CharField()
    minimum = serializers.IntegerField()
    open = serializers.IntegerField()
    below = serializers.BooleanField()
    shortfall = serializers.IntegerField()


class DashboardPipelineSerializer(serializers.Serializer):
    teams = DashboardPipelineTeamSerializer(many=True)
    teams_below = serializers.IntegerField()
    reps = DashboardPipelineRepSerializer(many=True)
    reps_below = serializers.IntegerField()
    worksheet_scores = DashboardWorksheetScoreSerializer(many=True)
    a_without_decision_maker = DashboardMissingDecisionMakerSerializer()


class DashboardPlanAdherenceSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    planned = serializers.IntegerField()
    done = serializers.IntegerField()
    open = serializers.IntegerField()
    overdue = serializers.IntegerField()
    overdue_a = serializers.IntegerField()
    done_share = serializers.DecimalField(max_digits=7, decimal_places=3, allow_null=True)


class DashboardPlansSerializer(serializers.Serializer):
    week = DashboardPlanAdherenceSerializer()
    month = DashboardPlanAdherenceSerializer()


class DashboardTouchRowSerializer(serializers.Serializer):
    date = serializers.DateField()
    occasion_code = serializers.CharField()
    occasion = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    count = serializers.IntegerField()


class DashboardTouchesSerializer(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    total = serializers.IntegerField()
    rows = DashboardTouchRowSerializer(many=True)


class DashboardGrowthChannelSerializer(serializers.Serializer):
    channel = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # the API field, not Field.label
    new_customers = serializers.IntegerField()
    new_revenue = _money()
    existing_customers = serializers.IntegerField()
    existing_revenue = _money()
    existing_previous_revenue = _money()
    existing_change = _money()
    lapsed_customers = serializers.IntegerField()
    lapsed_previous_revenue = _money()


class DashboardGrowthSerializer(serializers.Serializer):
    period = DashboardPeriodSerializer()
    channels = DashboardGrowthChannelSerializer(many=True)


class DashboardFigureLinkSerializer(serializers.Serializer):
    name = serializers.CharField()
    url = serializers.CharField()


class DashboardIndexSerializer(serializers.Serializer):
    figures = DashboardFigureLinkSerializer(many=True)


SERIALIZERS = {
    "kpis": DashboardKpisSerializer,
    "tiers": DashboardTiersSerializer,
    "pareto": DashboardParetoSerializer,
    "quadrants": DashboardQuadrantsSerializer,
    "priority": DashboardPrioritySerializer,
    "effort": DashboardEffortSerializer,
    "pipeline": DashboardPipelineSerializer,
    "plans": DashboardPlansSerializer,
    "touches": DashboardTouchesSerializer,
    "growth": DashboardGrowthSerializer,
}
