from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import APIView

from salesmap.api.serializers import MapAccountsSerializer
from salesmap.filters import MapFilter
from salesmap.selectors import map_accounts, map_accounts_base


class MapAccountsView(APIView):
    """The located accounts of the caller's book for the sales map (at most `limit`; A first),
    with how many matching accounts have no location."""

    @extend_schema(
        parameters=[
            OpenApiParameter("rep", OpenApiTypes.INT, description="the owner's user id"),
            OpenApiParameter("territory", OpenApiTypes.INT, description="a territory id"),
            OpenApiParameter("tier", OpenApiTypes.STR, enum=["A", "B", "C", "none"]),
            OpenApiParameter(
                "due", OpenApiTypes.BOOL, description="due by cadence and not planned"
            ),
        ],
        responses=MapAccountsSerializer,
    )
    def get(self, request):
        filterset = MapFilter(
            request.query_params, queryset=map_accounts_base(request.user), request=request
        )
        if not filterset.is_valid():
            raise exceptions.ValidationError(filterset.errors)
        data = map_accounts(filterset.qs)
        return Response(
            MapAccountsSerializer(
                {
                    "count": data.count,
                    "limit": data.limit,
                    "truncated": data.truncated,
                    "without_location": data.without_location,
                    "accounts": data.accounts,
                }
            ).data
        )
