"""HTML pages of commitments. Thin: selectors read, services write; a commitment outside the
user's sight answers 404."""

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import F, OrderBy
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from accounts.pickers import AccountPickerField
from accounts.selectors import account_get_visible
from commitments import services
from commitments.filters import CommitmentFilter
from commitments.forms import CommitmentForm
from commitments.models import Commitment
from commitments.selectors import (
    commitment_get_visible,
    commitment_in_book,
    commitments_listed_for,
)
from core.http import or_404, run_service, safe_next_url
from core.paginator import CappedPaginator
from crm.pickers import user_filter_picker
from visits.selectors import reminder_get_visible, visit_get_visible, visit_in_book

SORTS: dict[str, tuple[str | OrderBy, ...]] = {
    "due": (F("due_date").asc(), F("due_time").asc(nulls_last=True), "id"),
    "-due": (F("due_date").desc(), F("due_time").desc(nulls_first=True), "-id"),
    "account": ("account__name", "due_date", "id"),
    "owner": ("owner__username", "due_date", "id"),
}
SORT_LABELS = [
    ("due", gettext_lazy("Due first")),
    ("-due", gettext_lazy("Due last")),
    ("account", gettext_lazy("Account")),
    ("owner", gettext_lazy("Owner")),
]
FILTER_FIELDS = ["due", "due_from", "due_to", "overdue", "owner", "account", "status"]


def _int(value) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 19 else None


def _page_filter(request) -> CommitmentFilter:
    """The list's filter bar: mine by default (an `owner` left empty is everyone the user
    sees), open by default; owner and account through pickers."""
    data = request.GET.copy()
    if "owner" not in data and "owner__text" not in data:
        data["owner"] = str(request.user.pk)
    if "status" not in data:
        data["status"] = Commitment.Status.OPEN
    return CommitmentFilter(
        data, queryset=commitments_listed_for(request.user), request=request
    ).with_pickers(
        owner=user_filter_picker(request.user, label=_("Owner"), placeholder=_("Everyone")),
        account=AccountPickerField(request.user, required=False, label=_("Account"), help_text=""),
    )


@login_required
def commitment_list(request):
    page_filter = _page_filter(request)
    # An invalid filter (an owner outside the user's sight, a bad date) lists nothing.
    qs = page_filter.qs if page_filter.is_valid() else Commitment.objects.none()
    sort = request.GET.get("sort", "due")
    if sort not in SORTS:
        sort = "due"
    page = CappedPaginator(qs.order_by(*SORTS[sort]), 50).get_page(request.GET.get("page"))
    query = page_filter.picked_query(cast(QueryDict, page_filter.data))
    query.pop("page", None)
    return render(
        request,
        "commitments/commitment_list.html",
        {
            "filter": page_filter,
            "filter_fields": FILTER_FIELDS,
            "page": page,
            "sort": sort,
            "sorts": SORT_LABELS,
            "query": query.urlencode(),
            "today": timezone.localdate(),
            "next": request.get_full_path(),
        },
    )


def _create_context(request):
    """What a new commitment is made from, named by the address (`?account=`, `?visit=`,
    `?reminder=`; each in the user's book, else 404): its account and prefilled fields."""
    source = request.POST if request.method == "POST" else request.GET
    account = visit = reminder = None
    initial: dict = {}
    visit_id = _int(source.get("visit"))
    reminder_id = _int(source.get("reminder"))
    account_id = _int(source.get("account")) if request.method == "GET" else None
    if visit_id:
        visit = or_404(visit_get_visible(request.user, visit_id))
        if not visit_in_book(request.user, visit):
            raise Http404
        account = visit.account
        contact = visit.contacts.order_by("role", "name", "id").first()
        initial.update({"title": visit.next_step, "contact": contact.pk if contact else None})
    elif reminder_id:
        reminder = or_404(reminder_get_visible(request.user, reminder_id))
        if reminder.recipient_id != request.user.pk:
            raise Http404
        account = reminder.account
        initial.update({"contact": reminder.contact_id, "due_date": reminder.date})
    elif account_id:
        account = or_404(account_get_visible(request.user, account_id))
    if account is not None:
        initial["account"] = account.pk
    return account, visit, reminder, initial


