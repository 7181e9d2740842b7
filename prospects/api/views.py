"""API of prospects and worksheets. Querysets come from the visibility selectors (another's
record answers 404); writes go through prospects.services."""

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.selectors import account_get_visible
from core.http import or_404
from prospects import selectors, services
from prospects.api.serializers import (
    CompareSerializer,
    DecideSerializer,
    MoveSerializer,
    PipelineCountSerializer,
    ProspectCreateSerializer,
    ProspectSerializer,
    ProspectUpdateSerializer,
    ReviveSerializer,
    WorksheetCreateSerializer,
    WorksheetSerializer,
)
from prospects.filters import ProspectFilter, WorksheetFilter
from prospects.models import CRITERIA


def _int_param(request, name):
    value = request.query_params.get(name)
    if value in (None, ""):
        return None
    try:
        return int(value)
    except ValueError as exc:
        raise exceptions.ValidationError({name: ["Give a number."]}) from exc


class ProspectViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Prospects the caller sees. The list shows the active pipeline unless `state=abandoned`
    or `state=all`; filters `q owner team territory colour sub_stage decision segment source
    revived tier score_min score_max unscored`."""

    serializer_class = ProspectSerializer
    filterset_class = ProspectFilter
    ordering_fields = ["id", "updated_at", "created_at", "colour_changed_at"]
    ordering = ["-id"]
    http_method_names = ["get", "post", "patch", "put", "head", "options"]

    def get_queryset(self):
        return selectors.prospect_list(self.request.user)

    def _read(self, prospect):
        fresh = or_404(selectors.prospect_get_visible(self.request.user, prospect.pk))
        return ProspectSerializer(fresh).data

    @extend_schema(request=ProspectCreateSerializer, responses={201: ProspectSerializer})
    def create(self, request, *args, **kwargs):
        serializer = ProspectCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        account = or_404(account_get_visible(request.user, data.pop("account")))
        prospect = services.prospect_create(actor=request.user, account=account, data=data)
        return Response(self._read(prospect), status=status.HTTP_201_CREATED)

    @extend_schema(request=ProspectUpdateSerializer, responses=ProspectSerializer)
    def update(self, request, *args, **kwargs):
        prospect = self.get_object()
        serializer = ProspectUpdateSerializer(
            data=request.data, partial=kwargs.get("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        prospect = services.prospect_update(
            actor=request.user,
            prospect=prospect,
            data=dict(serializer.validated_data),
        )
        return Response(self._read(prospect))

    @extend_schema(request=MoveSerializer, responses=ProspectSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        """Move to a colour (and sub-stage); red marks it won and the account existing."""
        prospect = self.get_object()
        serializer = MoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        prospect = services.prospect_move(
            actor=request.user,
            prospect=prospect,
            colour=serializer.validated_data["colour"],
            sub_stage=serializer.validated_data.get("sub_stage"),
        )
        return Response(self._read(prospect))

    @extend_schema(request=DecideSerializer, responses=ProspectSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        """Keep visiting, don't give up, or abandon (a reason is required)."""
        prospect = self.get_object()
        serializer = DecideSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        prospect = services.prospect_decide(
            actor=request.user,
            prospect=prospect,
            **serializer.validated_data,
        )
        return Response(self._read(prospect))

    @extend_schema(request=ReviveSerializer, responses=ProspectSerializer)
    @action(detail=True, methods=["post"])
    def revive(self, request, pk=None):
        """Bring an abandoned prospect back into the active pipeline."""
        prospect = self.get_object()
        serializer = ReviveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        prospect = services.prospect_revive(
            actor=request.user,
            prospect=prospect,
            **serializer.validated_data,
        )
        return Response(self._read(prospect))

    def get_object(self):
        # Abandoned prospects are reachable by id whatever the list's default state. An id
        # that is no number ("1,2") is simply not found (it used to be a server error).
        try:
            pk = int(self.kwargs["pk"])
        except (TypeError, ValueError):
            raise Http404 from None
        return or_404(selectors.prospect_get_visible(self.request.user, pk))

    @extend_schema(
        parameters=[
            OpenApiParameter("team", int),
            OpenApiParameter("territory", int),
            OpenApiParameter("owner", int),
        ],
        responses=PipelineCountSerializer(many=True),
        filters=False,
    )
    @action(detail=False, methods=["get"], pagination_class=None, filterset_class=None)
    def counts(self, request):
        """Each visible rep's active prospects by colour against their share."""
        rows = selectors.pipeline_counts_by_rep(
            user=request.user,
            team=_int_param(request, "team"),
            territory=_int_param(request, "territory"),
            owner=_int_param(request, "owner"),
        )
        return Response(rows)


class WorksheetViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Worksheets of accounts the caller sees, newest first: `?account=<id>` is that account's
    history (404 if the caller cannot see it), `?current=true` only the latest ones."""

    serializer_class = WorksheetSerializer
    filterset_class = WorksheetFilter
    ordering_fields = ["id", "filled_at", "total"]
    ordering = ["-id"]

    def get_queryset(self):
        return selectors.worksheets_visible_to(self.request.user)

    def list(self, request, *args, **kwargs):
        account_id = _int_param(request, "account")
        if account_id is not None:
            or_404(account_get_visible(request.user, account_id))
        return super().list(request, *args, **kwargs)

    @extend_schema(request=WorksheetCreateSerializer, responses={201: WorksheetSerializer})
    def create(self, request, *args, **kwargs):
        serializer = WorksheetCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        account = or_404(account_get_visible(request.user, data["account"]))
        worksheet = services.worksheet_create(
            actor=request.user,
            account=account,
            scores={c.field: data[c.field] for c in CRITERIA},
            notes={c.note_field: data.get(c.note_field, "") for c in CRITERIA},
        )
        return Response(WorksheetSerializer(worksheet).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "accounts", str, description="Comma-separated account ids (at most 20)"
            )
        ],
        responses=CompareSerializer,
        filters=False,
    )
    @action(detail=False, methods=["get"], pagination_class=None, filterset_class=None)
    def compare(self, request):
        """Accounts side by side, ranked by current total (ties by name, then id)."""
        raw = ",".join(request.query_params.getlist("accounts"))
        try:
            ids = [int(v) for v in raw.split(",") if v.strip()]
        except ValueError as exc:
            raise exceptions.ValidationError({"accounts": ["Give account ids."]}) from exc
        if not ids:
            raise exceptions.ValidationError({"accounts": ["Give at least one account id."]})
        if len(set(ids)) > selectors.COMPARE_MAX:
            raise exceptions.ValidationError(
                {"accounts": [f"At most {selectors.COMPARE_MAX} accounts."]}
            )
        comparison = selectors.worksheet_compare(user=request.user, account_ids=ids)
        if comparison is None:
            raise exceptions.NotFound()
        columns = [
            {
                "account": c["account"].pk,
                "account_name": c["account"].name,
                "worksheet": c["worksheet"].pk if c["worksheet"] else None,
                "filled_at": c["worksheet"].filled_at if c["worksheet"] else None,
                "total": c["total"],
                "rank": c["rank"],
            }
            for c in comparison["columns"]
        ]
        rows = [
            {
                "criterion": row["criterion"].field,
                "label": str(row["criterion"].label),
                "scores": [cell["score"] for cell in row["cells"]],
                "notes": [cell["note"] for cell in row["cells"]],
            }
            for row in comparison["rows"]
        ]
        return Response(CompareSerializer({"columns": columns, "rows": rows}).data)
