"""Shapes of the dashboard API: one serializer per figure, over the plain data of
`scoring.dashboard.selectors`. Money and shares are decimal strings; shares are fractions
(0.8 = 80%) and null where the whole they divide is zero."""

from rest_framework import serializers


def _money(**kwargs):
    return serializers.DecimalField(max_digits=20, decimal_places=2, **kwargs)


def _share(**kwargs):
    return serializers.DecimalField(max_digits=20, decimal_places=6, allow_null=True, **kwargs)


def _effort(**kwargs):
    return serializers.DecimalField(max_digits=24, decimal_places=4, **kwargs)


class PeriodSerializer(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    days = serializers.IntegerField()
    previous_from = serializers.DateField()
    previous_to = serializers.DateField()


class RunInfoSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    as_of = serializers.DateField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)


def _run():
    return RunInfoSerializer(allow_null=True, help_text="the tier run read; null before the first")


class CountChangeSerializer(serializers.Serializer):
    current = serializers.IntegerField()
    previous = serializers.IntegerField()
    change = serializers.IntegerField()
    change_share = _share()


class MoneyChangeSerializer(serializers.Serializer):
    current = _money()
    previous = _money()
    change = _money()
    change_share = _share()


class KpisSerializer(serializers.Serializer):
    period = PeriodSerializer()
    customers = CountChangeSerializer()
    average_purchase = MoneyChangeSerializer()
    sales = MoneyChangeSerializer()


class TierRowSerializer(serializers.Serializer):
    tier = serializers.CharField()
    accounts = serializers.IntegerField()
    revenue = _money()
    revenue_share = _share()
    customer_share = _share()


class MoverSerializer(serializers.Serializer):
    account = serializers.IntegerField()
    name = serializers.CharField()
    tier = serializers.CharField(allow_blank=True)
    previous_tier = serializers.CharField(allow_blank=True)
    direction = serializers.ChoiceField(choices=["up", "down"])


class TiersSerializer(serializers.Serializer):
    run = _run()
    customers = serializers.IntegerField()
    total_revenue = _money()
    untiered = serializers.IntegerField()
    moved_up = serializers.IntegerField()
    moved_down = serializers.IntegerField()
    tiers = TierRowSerializer(many=True)
    movers = MoverSerializer(many=True)


class ParetoPointSerializer(serializers.Serializer):
    customers = serializers.DecimalField(max_digits=14, decimal_places=2)
    customer_share = _share()
    revenue = _money()
    revenue_share = _share()
    mark = serializers.CharField(allow_blank=True, help_text='"20", "80", "20,80" or empty')


class ParetoSerializer(serializers.Serializer):
    run = _run()
    customers = serializers.IntegerField()
    total_revenue = _money()
    top20_share = _share()
    customers_to_80 = serializers.IntegerField()
    customers_to_80_share = _share()
    points = ParetoPointSerializer(many=True)


class QuadrantCellSerializer(serializers.Serializer):
    quadrant = serializers.IntegerField()
    label = serializers.CharField()
    accounts = serializers.IntegerField()
    account_share = _share()
    input = _effort()
    output = _money()


class ScatterPointSerializer(serializers.Serializer):
    account = serializers.IntegerField()
    name = serializers.CharField()
    input = _effort()
    output = _money()
    quadrant = serializers.IntegerField()


class ThresholdsSerializer(serializers.Serializer):
    input = _effort(allow_null=True)
    output = _effort(allow_null=True)


class QuadrantsSerializer(serializers.Serializer):
    run = _run()
    output_measure = serializers.CharField()
    thresholds = ThresholdsSerializer()
    cells = QuadrantCellSerializer(many=True)
    points = ScatterPointSerializer(many=True)
    points_total = serializers.IntegerField()


class PriorityCellSerializer(serializers.Serializer):
    priority = serializers.CharField()
    label = serializers.CharField()
    accounts = serializers.IntegerField()
    revenue = _money()


