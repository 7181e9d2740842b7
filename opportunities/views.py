"""HTML pages of deals: the list (with its exports), the board, a deal's page and its forms.
Thin: selectors read, services write; a deal outside the user's sight answers 404."""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, JsonResponse, QueryDict, StreamingHttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.functional import Promise
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.exports import csv_stream, xlsx_file
from accounts.pickers import AccountPickerField
from accounts.selectors import account_get_visible
from core.http import or_404, run_service, safe_next_url
from core.paginator import CappedPaginator
from crm.pickers import user_filter_picker
from opportunities import selectors, services
from opportunities.filters import OpportunityFilter
from opportunities.forms import (
    CloseForm,
    CompetitorInPlayForm,
    ContactRoleForm,
    MoveForm,
    OpportunityForm,
)
from opportunities.models import Opportunity, Stage

PER_PAGE = 50
SORTS: dict[str, tuple[str, ...]] = {
    "close": ("close_date", "id"),
    "-close": ("-close_date", "-id"),
    "amount": ("amount", "id"),
    "-amount": ("-amount", "-id"),
    "weighted": ("weighted", "id"),
    "-weighted": ("-weighted", "-id"),
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "account": ("account__name", "id"),
    "-account": ("-account__name", "-id"),
    "stage": ("stage__position", "stage_id", "id"),
    "-stage": ("-stage__position", "-stage_id", "-id"),
    "owner": ("owner__username", "id"),
    "-owner": ("-owner__username", "-id"),
}
# The list's sortable columns: (sort key, heading).
COLUMNS = [
    ("name", gettext_lazy("Deal")),
    ("account", gettext_lazy("Account")),
    ("stage", gettext_lazy("Stage")),
    ("amount", gettext_lazy("Amount")),
    ("weighted", gettext_lazy("Weighted")),
    ("close", gettext_lazy("Close date")),
    ("owner", gettext_lazy("Owner")),
]
LIST_FIELDS = ["q", "stage", "status", "owner", "account", "close_from", "close_to", "overdue"]
BOARD_FIELDS = ["q", "owner", "account", "close_from", "close_to"]
EXPORT_COLUMNS: list[tuple[str, str | Promise]] = [
    ("id", "ID"),
    ("name", gettext_lazy("Deal")),
    ("account_id", gettext_lazy("Account ID")),
    ("account__name", gettext_lazy("Account name")),
    ("kind", gettext_lazy("Type")),
    ("stage", gettext_lazy("Stage")),
    ("status", gettext_lazy("Status")),
    ("amount", gettext_lazy("Amount")),
    ("probability", gettext_lazy("Win probability (%)")),
    ("weighted", gettext_lazy("Weighted amount")),
    ("category", gettext_lazy("Forecast category")),
    ("close_date", gettext_lazy("Expected close date")),
    ("owner__username", gettext_lazy("Owner")),
    ("source", gettext_lazy("Source")),
    ("product_lines", gettext_lazy("Product lines")),
    ("competitors", gettext_lazy("Competitors in play")),
    ("next_step", gettext_lazy("Next step")),
    ("next_step_date", gettext_lazy("Next step due")),
    ("loss_reason", gettext_lazy("Loss reason")),
    ("closed_on", gettext_lazy("Closed on")),
]
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _int(value) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 19 else None


def _headings(sort: str) -> list[dict]:
    """The list's column headings: each a link sorting by it (again: the other way round), and
    the current sort's arrow, for aria-sort too."""
    headings = []
    for key, label in COLUMNS:
        direction = "ascending" if sort == key else "descending" if sort == f"-{key}" else ""
        headings.append(
            {"label": label, "sort": f"-{key}" if sort == key else key, "direction": direction}
        )
    return headings


def _page_filter(request, *, board: bool = False) -> OpportunityFilter:
    """The filter bar: mine by default (an `owner` left empty is everyone the user sees), open
    by default on the list (the board shows every status in its columns); owner and account
    through pickers, the stage from the admins' list."""
    data = request.GET.copy()
    if "owner" not in data and "owner__text" not in data:
        data["owner"] = str(request.user.pk)
    if board:
        data.pop("status", None)
        data.pop("stage", None)
    elif "status" not in data:
        data["status"] = Opportunity.Status.OPEN
    pickers: dict[str, forms.Field] = {
        "owner": user_filter_picker(request.user, label=_("Owner"), placeholder=_("Everyone")),
        "account": AccountPickerField(
            request.user, required=False, label=_("Account"), help_text=""
        ),
    }
    if not board:
        pickers["stage"] = forms.ModelChoiceField(
            Stage.objects.all(), required=False, label=_("Stage"), empty_label=_("Any stage")
        )
    return OpportunityFilter(
        data, queryset=selectors.opportunities_visible_to(request.user), request=request
    ).with_pickers(**pickers)


