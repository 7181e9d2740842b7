"""API of imports: upload, configure, check (dry run), commit, progress, errors, undo."""

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from imports import services
from imports.api.serializers import (
    ImportBatchSerializer,
    ImportConfigSerializer,
    ImportMappingSerializer,
    ImportRowErrorSerializer,
    ImportRowMatchSerializer,
    ImportUploadSerializer,
)
from imports.rejected import rejected_rows_response
from imports.selectors import (
    can_import,
    import_batch_errors,
    import_batch_matches,
    import_batches_visible_to,
    import_mappings_for,
)
from imports.upload.readers import FileRejected


class ImportersOnly(permissions.BasePermission):
    """A signed-in user who may not import gets 404 from every endpoint, as from the pages."""

    def has_permission(self, request, view) -> bool:
        if not can_import(request.user):
            raise exceptions.NotFound
        return True


IMPORT_PERMISSIONS = [permissions.IsAuthenticated, ImportersOnly]


class ErrorPagination(CursorPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
    ordering = "id"


def _call(fn, **kwargs):
    """The service's answer; a rejected file is a 400 on `file` (the API's exception handler
    answers the service's other refusals)."""
    try:
        return fn(**kwargs)
    except FileRejected as exc:
        raise exceptions.ValidationError({"file": [str(exc)]}) from exc


class ImportBatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Import batches you ran (admins: all). Poll the detail for `status`, `phase`,
    `progress` (0–100) and `rows_read` (of a check, an import or an undo); `counts` and
    `preview` hold the check's result."""

    serializer_class = ImportBatchSerializer
    permission_classes = IMPORT_PERMISSIONS
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def get_queryset(self):
        return import_batches_visible_to(self.request.user).order_by("-id")

    @extend_schema(request=ImportUploadSerializer, responses=ImportBatchSerializer)
    def create(self, request):
        upload = ImportUploadSerializer(data=request.data, context={"request": request})
        upload.is_valid(raise_exception=True)
        data = upload.validated_data
        batch = _call(
            services.import_batch_create,
            actor=request.user,
            kind=data["kind"],
            upload=data["file"],
            encoding=data["encoding"],
            sheet_name=data["sheet_name"],
            saved_mapping=data["saved_mapping"],
        )
        return Response(self.get_serializer(batch).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ImportConfigSerializer, responses=ImportBatchSerializer)
    def partial_update(self, request, pk=None):
        batch = self.get_object()
        config = ImportConfigSerializer(data=request.data, context={"request": request})
        config.is_valid(raise_exception=True)
        batch = _call(
            services.import_batch_configure,
            actor=request.user,
            batch=batch,
            data=dict(config.validated_data),
        )
        return Response(self.get_serializer(batch).data)

    @extend_schema(request=None, responses=ImportBatchSerializer)
    @action(detail=True, methods=["post"])
    def check(self, request, pk=None):
        """Start the dry run (202); poll the batch until `status` is `ready`."""
        batch = _call(services.import_batch_check, actor=request.user, batch=self.get_object())
        batch.refresh_from_db()
        return Response(self.get_serializer(batch).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses=ImportBatchSerializer)
    @action(detail=True, methods=["post"])
    def commit(self, request, pk=None):
        """Start the import (202); poll the batch until `status` is `done` or `failed`."""
        batch = _call(services.import_batch_commit, actor=request.user, batch=self.get_object())
        batch.refresh_from_db()
        return Response(self.get_serializer(batch).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses=ImportBatchSerializer)
    @action(detail=True, methods=["post"])
    def undo(self, request, pk=None):
        """Start the undo (202): `status` is `undoing` until it is `undone` (or back to
        `done` with the reason in `message` if it failed); poll the batch for `phase` and
        `progress`. Refused (400) when the batch is not a finished import in effect, is
        already being undone, or later imports changed its rows."""
        batch = _call(services.import_batch_undo, actor=request.user, batch=self.get_object())
        batch.refresh_from_db()
        return Response(self.get_serializer(batch).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses=ImportRowErrorSerializer(many=True))
    @action(detail=True, methods=["get"])
    def errors(self, request, pk=None):
        batch = self.get_object()
        paginator = ErrorPagination()
        page = paginator.paginate_queryset(import_batch_errors(batch), request, view=self)
        return paginator.get_paginated_response(ImportRowErrorSerializer(page, many=True).data)

    @extend_schema(responses=ImportRowMatchSerializer(many=True))
    @action(detail=True, methods=["get"])
    def matches(self, request, pk=None):
        """The rows of the last check or import that matched an existing account: which
        account (`account_id`, its name then) and why (`reason`: uscc, code, name, phone,
        contact_email or contact_phone), with the row's `action`."""
        batch = self.get_object()
        paginator = ErrorPagination()
        page = paginator.paginate_queryset(import_batch_matches(batch), request, view=self)
        return paginator.get_paginated_response(ImportRowMatchSerializer(page, many=True).data)

    @extend_schema(responses={(200, "text/csv"): bytes})
    @action(detail=True, methods=["get"])
    def rejected(self, request, pk=None):
        """The rejected rows with their reasons, as CSV."""
        batch = self.get_object()
        return rejected_rows_response(batch)

    @extend_schema(request=ImportMappingSerializer, responses=ImportMappingSerializer)
    @action(detail=True, methods=["post"], url_path="save-mapping")
    def save_mapping(self, request, pk=None):
        saved = _call(
            services.import_mapping_save,
            actor=request.user,
            batch=self.get_object(),
            name=request.data.get("name", ""),
        )
        return Response(ImportMappingSerializer(saved).data, status=status.HTTP_201_CREATED)


class ImportMappingViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ImportMappingSerializer
    permission_classes = IMPORT_PERMISSIONS

    def get_queryset(self):
        return import_mappings_for(self.request.user).order_by("-id")

    def perform_destroy(self, instance):
        _call(services.import_mapping_delete, actor=self.request.user, mapping=instance)
