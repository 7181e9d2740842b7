"""HTML pages of the pipeline and the worksheet. Thin: selectors read, services write."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Case, F, IntegerField, Value, When
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.exports import csv_stream
from accounts.forms import AccountForm
from accounts.models import Account
from accounts.selectors import account_get_visible
from accounts.services import account_create
from core.http import or_404, run_service, safe_next_url
from core.paginator import CappedPaginator
from core.views import app_settings_edit
from crm.selectors import teams_visible_to, territory_list
from prospects import selectors, services
from prospects.filters import ProspectFilter, prospect_page_filter
from prospects.forms import (
    DecisionForm,
    MoveForm,
    ProspectCreateForm,
    ProspectEditForm,
    ProspectSettingsForm,
    ReviveForm,
    TeamMinimumsForm,
    WorksheetForm,
)
from prospects.models import COLOUR_SHORT, CRITERIA, Colour, Prospect, ProspectSettings

_COLOUR_RANK = Case(
    When(colour=Colour.GREEN, then=Value(0)),
    When(colour=Colour.YELLOW, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)
BOARD_FILTERS = ["q", "owner", "team", "territory", "segment", "source", "tier"]
LIST_FILTERS = [
    "q",
    "owner",
    "team",
    "territory",
    "colour",
    "sub_stage",
    "decision",
    "state",
    "segment",
    "source",
    "revived",
    "tier",
    "score_min",
    "score_max",
]
SORTS = {
    "name": ("account__name", "id"),
    "-name": ("-account__name", "-id"),
    "score": (F("score").asc(nulls_first=True), "account__name", "id"),
    "-score": (F("score").desc(nulls_last=True), "account__name", "id"),
    "colour": (_COLOUR_RANK, "account__name", "id"),
    "-colour": (_COLOUR_RANK.desc(), "account__name", "id"),
    "owner": ("account__owner__username", "account__name", "id"),
    "updated": ("updated_at", "id"),
    "-updated": ("-updated_at", "-id"),
}


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _filtered(prospect_filter: ProspectFilter):
    """The filtered prospects; nothing when a filter value is invalid (e.g. an owner outside
    the caller's book), so a wrong filter never shows an unfiltered list."""
    if not prospect_filter.is_valid():
        return prospect_filter.queryset.none()
    return prospect_filter.qs


def _colour_buttons() -> list[tuple[str, str | Promise]]:
    return [(value, COLOUR_SHORT[value]) for value in Colour.values]


def _filter_context(request) -> dict:
    user = request.user
    return {
        "colour_buttons": _colour_buttons(),
        "teams": teams_visible_to(user),
        "territories": territory_list(),
        "pipeline_status": selectors.rep_pipeline_status(user),
        "reps_below": selectors.reps_below_share(user),
        "teams_below": selectors.teams_below_minimum(user),
    }


@login_required
def board(request):
    prospect_filter = prospect_page_filter(
        request.user, request.GET, queryset=selectors.prospect_list(request.user), request=request
    )
    columns = selectors.pipeline_board(_filtered(prospect_filter))
    query = prospect_filter.picked_query(request.GET)  # the picked owner as an id
    return render(
        request,
        "prospects/board.html",
        {
            "filter": prospect_filter,
            "columns": columns,
            "filter_fields": BOARD_FILTERS,
            "query": query.urlencode(),
            "next": request.get_full_path(),
            **_filter_context(request),
        },
    )


@login_required
def prospect_list(request):
    prospect_filter = prospect_page_filter(
        request.user, request.GET, queryset=selectors.prospect_list(request.user), request=request
    )
    sort = request.GET.get("sort", "-score")
    qs = _filtered(prospect_filter).order_by(*SORTS.get(sort, SORTS["-score"]))
    paginator = CappedPaginator(qs, 50)
    page = paginator.get_page(request.GET.get("page"))
    query = prospect_filter.picked_query(request.GET)  # the picked owner as an id
    query.pop("page", None)
    sort_query = query.copy()
    sort_query.pop("sort", None)
    return render(
        request,
        "prospects/prospect_list.html",
        {
            "filter": prospect_filter,
            "page": page,
            "paginator": paginator,
            "sort": sort,
            "query": query.urlencode(),
            "sort_query": sort_query.urlencode(),
            "compare_max": selectors.COMPARE_MAX,
            "filter_fields": LIST_FILTERS,
            "next": request.get_full_path(),
            **_filter_context(request),
        },
    )


def _int_or_none(value):
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


@login_required
def team(request):
    """Each team's open prospects against its minimum (managers and admins) and each rep's
    against their share (a rep sees their own row)."""
    team_id = _int_or_none(request.GET.get("team"))
    territory_id = _int_or_none(request.GET.get("territory"))
    rows = selectors.pipeline_counts_by_rep(user=request.user, team=team_id, territory=territory_id)
    team_rows = selectors.pipeline_counts_by_team(
        user=request.user, team=team_id, territory=territory_id
    )
    return render(
        request,
        "prospects/team.html",
        {
            "rows": rows,
            "team_rows": team_rows,
            "teams_below": sum(1 for r in team_rows if r["below"]),
            "settings": selectors.prospect_settings(),
            "below": sum(1 for r in rows if r["below"]),
            "total_open": sum(r["open"] for r in rows),
            "teams": teams_visible_to(request.user),
            "territories": territory_list(),
            "team_id": team_id,
            "territory_id": territory_id,
            "distribution": selectors.worksheet_score_distribution(
                user=request.user, team=team_id, territory=territory_id
            ),
        },
    )


@login_required
def coverage(request):
    """A-tier and yellow accounts with no contact whose role is decision maker."""
    qs = selectors.accounts_missing_decision_maker(user=request.user)
    paginator = CappedPaginator(qs, 50)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "prospects/coverage.html", {"page": page, "paginator": paginator})