def _filtered(page_filter: OpportunityFilter):
    # An invalid filter (an owner outside the user's sight, a bad date) lists nothing.
    return page_filter.qs if page_filter.is_valid() else Opportunity.objects.none()


@login_required
@require_GET
def opportunity_list(request):
    page_filter = _page_filter(request)
    deals = _filtered(page_filter)
    sort = request.GET.get("sort", "close")
    if sort not in SORTS:
        sort = "close"
    rows = selectors.opportunity_list(deals).order_by(*SORTS[sort])
    page = CappedPaginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    query = page_filter.picked_query(cast(QueryDict, page_filter.data))
    query.pop("page", None)
    filter_query = query.copy()
    filter_query.pop("sort", None)
    return render(
        request,
        "opportunities/opportunity_list.html",
        {
            "filter": page_filter,
            "filter_fields": LIST_FIELDS,
            "page": page,
            "sort": sort,
            "headings": _headings(sort),
            "query": query.urlencode(),
            "filter_query": filter_query.urlencode(),
            "totals": selectors.opportunity_totals(deals),
            "today": timezone.localdate(),
        },
    )


def _export(request, ext: str):
    page_filter = _page_filter(request)
    if not page_filter.is_valid():
        return render(
            request,
            "opportunities/opportunity_list.html",
            {"filter": page_filter, "filter_fields": LIST_FIELDS, "headings": _headings("close")},
            status=400,
        )
    deals = selectors.opportunity_list(page_filter.qs).order_by("close_date", "id")
    headers = [str(label) for _field, label in EXPORT_COLUMNS]
    rows = (
        (
            deal.pk,
            deal.name,
            deal.account_id,
            deal.account.name,
            deal.get_kind_display(),
            deal.stage.name,
            deal.get_status_display(),
            deal.amount,
            deal.win_probability,
            deal.weighted,  # type: ignore[attr-defined]  # annotated by opportunity_list
            deal.get_category_display(),
            deal.close_date,
            deal.owner.username,
            deal.get_source_display(),
            deal.product_lines,
            deal.competitors,
            deal.next_step,
            deal.next_step_date,
            deal.loss_reason.name if deal.loss_reason else "",
            deal.closed_on,
        )
        for deal in deals.select_related("loss_reason").iterator(chunk_size=2000)
    )
    name = f"opportunities-{timezone.localdate():%Y%m%d}.{ext}"
    if ext == "csv":
        response = StreamingHttpResponse(csv_stream(headers, rows), content_type=CONTENT_TYPES[ext])
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    handle = xlsx_file(headers, rows, sheet="opportunities")
    return FileResponse(handle, as_attachment=True, filename=name, content_type=CONTENT_TYPES[ext])


@login_required
@require_GET
def opportunity_export_csv(request):
    return _export(request, "csv")


@login_required
@require_GET
def opportunity_export_xlsx(request):
    return _export(request, "xlsx")


@login_required
@require_GET
def opportunity_board(request):
    page_filter = _page_filter(request, board=True)
    columns = selectors.board_columns(_filtered(page_filter))
    # A card's page is <deals_url><pk>/, its move <deals_url><pk>/move/ (opportunities/urls.py).
    card = _BoardCard(
        deals_url=reverse("opportunities:list"),
        today=timezone.localdate(),
        csrf_token=get_token(request),
        next_url=request.get_full_path(),
    )
    for column in columns:
        column.move_options = _move_options(columns, column)
        column.cards_html = card.column(column)
    query = page_filter.picked_query(cast(QueryDict, page_filter.data))
    return render(
        request,
        "opportunities/board.html",
        {
            "filter": page_filter,
            "filter_fields": BOARD_FIELDS,
            "columns": columns,
            "query": query.urlencode(),
            "loss_reasons": selectors.loss_reasons_active(),
        },
    )


