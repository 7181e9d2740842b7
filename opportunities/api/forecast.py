"""`/api/v1/forecast/` and `/api/v1/forecast/performance/`: the forecast page's figures,
through the visibility rule (a team or owner the caller does not see answers 404; a bad
parameter 400 naming it)."""

from decimal import ROUND_HALF_EVEN, Context, Decimal

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from opportunities.forecast import Cell, changes_since, forecast, performance
from opportunities.forecast_params import ForecastParamsForm, forecast_params


def money(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=20, decimal_places=2, **kwargs)


COUNTS = frozenset({"deals", "won_count", "lost_count", "open_count"})
CENT = Decimal("0.01")
# DRF's DecimalField(max_digits=20, decimal_places=2) quantizes in such a context.
MONEY_CONTEXT = Context(prec=20, rounding=ROUND_HALF_EVEN)


def _money_text(value: Decimal | int) -> str:
    return format(Decimal(value).quantize(CENT, context=MONEY_CONTEXT), "f")


class CellSerializer(serializers.Serializer):
    deals = serializers.IntegerField(source="figures.deals")
    total = money(source="figures.total")
    won = money(source="figures.won")
    won_count = serializers.IntegerField(source="figures.won_count")
    lost = money(source="figures.lost")
    lost_count = serializers.IntegerField(source="figures.lost_count")
    open = money(source="figures.open")
    open_count = serializers.IntegerField(source="figures.open_count")
    commit = money(source="figures.commit")
    best_case = money(source="figures.best_case")
    pipeline = money(
        source="figures.pipeline_only", help_text="Open deals in the pipeline category."
    )
    omitted = money(source="figures.omitted")
    forecast_pipeline = money(source="figures.pipeline", help_text="commit + best_case + pipeline.")
    weighted = money(source="figures.weighted")
    target = money(allow_null=True)
    gap = money(allow_null=True)
    coverage = serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True)

    def to_representation(self, instance: Cell) -> dict:
        """What the declared fields give (counts as numbers, amounts as text to the cent, as
        DRF's DecimalField writes them), without looking each value up by its `source`
        field by field: a company's forecast has a thousand cells."""
        f = instance.figures
        values = (
            f.deals, f.total, f.won, f.won_count, f.lost, f.lost_count, f.open, f.open_count,
            f.commit, f.best_case, f.pipeline_only, f.omitted, f.pipeline, f.weighted,
            instance.target, instance.gap, instance.coverage,
        )  # fmt: skip
        return {
            name: None if value is None else int(value) if name in COUNTS else _money_text(value)
            for name, value in zip(self.fields, values, strict=True)
        }


class RepLineSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="key")
    name = serializers.CharField()
    months = CellSerializer(many=True)
    total = CellSerializer()


class TeamLineSerializer(RepLineSerializer):
    id = serializers.IntegerField(source="key", allow_null=True)
    reps = RepLineSerializer(many=True)


class CompanyLineSerializer(serializers.Serializer):
    months = CellSerializer(many=True)
    total = CellSerializer()


class ChangeRowSerializer(serializers.Serializer):
    kind = serializers.CharField()
    opportunity = serializers.IntegerField(source="opportunity_id")
    name = serializers.CharField()
    owner = serializers.IntegerField(source="owner_id")
    amount_then = money(allow_null=True)
    amount_now = money()
    close_date_then = serializers.DateField(allow_null=True)
    close_date_now = serializers.DateField()


class ChangeCountSerializer(serializers.Serializer):
    new = serializers.IntegerField()
    moved_in = serializers.IntegerField()
    slipped_out = serializers.IntegerField()
    amount_changed = serializers.IntegerField()
    lost = serializers.IntegerField()


class ChangeAmountSerializer(serializers.Serializer):
    new = money()
    moved_in = money()
    slipped_out = money()
    amount_changed = money()
    lost = money()


class ChangesSerializer(serializers.Serializer):
    since = serializers.DateTimeField()
    counts = ChangeCountSerializer()
    amounts = ChangeAmountSerializer()
    rows = ChangeRowSerializer(many=True)


class ForecastSerializer(serializers.Serializer):
    period = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField(help_text="The first day after the period.")
    months = serializers.ListField(child=serializers.DateField())
    company = CompanyLineSerializer()
    teams = TeamLineSerializer(many=True)
    changes = ChangesSerializer()


class RepPerformanceSerializer(serializers.Serializer):
    owner = serializers.IntegerField(source="owner_id")
    name = serializers.CharField()
    won = serializers.IntegerField()
    lost = serializers.IntegerField()
    won_amount = money()
    win_rate = serializers.DecimalField(max_digits=6, decimal_places=4, allow_null=True)
    average_deal = money(allow_null=True)
    cycle_days = serializers.DecimalField(max_digits=10, decimal_places=1, allow_null=True)


class TotalPerformanceSerializer(RepPerformanceSerializer):
    owner = None  # type: ignore[assignment]
    name = None  # type: ignore[assignment]


class FunnelStepSerializer(serializers.Serializer):
    stage = serializers.IntegerField(source="stage_id")
    name = serializers.CharField()
    reached = serializers.IntegerField()
    share = serializers.DecimalField(max_digits=6, decimal_places=4, allow_null=True)


class PerformanceSerializer(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    reps = RepPerformanceSerializer(many=True)
    total = TotalPerformanceSerializer()
    created = serializers.IntegerField(help_text="Deals created in the window.")
    funnel = FunnelStepSerializer(many=True)


def _parameters(names: list[str]) -> list[OpenApiParameter]:
    form = ForecastParamsForm()
    types = {"team": OpenApiTypes.INT, "owner": OpenApiTypes.INT, "period": OpenApiTypes.STR}
    parameters = []
    for name in names:
        kind = types.get(name, OpenApiTypes.DATE)
        enum = ["month", "quarter"] if name == "period" else None
        parameters.append(
            OpenApiParameter(name, kind, description=str(form.fields[name].label), enum=enum)
        )
    return parameters


def _params(request):
    form, params, found = forecast_params(request.user, request.query_params)
    if not found:
        raise Http404
    if params is None:
        raise serializers.ValidationError(
            {name: [str(e) for e in errors] for name, errors in form.errors.items()}
        )
    return params


class ForecastView(APIView):
    """The forecast of a month or quarter (`period`, `period_start`: any day of it) per rep,
    team and company against the revenue targets, and what changed since `since`; `team`,
    `owner` narrow it."""

    @extend_schema(
        parameters=_parameters(["period", "period_start", "team", "owner", "since"]),
        responses=ForecastSerializer,
    )
    def get(self, request):
        params = _params(request)
        result = forecast(params.population, period=params.period, day=params.day)
        changes = changes_since(
            params.population, period=params.period, day=params.day, since=params.since
        )
        data = {
            "period": result.period,
            "start": result.start,
            "end": result.end,
            "months": result.months,
            "company": result.company,
            "teams": result.teams,
            "changes": changes,
        }
        return Response(ForecastSerializer(data).data)


class PerformanceView(APIView):
    """Win rate, average deal size and cycle length per owner of the deals closed from
    `date_from` to `date_to`, and the stage funnel of the deals created then."""

    @extend_schema(
        parameters=_parameters(["date_from", "date_to", "team", "owner"]),
        responses=PerformanceSerializer,
    )
    def get(self, request):
        params = _params(request)
        result = performance(params.population, date_from=params.date_from, date_to=params.date_to)
        return Response(PerformanceSerializer(result).data)