class PrioritySerializer(serializers.Serializer):
    run = _run()
    cells = PriorityCellSerializer(many=True)


class EffortTierSerializer(serializers.Serializer):
    tier = serializers.CharField(allow_blank=True, help_text='"A", "B", "C"; empty: untiered')
    visits = serializers.IntegerField()
    hours = _money()
    visit_share = _share()
    hours_share = _share()
    revenue_share = _share()


class EffortRepSerializer(serializers.Serializer):
    owner_id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()
    visits = serializers.IntegerField()
    hours = _money()
    a_time_share = _share()
    a_revenue_share = _share()
    gap = serializers.DecimalField(max_digits=20, decimal_places=6, allow_null=True)
    flagged = serializers.BooleanField()


class EffortSerializer(serializers.Serializer):
    period = PeriodSerializer()
    gap_limit = serializers.DecimalField(max_digits=7, decimal_places=6)
    total_visits = serializers.IntegerField()
    total_hours = _money()
    tiers = EffortTierSerializer(many=True)
    reps = EffortRepSerializer(many=True)


class PipelineRepSerializer(serializers.Serializer):
    owner_id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()
    team_id = serializers.IntegerField(allow_null=True)
    green = serializers.IntegerField()
    yellow = serializers.IntegerField()
    red = serializers.IntegerField()
    open = serializers.IntegerField()
    minimum = serializers.IntegerField()
    below = serializers.BooleanField()
    shortfall = serializers.IntegerField()


class WorksheetScoreSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    accounts = serializers.IntegerField()


class AccountLineSerializer(serializers.Serializer):
    account = serializers.IntegerField()
    name = serializers.CharField()
    owner = serializers.CharField()


class MissingDecisionMakerSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    accounts = AccountLineSerializer(many=True)


class PipelineSerializer(serializers.Serializer):
    minimum = serializers.IntegerField()
    reps = PipelineRepSerializer(many=True)
    reps_below = serializers.IntegerField()
    worksheet_scores = WorksheetScoreSerializer(many=True)
    a_without_decision_maker = MissingDecisionMakerSerializer()


class PlanAdherenceSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    planned = serializers.IntegerField()
    done = serializers.IntegerField()
    open = serializers.IntegerField()
    overdue = serializers.IntegerField()
    overdue_a = serializers.IntegerField()
    done_share = serializers.DecimalField(max_digits=7, decimal_places=3, allow_null=True)


class PlansSerializer(serializers.Serializer):
    week = PlanAdherenceSerializer()
    month = PlanAdherenceSerializer()


class TouchRowSerializer(serializers.Serializer):
    date = serializers.DateField()
    occasion_code = serializers.CharField()
    occasion = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    count = serializers.IntegerField()


class TouchesSerializer(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    total = serializers.IntegerField()
    rows = TouchRowSerializer(many=True)


class GrowthChannelSerializer(serializers.Serializer):
    channel = serializers.CharField()
    label = serializers.CharField()
    new_customers = serializers.IntegerField()
    new_revenue = _money()
    existing_customers = serializers.IntegerField()
    existing_revenue = _money()
    existing_previous_revenue = _money()
    existing_change = _money()
    lapsed_customers = serializers.IntegerField()
    lapsed_previous_revenue = _money()


class GrowthSerializer(serializers.Serializer):
    period = PeriodSerializer()
    channels = GrowthChannelSerializer(many=True)


class FigureLinkSerializer(serializers.Serializer):
    name = serializers.CharField()
    url = serializers.CharField()


class IndexSerializer(serializers.Serializer):
    figures = FigureLinkSerializer(many=True)


SERIALIZERS = {
    "kpis": KpisSerializer,
    "tiers": TiersSerializer,
    "pareto": ParetoSerializer,
    "quadrants": QuadrantsSerializer,
    "priority": PrioritySerializer,
    "effort": EffortSerializer,
    "pipeline": PipelineSerializer,
    "plans": PlansSerializer,
    "touches": TouchesSerializer,
    "growth": GrowthSerializer,
}