@dataclass(frozen=True)
class _BoardCard:
    """The board's cards written in Python, one format_html a card, rather than by the
    template (some twenty nodes a card, most of the page's time with hundreds of cards)."""

    deals_url: str
    today: datetime.date
    csrf_token: str
    next_url: str

    def column(self, column: selectors.BoardColumn) -> str:
        return format_html_join("", "{}", ((self.card(column, deal),) for deal in column.cards))

    def card(self, column: selectors.BoardColumn, deal: Opportunity) -> str:
        overdue = column.status == Opportunity.Status.OPEN and deal.close_date < self.today
        url = f"{self.deals_url}{deal.pk}/"
        return format_html(
            '<li class="deal-card{}" draggable="true" tabindex="0" data-id="{}" data-name="{}" '
            'data-move-url="{}move/" aria-describedby="deal-board-help">'
            '<a class="deal-name" href="{}">{}</a><div class="small">{}</div>'
            '<div class="small muted"><span class="num">{}</span> · {}{} · {}</div>'
            '<form method="post" action="{}move/" class="deal-move">'
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
            '<input type="hidden" name="next" value="{}"><label class="small">'
            '<span class="sr-only">{} {}</span><select name="stage" data-move-select>{}</select>'
            '</label><button type="submit" class="btn small-btn">{}</button></form></li>',
            " is-overdue" if overdue else "",
            deal.pk,
            deal.name,
            url,
            url,
            deal.name,
            deal.account.name,
            floatformat(deal.amount, "2g"),
            date_format(deal.close_date, "Y-m-d"),
            format_html(' <span class="badge overdue">{}</span>', _("Close date passed"))
            if overdue
            else "",
            deal.owner.username,
            url,
            self.csrf_token,
            self.next_url,
            _("Move to"),
            deal.name,
            column.move_options,
            _("Move"),
        )


def _move_options(columns: list[selectors.BoardColumn], current: selectors.BoardColumn) -> str:
    """The "Move to" menu's options of a column's cards, written once per column rather than
    once per card (what keeps a board of hundreds of cards fast to render)."""
    return format_html_join(
        "",
        "{}",
        (
            (
                format_html(
                    '<option value="{}" data-column="{}"{}>{}</option>',
                    target.stage.pk,
                    target.key,
                    " selected" if target is current else "",
                    target.label,
                ),
            )
            for target in columns
        ),
    )


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _error_text(exc: ValidationError) -> str:
    return " ".join(str(message) for message in exc.messages)


def _move_answer(deal: Opportunity, before: Opportunity) -> dict:
    """What the board's script needs to move a card and correct two columns' totals."""
    return {
        "ok": True,
        "id": deal.pk,
        "column": str(deal.stage_id) if deal.status == Opportunity.Status.OPEN else deal.status,
        "stage": deal.stage.name,
        "amount_cents": int(deal.amount * 100),
        "weighted_before_cents": _weighted_cents(before),
        "weighted_cents": _weighted_cents(deal),
        "message": _("%(name)s moved to %(stage)s.")
        % {"name": deal.name, "stage": deal.stage.name},
    }


def _weighted_cents(deal: Opportunity) -> int:
    weighted = (deal.amount * deal.win_probability / Decimal(100)).quantize(Decimal("0.01"))
    return int(weighted * 100)


@login_required
@require_POST
def opportunity_move(request, pk: int):
    """Move a deal to a stage: from the board's drag and drop or keys (JSON), or the card's
    "Move to" menu without the script (redirect). A lost stage needs a reason; without one the
    menu's move goes to the close page to ask for it."""
    deal = or_404(selectors.opportunity_get_visible(request.user, pk))
    before = Opportunity(amount=deal.amount, probability=deal.probability, stage=deal.stage)
    form = MoveForm(request.POST)
    error = None
    if form.is_valid():
        stage = form.cleaned_data["stage"]
        if stage.is_lost and form.cleaned_data["loss_reason"] is None and not _wants_json(request):
            return redirect(reverse("opportunities:close", args=[deal.pk]) + "?outcome=lost")
        try:
            deal = services.opportunity_move(
                actor=request.user,
                opportunity=deal,
                stage=stage,
                loss_reason=form.cleaned_data["loss_reason"],
            )
        except ValidationError as exc:
            error = _error_text(exc)
    else:
        error = " ".join(str(e) for errors in form.errors.values() for e in errors)
    if _wants_json(request):
        if error:
            return JsonResponse({"ok": False, "error": error}, status=400)
        return JsonResponse(_move_answer(deal, before))
    if error:
        messages.error(request, error)
    else:
        messages.success(
            request,
            _("%(name)s moved to %(stage)s.") % {"name": deal.name, "stage": deal.stage.name},
        )
    return redirect(safe_next_url(request, reverse("opportunities:board")))


