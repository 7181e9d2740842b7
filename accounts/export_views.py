"""Downloads of accounts, contacts and orders (CSV or xlsx) for the HTML pages and the API."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view

from accounts.exports import EXPORTS, csv_stream, export_rows, xlsx_file

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def export_response(request, entity: str, ext: str):
    if entity not in EXPORTS or ext not in CONTENT_TYPES:
        raise Http404
    params = request.GET.copy()
    for key in ("page", "sort", "cursor", "format"):
        params.pop(key, None)
    headers, rows = export_rows(request.user, entity, params)
    name = f"{entity}-{timezone.localdate():%Y%m%d}.{ext}"
    if ext == "csv":
        response = StreamingHttpResponse(csv_stream(headers, rows), content_type=CONTENT_TYPES[ext])
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    handle = xlsx_file(headers, rows, sheet=entity)
    return FileResponse(handle, as_attachment=True, filename=name, content_type=CONTENT_TYPES[ext])


@login_required
@require_GET
def export_download(request, entity: str, ext: str):
    return export_response(request, entity, ext)


@extend_schema(
    responses={
        (200, "text/csv"): OpenApiTypes.BINARY,
        (200, CONTENT_TYPES["xlsx"]): OpenApiTypes.BINARY,
    },
    description="A file of the records the caller may see; the list's filters apply.",
)
@api_view(["GET"])
def export_api(request, entity: str, ext: str):
    """GET /api/v1/exports/<accounts|contacts|orders>.<csv|xlsx>, with the list filters."""
    return export_response(request, entity, ext)