@login_required
def detail(request, pk: int):
    prospect = or_404(selectors.prospect_get_visible(request.user, pk))
    account = prospect.account
    return render(
        request,
        "prospects/prospect_detail.html",
        {
            "prospect": prospect,
            "account": account,
            "worksheet": selectors.current_worksheet(account),
            "colour_buttons": _colour_buttons(),
            "sub_stages": selectors.sub_stages(),
            "needs_decision_maker": selectors.account_needs_decision_maker(account, prospect),
            "next": request.get_full_path(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def create(request, account_pk: int):
    account = or_404(account_get_visible(request.user, account_pk))
    existing = selectors.prospect_for_account(account)
    if existing is not None:
        return redirect(existing)
    form = ProspectCreateForm(request.POST or None, initial={"source": account.source})
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data[f] for f in form.Meta.fields}
        prospect = run_service(
            form, services.prospect_create, actor=request.user, account=account, data=data
        )
        if prospect is not None:
            messages.success(request, _("Added to the pipeline."))
            return redirect(prospect)
    return render(
        request,
        "prospects/prospect_form.html",
        {"form": form, "account": account, "proposal": selectors.loyalty_proposal(account.pk)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def new(request):
    """The board's "New prospect": the company as a new account (a potential customer), then
    its entry in the pipeline (the page of `create`)."""
    form = AccountForm(
        request.POST or None, user=request.user, initial={"lifecycle": Account.Lifecycle.POTENTIAL}
    )
    if request.method == "POST" and form.is_valid():
        account = run_service(form, account_create, actor=request.user, data=form.cleaned_data)
        if account:
            messages.success(request, _("Account created: now add it to the pipeline."))
            return redirect("prospects:create", account_pk=account.pk)
    return render(request, "prospects/prospect_new.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def edit(request, pk: int):
    prospect = or_404(selectors.prospect_get_visible(request.user, pk))
    form = ProspectEditForm(request.POST or None, instance=prospect)
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data[f] for f in form.Meta.fields}
        saved = run_service(
            form, services.prospect_update, actor=request.user, prospect=prospect, data=data
        )
        if saved is not None:
            messages.success(request, _("Prospect saved."))
            return redirect("prospects:detail", pk=prospect.pk)
    return render(
        request,
        "prospects/prospect_form.html",
        {
            "form": form,
            "account": prospect.account,
            "prospect": prospect,
            "proposal": selectors.loyalty_proposal(prospect.account_id),
        },
    )


@login_required
@require_POST
def move(request, pk: int):
    """Move to a colour: from the board's drag and drop (JSON) or a button (redirect)."""
    prospect = or_404(selectors.prospect_get_visible(request.user, pk))
    form = MoveForm(request.POST)
    error = None
    if form.is_valid():
        try:
            prospect = services.prospect_move(
                actor=request.user,
                prospect=prospect,
                colour=form.cleaned_data["colour"],
                sub_stage=form.cleaned_data["sub_stage"],
            )
        except ValidationError as exc:
            error = _error_text(exc)
    else:
        error = " ".join(str(e) for errors in form.errors.values() for e in errors)
    if _wants_json(request):
        if error:
            return JsonResponse({"ok": False, "error": error}, status=400)
        return JsonResponse(
            {
                "ok": True,
                "id": prospect.pk,
                "colour": prospect.colour,
                "colour_label": str(Colour(prospect.colour).label),
                "message": _("%(name)s moved to %(colour)s.")
                % {"name": prospect.account.name, "colour": Colour(prospect.colour).label},
            }
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(
            request,
            _("%(name)s moved to %(colour)s.")
            % {"name": prospect.account.name, "colour": Colour(prospect.colour).label},
        )
    return redirect(safe_next_url(request, prospect.get_absolute_url()))


@login_required
@require_http_methods(["GET", "POST"])
def decide(request, pk: int):
    """The visit-plan decision; this page is also the confirmation before abandoning."""
    prospect = or_404(selectors.prospect_get_visible(request.user, pk))
    initial = {"decision": prospect.decision, "reason": prospect.decision_reason}
    if request.GET.get("decision") in Prospect.Decision.values:
        initial["decision"] = request.GET["decision"]
    form = DecisionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        decided = run_service(
            form,
            services.prospect_decide,
            actor=request.user,
            prospect=prospect,
            decision=form.cleaned_data["decision"],
            reason=form.cleaned_data["reason"],
        )
        if decided is not None:
            messages.success(request, _("Decision saved."))
            return redirect("prospects:detail", pk=prospect.pk)
    return render(request, "prospects/decide.html", {"form": form, "prospect": prospect})


@login_required
@require_http_methods(["GET", "POST"])
def revive(request, pk: int):
    prospect = or_404(selectors.prospect_get_visible(request.user, pk))
    if not prospect.is_abandoned:
        messages.info(request, _("This prospect is already in the active pipeline."))
        return redirect(prospect)
    form = ReviveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        revived = run_service(
            form,
            services.prospect_revive,
            actor=request.user,
            prospect=prospect,
            decision=form.cleaned_data["decision"],
            reason=form.cleaned_data["reason"],
        )
        if revived is not None:
            messages.success(request, _("Prospect revived: back in the active pipeline."))
            return redirect(prospect)
    return render(request, "prospects/revive.html", {"form": form, "prospect": prospect})


@login_required
@require_http_methods(["GET", "POST"])
def worksheet_new(request, account_pk: int):
    """The quick entry: seven toggles and a save (prefilled with the current scores)."""
    account = or_404(account_get_visible(request.user, account_pk))
    current = selectors.current_worksheet(account)
    initial = {}
    if current is not None:
        initial = {c.field: bool(getattr(current, c.field)) for c in CRITERIA}
    form = WorksheetForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        worksheet = run_service(
            form,
            services.worksheet_create,
            actor=request.user,
            account=account,
            scores=form.scores(),
            notes=form.notes(),
        )
        if worksheet is not None:
            messages.success(
                request,
                _("Worksheet saved: %(total)s of %(max)s.")
                % {"total": worksheet.total, "max": len(CRITERIA)},
            )
            return redirect(safe_next_url(request, account.get_absolute_url()))
    return render(
        request,
        "prospects/worksheet_form.html",
        {
            "form": form,
            "account": account,
            "current": current,
            "next": safe_next_url(request, ""),
        },
    )


@login_required
def worksheet_history(request, account_pk: int):
    account = or_404(account_get_visible(request.user, account_pk))
    return render(
        request,
        "prospects/worksheet_history.html",
        {
            "account": account,
            "history": selectors.worksheet_history(account),
            "criteria": CRITERIA,
        },
    )


def _compare_ids(request) -> list[int]:
    raw: list[str] = []
    for value in request.GET.getlist("accounts"):
        raw.extend(part for part in value.split(",") if part.strip())
    try:
        return list(dict.fromkeys(int(v) for v in raw))
    except ValueError as exc:
        raise Http404 from exc


@login_required
def compare(request):
    """Chosen accounts side by side: criteria as rows, accounts as columns, ranked."""
    ids = _compare_ids(request)
    too_many = len(ids) > selectors.COMPARE_MAX
    if too_many:
        messages.warning(
            request,
            _("At most %(n)s accounts can be compared; the first %(n)s are shown.")
            % {"n": selectors.COMPARE_MAX},
        )
        ids = ids[: selectors.COMPARE_MAX]
    comparison = or_404(selectors.worksheet_compare(user=request.user, account_ids=ids))
    if request.GET.get("format") == "csv":
        return _compare_csv(comparison)
    query = request.GET.get("q", "")

    def param(pks) -> str:
        return ",".join(str(pk) for pk in pks)

    for column in comparison["columns"]:
        column["remove_param"] = param(pk for pk in ids if pk != column["account"].pk)
    candidates = [
        {"account": a, "add_param": param([*ids, a.pk])}
        for a in selectors.compare_candidates(request.user, query)
        if a.pk not in ids
    ]
    return render(
        request,
        "prospects/compare.html",
        {
            "comparison": comparison,
            "ids": ids,
            "ids_param": param(ids),
            "q": query,
            "candidates": candidates,
            "compare_max": selectors.COMPARE_MAX,
            "full": len(ids) >= selectors.COMPARE_MAX,
        },
    )


def _compare_csv(comparison: dict) -> HttpResponse:
    """The comparison as CSV, through the exports' writer (UTF-8 with a BOM for spreadsheet
    programs; every cell escaped against formulas)."""
    columns = comparison["columns"]
    headers = [_("Criterion"), *[c["account"].name for c in columns]]
    rows = [
        (
            str(row["criterion"].label),
            *[
                "" if cell["score"] is None else f"{cell['score']} ({cell['word']})"
                for cell in row["cells"]
            ],
        )
        for row in comparison["rows"]
    ]
    rows.append((_("Total"), *["" if c["total"] is None else c["total"] for c in columns]))
    rows.append((_("Rank"), *["" if c["rank"] is None else c["rank"] for c in columns]))
    rows.append(
        (
            _("Filled at"),
            *["" if c["worksheet"] is None else c["worksheet"].filled_at.date() for c in columns],
        )
    )
    response = HttpResponse(
        b"".join(csv_stream(headers, rows)), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="worksheet-compare-{stamp}.csv"'
    return response


@login_required
def team_minimums(request):
    """The page on which an admin sets each team's pipeline minimum (others get 404)."""
    if not request.user.is_admin:
        raise Http404
    form = TeamMinimumsForm(request.POST or None, teams=list(teams_visible_to(request.user)))
    if request.method == "POST" and form.is_valid():
        changed = run_service(
            form, services.team_minimums_set, actor=request.user, minimums=form.minimums()
        )
        if changed is not None:
            messages.success(request, _("Settings saved."))
            return redirect(request.path)
    return render(
        request,
        "crm/app_settings_form.html",
        {"form": form, "title": _("Pipeline minimum of each team")},
    )


@login_required
def settings_edit(request):
    return app_settings_edit(
        request,
        settings_model=ProspectSettings,
        form_class=ProspectSettingsForm,
        title=_("Pipeline settings"),
    )
