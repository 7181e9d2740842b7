"""The tier-drop forecast API (`/api/v1/scoring/forecast/`): the caller's A and B accounts
only (accounts.selectors.account_scope_q), ranked on the whole company's revenue."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import APIView

from health.api.serializers import TierForecastQuerySerializer, TierForecastSerializer
from health.views import forecast_rows


class ForecastView(APIView):
    """For every account now A or B in the caller's book: the chance that it is in a lower
    tier at as-of + horizon, the predicted tier and the reasons; likeliest drops first."""

    @extend_schema(
        parameters=[
            OpenApiParameter("as_of", str, description="YYYY-MM-DD (default today)"),
            OpenApiParameter("horizon_days", int, description="1 to 730 (default 90)"),
            OpenApiParameter("tier", str, enum=["A", "B"], description="only this tier now"),
        ],
        responses=TierForecastSerializer,
    )
    def get(self, request):
        query = TierForecastQuerySerializer(data=request.query_params)
        if not query.is_valid():
            raise exceptions.ValidationError(query.errors)
        data = query.validated_data
        params, rows = forecast_rows(
            request.user,
            as_of=data.get("as_of"),
            horizon_days=data.get("horizon_days"),
            tier=data.get("tier", ""),
        )
        return Response(
            TierForecastSerializer(
                {
                    "as_of": params.as_of,
                    "horizon_days": params.horizon_days,
                    "count": len(rows),
                    "results": rows,
                }
            ).data
        )
