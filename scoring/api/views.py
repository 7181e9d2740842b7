"""The scoring API. Every figure is narrowed to the caller's visible accounts (the cut-offs and
thresholds are company-wide); an account outside the caller's book answers 404."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import account_get_visible
from core.http import or_404
from scoring import selectors, services
from scoring.api.serializers import (
    AccountTierSerializer,
    ParetoSerializer,
    PrioritySerializer,
    QuadrantsSerializer,
    RunDetailSerializer,
    RunSerializer,
    TierRowSerializer,
)
from scoring.forms import PopulationForm, SnapshotFilterForm

POPULATION_PARAMETERS = [
    OpenApiParameter("team", int, description="only accounts of this team's members"),
    OpenApiParameter("territory", int, description="only accounts in this territory"),
    OpenApiParameter("owner", int, description="only accounts of this owner"),
]


def _filters(request, form_class=PopulationForm):
    form = form_class(request.query_params or None, user=request.user)
    if form.is_bound and not form.is_valid():
        raise exceptions.ValidationError(
            {field: [str(e) for e in errors] for field, errors in form.errors.items()}
        )
    if not form.is_bound:
        return form, {}
    return form, {k: form.cleaned_data.get(k) for k in ("team", "territory", "owner")}


def _not_yet():
    raise exceptions.NotFound("No tier recompute has finished yet.")


class TierViewSet(viewsets.ReadOnlyModelViewSet):
    """Accounts' tiers in the latest run (`list`), and one account's tier history
    (`retrieve` by account id)."""

    serializer_class = TierRowSerializer
    lookup_field = "account"
    lookup_value_regex = r"\d+"
    ordering_fields = ["id"]
    ordering = ["id"]
    filter_backends: list = []

    def get_queryset(self):
        form, filters = _filters(self.request, SnapshotFilterForm)
        return selectors.snapshot_rows(user=self.request.user, **filters, **form.row_filters())

    @extend_schema(
        parameters=[
            *POPULATION_PARAMETERS,
            OpenApiParameter("tier", str, enum=["A", "B", "C", "none"]),
            OpenApiParameter("quadrant", int, enum=[1, 2, 3, 4]),
            OpenApiParameter("priority", str, enum=["A+", "A", "B", "C"]),
            OpenApiParameter("direction", str, enum=["up", "down"]),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(responses=AccountTierSerializer)
    def retrieve(self, request, *args, **kwargs):
        account = or_404(account_get_visible(request.user, kwargs["account"]))
        history = selectors.account_tier_history(user=request.user, account=account, limit=50)
        data = {
            "account": account.pk,
            "account_name": account.name,
            "tier": account.tier,
            "tier_updated_at": account.tier_updated_at,
            "history": history,
        }
        return Response(AccountTierSerializer(data).data)


class ParetoView(APIView):
    """The Pareto curve of the caller's accounts (or a team, territory, owner among them)."""

    @extend_schema(
        parameters=[
            *POPULATION_PARAMETERS,
            OpenApiParameter("max_points", int, description="about this many points (2–2000)"),
        ],
        responses=ParetoSerializer,
    )
    def get(self, request):
        _form, filters = _filters(request)
        try:
            max_points = int(request.query_params.get("max_points", 200))
        except ValueError as exc:
            raise exceptions.ValidationError({"max_points": ["Give a whole number."]}) from exc
        if not 2 <= max_points <= 2000:
            raise exceptions.ValidationError({"max_points": ["Give 2 to 2000 points."]})
        curve = selectors.pareto_curve(user=request.user, max_points=max_points, **filters)
        if curve is None:
            _not_yet()
        return Response(ParetoSerializer(curve).data)


class QuadrantsView(APIView):
    """Input/output quadrants 1–4 of the caller's accounts."""

    @extend_schema(parameters=POPULATION_PARAMETERS, responses=QuadrantsSerializer)
    def get(self, request):
        _form, filters = _filters(request)
        figures = selectors.quadrants(user=request.user, **filters)
        if figures is None:
            _not_yet()
        return Response(QuadrantsSerializer(figures).data)


class PriorityView(APIView):
    """The priority matrix (A+, A, B, C) of the caller's accounts."""

    @extend_schema(parameters=POPULATION_PARAMETERS, responses=PrioritySerializer)
    def get(self, request):
        _form, filters = _filters(request)
        figures = selectors.priority_matrix(user=request.user, **filters)
        if figures is None:
            _not_yet()
        return Response(PrioritySerializer(figures).data)


class RunViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Recompute runs: list, detail (with the caller's figures), and POST to queue one
    (managers and admins)."""

    serializer_class = RunSerializer
    ordering = ["-id"]
    filter_backends: list = []

    def get_queryset(self):
        return selectors.runs_list()

    def get_serializer_class(self):
        return RunDetailSerializer if self.action == "retrieve" else RunSerializer

    def retrieve(self, request, *args, **kwargs):
        run = self.get_object()
        figures = None
        if run.status == run.Status.SUCCEEDED:
            figures = selectors.tier_distribution(user=request.user, run=run)
        serializer = RunDetailSerializer(
            run, context={**self.get_serializer_context(), "figures": figures}
        )
        return Response(serializer.data)

    @extend_schema(request=None, responses={202: RunSerializer})
    def create(self, request, *args, **kwargs):
        try:
            run = services.tier_recompute_request(actor=request.user)
        except DjangoPermissionDenied as exc:
            raise exceptions.PermissionDenied(
                "Only managers and admins may recompute tiers."
            ) from exc
        return Response(RunSerializer(run).data, status=status.HTTP_202_ACCEPTED)
