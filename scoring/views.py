"""HTML pages of the scoring app. Thin: selectors read, services write."""

from collections.abc import Mapping, Sequence
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.selectors import account_name_search_q
from core.http import or_404
from core.paginator import CappedPaginator
from core.views import app_settings_edit
from scoring import selectors, services
from scoring.forms import SORTS, PopulationForm, ScoringSettingsForm, SnapshotFilterForm
from scoring.models import ScoringSettings, TierRun, TierSnapshot


def _population(request, form_class=PopulationForm):
    """The filter form and the selector filters (None when a filter is invalid)."""
    form = form_class(request.GET or None, user=request.user)
    if form.is_bound and not form.is_valid():
        return form, None
    if not form.is_bound:
        return form, {}
    return form, {k: form.cleaned_data.get(k) for k in ("team", "territory", "owner")}


def _query_without(request, *keys: str) -> str:
    query = request.GET.copy()
    for key in keys:
        query.pop(key, None)
    return query.urlencode()


def _base_context(request, form) -> dict:
    return {
        "form": form,
        "population_query": _query_without(
            request, "page", "sort", "tier", "quadrant", "priority", "direction", "q", "max_points"
        ),
        "in_progress": selectors.run_in_progress(),
    }


@login_required
def overview(request):
    form, filters = _population(request)
    figures = (
        selectors.tier_distribution(user=request.user, **filters) if filters is not None else None
    )
    return render(
        request,
        "scoring/overview.html",
        {**_base_context(request, form), "figures": figures, "latest": selectors.latest_run()},
    )


@login_required
def pareto(request):
    form, filters = _population(request)
    curve = selectors.pareto_curve(user=request.user, **filters) if filters is not None else None
    chart = None
    if curve is not None and curve.points:
        chart = {
            "x": [float(p["customer_share"]) * 100 for p in curve.points],
            "y": [float(p["revenue_share"]) * 100 for p in curve.points],
            "xLabel": _("Cumulative percentage of customers"),
            "yLabel": _("Cumulative percentage of revenue"),
            "mark20": float(curve.top20_share) * 100,
            "mark80": float(curve.customers_to_80_share) * 100,
            "label": _("Revenue share"),
        }
    contacted = None
    if curve is not None:
        # "Who are my big customers?": the accounts that get the most effort (quadrants 3
        # and 4: input above the threshold), their share of customers and of the output.
        matrix = selectors.quadrants(user=request.user, **filters)
        cells = {c["quadrant"]: c for c in matrix.cells} if matrix is not None else {}
        contacted = {
            "accounts": cells[3]["accounts"] + cells[4]["accounts"],
            "account_share": cells[3]["account_share"] + cells[4]["account_share"],
            "output_share": cells[3]["output_share"] + cells[4]["output_share"],
        }
    return render(
        request,
        "scoring/pareto.html",
        {**_base_context(request, form), "curve": curve, "chart": chart, "contacted": contacted},
    )


@login_required
def quadrants(request):
    form, filters = _population(request)
    figures = selectors.quadrants(user=request.user, **filters) if filters is not None else None
    grid = []
    if figures is not None:
        # Laid out as in the deck: output grows upwards, input to the right.
        cells = {cell["quadrant"]: cell for cell in figures.cells}
        grid = [cells[2], cells[3], cells[1], cells[4]]
    return render(
        request,
        "scoring/quadrants.html",
        {**_base_context(request, form), "figures": figures, "grid": grid},
    )


def priority_grid(cells: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The priority matrix's cells in reading order of its 2×2 grid: potential grows upwards,
    current revenue to the right (the priority page and the dashboard)."""
    by_class = {c["priority"]: c for c in cells}
    css = {"A+": "pap", "A": "pa", "B": "pb", "C": "pc"}
    return [{**by_class[p], "css": css[p]} for p in ("A", "A+", "C", "B")]


@login_required
def priority(request):
    form, filters = _population(request)
    figures = (
        selectors.priority_matrix(user=request.user, **filters) if filters is not None else None
    )
    grid = priority_grid(figures.cells) if figures is not None else []
    return render(
        request,
        "scoring/priority.html",
        {**_base_context(request, form), "figures": figures, "grid": grid},
    )


def _snapshot_page(request, *, template: str, movers: bool):
    form, filters = _population(request, SnapshotFilterForm)
    rows = None
    if filters is not None:
        row_filters = form.row_filters()
        if movers:
            rows = selectors.tier_movers(
                user=request.user, direction=row_filters.get("direction"), **filters
            )
        else:
            rows = selectors.snapshot_rows(user=request.user, **filters, **row_filters)
        search = form.cleaned_data.get("q", "").strip() if form.is_bound else ""
        if search:
            rows = rows.filter(account_name_search_q(search, account_path="account__"))
        sort = (form.cleaned_data.get("sort") if form.is_bound else "") or ""
        if sort in SORTS:
            rows = rows.order_by(*SORTS[sort])
        elif not movers:
            rows = rows.order_by("position", "account_id")
    # An invalid filter shows its error and no rows (an empty queryset: the paginator counts
    # with a query).
    paginator = CappedPaginator(rows if rows is not None else TierSnapshot.objects.none(), 50)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        template,
        {
            **_base_context(request, form),
            "page": page,
            "paginator": paginator,
            "query": _query_without(request, "page"),
            "sort_query": _query_without(request, "page", "sort"),
            "latest": selectors.latest_run(),
        },
    )


@login_required
def accounts(request):
    return _snapshot_page(request, template="scoring/accounts.html", movers=False)


@login_required
def movers(request):
    return _snapshot_page(request, template="scoring/movers.html", movers=True)


@login_required
def run_list(request):
    paginator = CappedPaginator(selectors.runs_list(), 30)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "scoring/run_list.html",
        {"page": page, "paginator": paginator, "in_progress": selectors.run_in_progress()},
    )


@login_required
def run_detail(request, pk: int):
    run = or_404(selectors.run_get(pk))
    figures = None
    if run.status == TierRun.Status.SUCCEEDED:
        figures = selectors.tier_distribution(user=request.user, run=run)
    return render(request, "scoring/run_detail.html", {"run": run, "figures": figures})


@login_required
@require_http_methods(["GET", "POST"])
def recompute(request):
    """Confirm, then queue a recompute (managers and admins; others get 404)."""
    if not request.user.can_manage:
        raise Http404
    if request.method == "POST":
        try:
            run = services.tier_recompute_request(actor=request.user)
        except PermissionDenied as exc:
            raise Http404 from exc
        messages.success(request, _("Recompute queued. This page shows its progress."))
        return redirect("scoring:run_detail", pk=run.pk)
    return render(
        request,
        "scoring/recompute_confirm.html",
        {
            "in_progress": selectors.run_in_progress(),
            "settings": ScoringSettings.load(),
            "latest": selectors.latest_run(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def settings_edit(request):
    return app_settings_edit(
        request,
        settings_model=ScoringSettings,
        form_class=ScoringSettingsForm,
        title=_("Tier and scoring settings"),
    )
