"""HTML pages of the forecast (/forecast/) and its downloads (CSV, xlsx). Thin: the
selectors of opportunities.forecast compute, through the visibility rule."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.export_views import CONTENT_TYPES
from accounts.exports import csv_stream, xlsx_file
from crm.selectors import teams_visible_to, users_visible_to
from opportunities.forecast import (
    CHANGE_KINDS,
    changes_since,
    forecast,
    forecast_table,
    performance,
)
from opportunities.forecast_params import forecast_params


@login_required
@require_GET
def forecast_page(request):
    form, params, found = forecast_params(request.user, request.GET)
    if not found:
        raise Http404
    context = {
        "form": form,
        "teams": teams_visible_to(request.user),
        "owners": users_visible_to(request.user).filter(is_active=True),
        "query": request.GET.urlencode(),
        "change_kinds": CHANGE_KINDS,
    }
    if params is None:
        return render(request, "opportunities/forecast/forecast.html", context, status=400)
    result = forecast(params.population, period=params.period, day=params.day)
    context.update(
        params=params,
        result=result,
        month_rows=list(zip(result.months, result.company.months, strict=True)),
        changes=changes_since(
            params.population, period=params.period, day=params.day, since=params.since
        ),
        performance=performance(
            params.population, date_from=params.date_from, date_to=params.date_to
        ),
    )
    return render(request, "opportunities/forecast/forecast.html", context)


def _export(request, ext: str):
    form, params, found = forecast_params(request.user, request.GET)
    if not found:
        raise Http404
    if params is None:
        return render(request, "opportunities/forecast/forecast.html", {"form": form}, status=400)
    headers, rows = forecast_table(
        forecast(params.population, period=params.period, day=params.day)
    )
    name = f"forecast-{timezone.localdate():%Y%m%d}.{ext}"
    if ext == "csv":
        response = StreamingHttpResponse(csv_stream(headers, rows), content_type=CONTENT_TYPES[ext])
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    handle = xlsx_file(headers, rows, sheet="forecast")
    return FileResponse(handle, as_attachment=True, filename=name, content_type=CONTENT_TYPES[ext])


@login_required
@require_GET
def forecast_csv(request):
    return _export(request, "csv")


@login_required
@require_GET
def forecast_xlsx(request):
    return _export(request, "xlsx")