@login_required
@require_http_methods(["GET", "POST"])
def commitment_create(request):
    account, visit, reminder, initial = _create_context(request)
    if visit is not None:
        existing = visit.commitments.first()
        if existing is not None:
            messages.info(request, _("This visit's next step is already a commitment."))
            return redirect("commitments:edit", pk=existing.pk)
    # A fixed account is a hidden field: another one posted is tampering, not a typo.
    posted = _int(request.POST.get("account")) if request.method == "POST" else None
    if account is not None and posted is not None and posted != account.pk:
        raise Http404
    form = CommitmentForm(request.POST or None, user=request.user, account=account, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if visit is not None:
            commitment = run_service(
                form,
                services.commitment_from_visit,
                actor=request.user,
                visit=visit,
                due_date=data.pop("due_date"),
                due_time=data.pop("due_time", None),
                data=data,
            )
        else:
            commitment = run_service(
                form,
                services.commitment_create,
                actor=request.user,
                data=data,
                source_reminder=reminder,
            )
        if commitment:
            messages.success(request, _("Commitment saved."))
            return redirect(safe_next_url(request, reverse("commitments:list")))
    return render(
        request,
        "commitments/commitment_form.html",
        {
            "form": form,
            "account": account,
            "visit": visit,
            "reminder": reminder,
            "next_url": safe_next_url(request, ""),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def commitment_edit(request, pk: int):
    commitment = or_404(commitment_get_visible(request.user, pk))
    in_book = commitment_in_book(request.user, commitment)
    if not in_book:
        if request.method == "POST":
            messages.info(
                request, _("This account is no longer in your book: the commitment is read-only.")
            )
            return redirect("commitments:edit", pk=commitment.pk)
        return render(request, "commitments/commitment_detail.html", {"commitment": commitment})
    form = CommitmentForm(
        request.POST or None, instance=commitment, user=request.user, account=commitment.account
    )
    if request.method == "POST" and form.is_valid():
        saved = run_service(
            form,
            services.commitment_update,
            actor=request.user,
            commitment=commitment,
            data=form.cleaned_data,
        )
        if saved:
            messages.success(request, _("Commitment saved."))
            return redirect(safe_next_url(request, reverse("commitments:list")))
    # Where the user came from (the card, the list with its filters, Today, a visit), if it
    # is on this site: saving, cancelling and deleting go back there.
    return render(
        request,
        "commitments/commitment_form.html",
        {
            "form": form,
            "commitment": commitment,
            "account": commitment.account,
            "next_url": safe_next_url(request, ""),
        },
    )


@login_required
@require_POST
def commitment_done(request, pk: int):
    commitment = or_404(commitment_get_visible(request.user, pk))
    services.commitment_mark_done(actor=request.user, commitment=commitment)
    messages.success(request, _("Marked done."))
    return redirect(safe_next_url(request, reverse("commitments:list")))


@login_required
@require_POST
def commitment_undo(request, pk: int):
    commitment = or_404(commitment_get_visible(request.user, pk))
    services.commitment_reopen(actor=request.user, commitment=commitment)
    messages.success(request, _("Open again."))
    return redirect(safe_next_url(request, reverse("commitments:list")))


@login_required
@require_http_methods(["GET", "POST"])
def commitment_delete(request, pk: int):
    commitment = or_404(commitment_get_visible(request.user, pk))
    if not commitment_in_book(request.user, commitment):
        return redirect("commitments:edit", pk=commitment.pk)
    if request.method == "POST":
        services.commitment_delete(actor=request.user, commitment=commitment)
        messages.success(request, _("Commitment deleted."))
        return redirect(safe_next_url(request, reverse("commitments:list")))
    return render(
        request,
        "crm/confirm_delete.html",
        {"object": commitment, "cancel_url": reverse("commitments:edit", args=[commitment.pk])},
    )
