"""The dashboard API: an index, and one endpoint per figure with the page's parameters and
numbers (the same selectors). A team or owner outside the caller's book answers 404; a bad
period 400 naming the field."""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import APIView

from scoring.dashboard.api.serializers import SERIALIZERS, DashboardIndexSerializer
from scoring.dashboard.params import dashboard_query
from scoring.dashboard.selectors import FIGURES, dashboard_figure

PARAMETERS = [
    OpenApiParameter("team", int, description="only accounts of this team's members"),
    OpenApiParameter("territory", int, description="only accounts in this territory"),
    OpenApiParameter("owner", int, description="only accounts of this owner"),
    OpenApiParameter(
        "date_from",
        OpenApiTypes.DATE,
        description="first day of the period (default: 29 days before date_to)",
    ),
    OpenApiParameter(
        "date_to", OpenApiTypes.DATE, description="last day of the period (default: today)"
    ),
]


class DashboardIndexView(APIView):
    """The dashboard's figures, each at its own URL; all take the same parameters."""

    @extend_schema(responses=DashboardIndexSerializer)
    def get(self, request):
        figures = [
            {"name": name, "url": request.build_absolute_uri(reverse(f"dashboard-api:{name}"))}
            for name in FIGURES
        ]
        return Response(DashboardIndexSerializer({"figures": figures}).data)


class FigureView(APIView):
    figure = ""

    def get(self, request):
        form, query = dashboard_query(request.user, request.query_params)
        if query is None:
            raise exceptions.ValidationError(
                {field: [str(e) for e in errors] for field, errors in form.errors.items()}
            )
        data = dashboard_figure(query, self.figure)
        return Response(SERIALIZERS[self.figure](data).data)


def figure_view(name: str):
    """An APIView class for one figure, documented with its serializer."""
    doc = (FIGURES[name].__doc__ or "").strip()

    def get(self, request):
        return FigureView.get(self, request)

    documented = extend_schema(
        operation_id=f"dashboard_{name}",
        parameters=PARAMETERS,
        responses=SERIALIZERS[name],
        description=doc,
    )(get)
    return type(
        f"Dashboard{name.title()}View",
        (FigureView,),
        {"figure": name, "__doc__": doc, "get": documented},
    )
