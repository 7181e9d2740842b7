"""The manager dashboard page and its downloads (CSV, xlsx). Thin: the selectors compute."""

from collections.abc import Mapping, Sequence
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.export_views import CONTENT_TYPES
from accounts.exports import csv_stream, xlsx_file
from scoring import selectors as scoring
from scoring.dashboard.charts import chart_data
from scoring.dashboard.params import dashboard_query
from scoring.dashboard.selectors import dashboard_figures
from scoring.dashboard.tables import export_rows
from scoring.views import priority_grid


def _population_query(form) -> str:
    """The population part of the query string, for links to the account lists."""
    query = form.data.copy()
    for key in list(query):
        if key not in ("team", "territory", "owner") or not query.get(key):
            query.pop(key)
    return query.urlencode()


# The page's table of the Pareto curve shows this many points at most (evenly spaced, the 20%
# and 80% marks always); the chart, the API and the downloads keep every point. The full table
# was a fifth of the page's template time.
PARETO_TABLE_ROWS = 21


def _pareto_rows(points: Sequence[Mapping[str, Any]]) -> Sequence[Mapping[str, Any]]:
    """At most about PARETO_TABLE_ROWS of the curve's points (`ParetoFigure.rows()`, read by
    their "mark"), evenly spaced, the first, the last and the marked ones always."""
    if len(points) <= PARETO_TABLE_ROWS:
        return points
    step = (len(points) - 1) / (PARETO_TABLE_ROWS - 1)
    keep = {round(i * step) for i in range(PARETO_TABLE_ROWS)}
    return [p for i, p in enumerate(points) if i in keep or p["mark"]]


@login_required
@require_GET
def dashboard(request):
    form, query = dashboard_query(request.user, request.GET)
    context: dict[str, Any] = {
        "form": form,
        "figures": None,
        "in_progress": scoring.run_in_progress(),
    }
    if query is None:
        return render(request, "scoring/dashboard.html", context, status=400)
    figures = dashboard_figures(query)
    population_query = _population_query(form)
    plan_labels = {"week": _("This week"), "month": _("This month")}
    context.update(
        figures=figures,
        period=query.period,
        run=query.run,
        population_query=population_query,
        export_query=request.GET.urlencode(),
        chart=chart_data(figures, population_query=population_query),
        priority_grid=priority_grid(figures.priority.rows()),
        pareto_rows=_pareto_rows(figures.pareto.rows()),
        plan_rows=[(plan_labels[name], row) for name, row in figures.plans.rows()],
    )
    return render(request, "scoring/dashboard.html", context)


def _export(request, ext: str):
    form, query = dashboard_query(request.user, request.GET)
    if query is None:
        return render(request, "scoring/dashboard.html", {"form": form}, status=400)
    headers, rows = export_rows(
        dashboard_figures(query), query.period, for_manager=request.user.can_manage
    )
    name = f"dashboard-{timezone.localdate():%Y%m%d}.{ext}"
    if ext == "csv":
        response = StreamingHttpResponse(csv_stream(headers, rows), content_type=CONTENT_TYPES[ext])
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    handle = xlsx_file(headers, rows, sheet="dashboard")
    return FileResponse(handle, as_attachment=True, filename=name, content_type=CONTENT_TYPES[ext])


@login_required
@require_GET
def dashboard_csv(request):
    return _export(request, "csv")


@login_required
@require_GET
def dashboard_xlsx(request):
    return _export(request, "xlsx")