# No method check before the lookup: any request for a deal outside the book answers 404.
@login_required
def opportunity_detail(request, pk: int):
    deal = or_404(selectors.opportunity_get_visible(request.user, pk))
    return _detail(request, deal)


@login_required
@require_http_methods(["GET", "POST"])
def opportunity_create(request):
    # `?account=` fixes the account (the customer card's "New deal"): a hidden field then, its
    # value checked against the book again when posted.
    account = None
    source = request.POST if request.method == "POST" else request.GET
    fixed = request.method == "GET" or bool(request.POST.get("fixed_account"))
    account_id = _int(source.get("account")) if fixed else None
    if account_id:
        account = or_404(account_get_visible(request.user, account_id))
    initial = {"account": account.pk} if account is not None else {}
    form = OpportunityForm(
        request.POST or None, user=request.user, account=account, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        deal = run_service(
            form, services.opportunity_create, actor=request.user, data=form.cleaned_data
        )
        if deal:
            messages.success(request, _("Deal saved."))
            return redirect(safe_next_url(request, reverse("opportunities:detail", args=[deal.pk])))
    return render(
        request, "opportunities/opportunity_form.html", {"form": form, "account": account}
    )


@login_required
@require_http_methods(["GET", "POST"])
def opportunity_edit(request, pk: int):
    deal = or_404(selectors.opportunity_get_visible(request.user, pk))
    form = OpportunityForm(
        request.POST or None, instance=deal, user=request.user, account=deal.account
    )
    if request.method == "POST" and form.is_valid():
        saved = run_service(
            form,
            services.opportunity_update,
            actor=request.user,
            opportunity=deal,
            data=form.cleaned_data,
        )
        if saved:
            messages.success(request, _("Deal saved."))
            return redirect(safe_next_url(request, reverse("opportunities:detail", args=[deal.pk])))
    return render(
        request,
        "opportunities/opportunity_form.html",
        {"form": form, "deal": deal, "account": deal.account},
    )


@login_required
@require_http_methods(["GET", "POST"])
def opportunity_close(request, pk: int):
    """Won or lost, with a reason when lost."""
    deal = or_404(selectors.opportunity_get_visible(request.user, pk))
    initial = {"outcome": request.GET.get("outcome") or Opportunity.Status.WON}
    form = CloseForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        stage = selectors.closing_stage(data["outcome"])
        if stage is None:
            form.add_error(None, _("No stage closes a deal this way; ask an admin."))
        else:
            closed = run_service(
                form,
                services.opportunity_move,
                actor=request.user,
                opportunity=deal,
                stage=stage,
                loss_reason=data["loss_reason"] if data["outcome"] == "lost" else None,
                close_note=data["close_note"],
            )
            if closed:
                messages.success(request, _("Deal closed."))
                return redirect("opportunities:detail", pk=deal.pk)
    return render(request, "opportunities/opportunity_close.html", {"form": form, "deal": deal})


@login_required
@require_http_methods(["GET", "POST"])
def opportunity_delete(request, pk: int):
    deal = or_404(selectors.opportunity_get_visible(request.user, pk))
    if request.method == "POST":
        try:
            services.opportunity_delete(actor=request.user, opportunity=deal)
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
            return redirect("opportunities:detail", pk=deal.pk)
        messages.success(request, _("Deal deleted."))
        return redirect("opportunities:list")
    return render(
        request,
        "crm/confirm_delete.html",
        {"object": deal, "cancel_url": reverse("opportunities:detail", args=[deal.pk])},
    )


def _detail(
    request,
    deal: Opportunity,
    *,
    contact_form: ContactRoleForm | None = None,
    competitor_form: CompetitorInPlayForm | None = None,
    status=200,
):
    today = timezone.localdate()
    return render(
        request,
        "opportunities/opportunity_detail.html",
        {
            "deal": deal,
            "contacts": selectors.opportunity_contacts(deal),
            "history": selectors.opportunity_history(deal),
            "contact_form": contact_form or ContactRoleForm(user=request.user, opportunity=deal),
            "competitors": selectors.opportunity_competitors(deal),
            "competitor_form": competitor_form or CompetitorInPlayForm(),
            "overdue": deal.is_overdue_on(today),
            "warnings": services.opportunity_warnings(deal, today=today),
            "today": today,
        },
        status=status,
    )


def _contacts_set(request, deal: Opportunity, form: forms.Form, roles: list) -> bool:
    saved = run_service(
        form,
        services.opportunity_contacts_set,
        actor=request.user,
        opportunity=deal,
        contacts=roles,
    )
    return saved is not None


@login_required
@require_POST
def opportunity_contact_add(request, pk: int):
    """Add a contact of the deal's account with a role (or change the role of one listed)."""
    deal = or_404(selectors.opportunity_get_visible(request.user, pk))
    form = ContactRoleForm(request.POST, user=request.user, opportunity=deal)
    if form.is_valid():
        added = form.cleaned_data["contact"]
        roles = [
            (row.contact, row.role)
            for row in selectors.opportunity_contacts(deal)
            if row.contact_id != added.pk
        ]
        roles.append((added, form.cleaned_data["role"]))
        if _contacts_set(request, deal, form, roles):
            messages.success(request, _("Contact saved."))
            return redirect("opportunities:detail", pk=deal.pk)
    return _detail(request, deal, contact_form=form, status=400)


@login_required
@require_POST
def opportunity_contact_remove(request, pk: int):
    """Take a contact (`contact`, posted) off the deal; one not on it answers 404."""
    deal = or_404(selectors.opportunity_get_visible(request.user, pk))
    contact_pk = _int(request.POST.get("contact"))
    rows = selectors.opportunity_contacts(deal)
    roles = [(row.contact, row.role) for row in rows if row.contact_id != contact_pk]
    if len(roles) == len(rows):
        raise Http404
    form = forms.Form()
    if _contacts_set(request, deal, form, roles):
        messages.success(request, _("Contact removed."))
    else:
        messages.error(request, " ".join(str(e) for e in form.non_field_errors()))
    return redirect("opportunities:detail", pk=deal.pk)


def _competitors_now(deal: Opportunity, *, without: int | None = None) -> list:
    return [
        services.CompetitorInPlay(row.competitor, row.outcome, row.notes)
        for row in selectors.opportunity_competitors(deal)
        if row.competitor_id != without
    ]


@login_required
@require_POST
def opportunity_competitor_set(request, pk: int):
    """Add a competitor in play to the deal, or change the outcome against one listed."""
    deal = or_404(selectors.opportunity_get_visible(request.user, pk))
    form = CompetitorInPlayForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        rows = _competitors_now(deal, without=data["competitor"].pk)
        rows.append(services.CompetitorInPlay(data["competitor"], data["outcome"], data["notes"]))
        saved = run_service(
            form,
            services.opportunity_competitors_set,
            actor=request.user,
            opportunity=deal,
            competitors=rows,
        )
        if saved is not None:
            messages.success(request, _("Competitor saved."))
            return redirect(reverse("opportunities:detail", args=[deal.pk]) + "#deal-competitors-h")
    return _detail(request, deal, competitor_form=form, status=400)


@login_required
@require_POST
def opportunity_competitor_remove(request, pk: int):
    """Take a competitor (`competitor`, posted) off the deal; one not on it answers 404."""
    deal = or_404(selectors.opportunity_get_visible(request.user, pk))
    competitor_pk = _int(request.POST.get("competitor"))
    rows = _competitors_now(deal, without=competitor_pk)
    if competitor_pk is None or len(rows) == len(selectors.opportunity_competitors(deal)):
        raise Http404
    services.opportunity_competitors_set(actor=request.user, opportunity=deal, competitors=rows)
    messages.success(request, _("Competitor removed."))
    return redirect(reverse("opportunities:detail", args=[deal.pk]) + "#deal-competitors-h")
