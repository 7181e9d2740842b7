"""HTML pages for accounts, contacts and orders. Thin: selectors read, services write."""

from collections.abc import Sequence

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import OrderBy, Value
from django.db.models.functions import NullIf
from django.http import Http404, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from accounts import services
from accounts.buying_centre import buying_centre_chart
from accounts.filters import account_list_filter, is_searching, search_ordering
from accounts.forms import (
    AccountForm,
    AccountSettingsForm,
    BulkReassignForm,
    ContactForm,
    OrderForm,
    ReportsToForm,
)
from accounts.models import AccountSettings
from accounts.selectors import (
    account_card_contacts,
    account_card_orders,
    account_get_visible,
    account_industries,
    account_revenue_summary,
    accounts_visible_to,
    contact_get_visible,
    order_get_visible,
)
from core.http import or_404, run_service
from core.paginator import CappedPaginator
from core.views import app_settings_edit
from crm.selectors import territory_list

CARD_ORDERS = 20
_TIER = NullIf("tier", Value(""))

# Sort keys of the account list: (label, ordering). The last column keeps the order stable.
SORTS = {
    "name": (gettext_lazy("Name A–Z"), ("name", "id")),
    "-name": (gettext_lazy("Name Z–A"), ("-name", "-id")),
    "-created": (gettext_lazy("Newest first"), ("-created_at", "-id")),
    "created": (gettext_lazy("Oldest first"), ("created_at", "id")),
    "-updated": (gettext_lazy("Recently updated"), ("-updated_at", "-id")),
    "updated": (gettext_lazy("Least recently updated"), ("updated_at", "id")),
    # Untiered accounts (tier "") come after A, B and C either way.
    "tier": (gettext_lazy("Tier A first"), (_TIER.asc(nulls_last=True), "name", "id")),
    "-tier": (gettext_lazy("Tier C first"), (_TIER.desc(nulls_last=True), "name", "id")),
    "industry": (gettext_lazy("Industry"), ("industry", "name", "id")),
}


@login_required
def account_list(request):
    user = request.user
    base = accounts_visible_to(user).select_related("owner", "territory")
    account_filter = account_list_filter(user, request.GET, queryset=base, request=request)
    sort = request.GET.get("sort", "name")
    if sort not in SORTS:
        sort = "name"
    # A filter value that does not parse shows its error and no rows, never everything.
    ordering: Sequence[OrderBy | str] = SORTS[sort][1]
    if is_searching(request.GET):
        ordering = search_ordering(ordering)
    qs = account_filter.qs.order_by(*ordering) if account_filter.is_valid() else base.none()
    paginator = CappedPaginator(qs, 50)
    page = paginator.get_page(request.GET.get("page"))
    # Links and the bulk bar repeat the filter with the picked owner's id (typed text resolved).
    query = account_filter.picked_query(request.GET)
    query.pop("page", None)
    sort_query = query.copy()
    sort_query.pop("sort", None)
    return render(
        request,
        "accounts/account_list.html",
        {
            "page": page,
            "paginator": paginator,
            "filter": account_filter,
            "filter_errors": [
                f"{account_filter.form.fields[name].label}: {error}"
                for name, errors in account_filter.errors.items()
                for error in errors
            ],
            "sort": sort,
            "sorts": [(key, label) for key, (label, _ordering) in SORTS.items()],
            "query": query.urlencode(),
            "sort_query": sort_query.urlencode(),
            "export_query": query.urlencode(),
            "territories": territory_list(),
            "industries": account_industries(user),
            "reassign_form": BulkReassignForm(user=user) if user.can_manage else None,
        },
    )


@login_required
@require_POST
def account_bulk_reassign(request):
    """The account list's bulk reassignment; back to the list (same filter) with the result."""
    form = BulkReassignForm(request.POST, user=request.user)
    query = QueryDict(request.POST.get("filter_query", "")[:2000])
    back = reverse("accounts:list") + (f"?{query.urlencode()}" if query else "")
    if form.is_valid():
        data = form.cleaned_data
        chosen = (
            {"filters": query} if data["all_matching"] else {"account_ids": data["account_ids"]}
        )
        moves = run_service(
            form,
            services.accounts_bulk_reassign,
            actor=request.user,
            new_owner=data["new_owner"],
            reason=data["reason"],
            **chosen,
        )
        if moves is not None:
            messages.success(
                request,
                ngettext(
                    "%(n)d account reassigned to %(owner)s.",
                    "%(n)d accounts reassigned to %(owner)s.",
                    len(moves),
                )
                % {"n": len(moves), "owner": data["new_owner"]},
            )
            return redirect(back)
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else str(error))
    return redirect(back)


@login_required
def account_detail(request, pk: int):
    account = or_404(account_get_visible(request.user, pk))
    return render(
        request,
        "accounts/account_detail.html",
        {
            "account": account,
            "contacts": account_card_contacts(account),
            "orders": account_card_orders(account, limit=CARD_ORDERS),
            "revenue": account_revenue_summary(account),
            "buying_centre": buying_centre_chart(account),
        },
    )


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@login_required
@require_POST
def contact_reports_to(request, pk: int):
    """Move one person of the buying centre under another (the card's select, or a drag in the
    org chart, which asks for JSON). Another book's contact answers like a missing one."""
    contact = or_404(contact_get_visible(request.user, pk))
    form = ReportsToForm(request.POST, user=request.user)
    if form.is_valid():
        run_service(
            form,
            services.contact_set_reports_to,
            actor=request.user,
            contact=contact,
            reports_to=form.cleaned_data["reports_to"],
        )
    if form.errors:
        errors = [str(e) for errs in form.errors.values() for e in errs]
        if _wants_json(request):
            return JsonResponse({"errors": errors}, status=400)
        for error in errors:
            messages.error(request, error)
    elif _wants_json(request):
        return JsonResponse({"id": contact.pk, "reports_to": contact.reports_to_id})
    else:
        messages.success(request, _("Saved: %(name)s's manager.") % {"name": contact.name})
    return redirect(reverse("accounts:detail", args=[contact.account_id]) + "#buying-centre-h")


@login_required
@require_http_methods(["GET", "POST"])
def buying_centre_settings(request):
    return app_settings_edit(
        request,
        settings_model=AccountSettings,
        form_class=AccountSettingsForm,
        title=_("Buying centre settings"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def account_create(request):
    form = AccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        account = run_service(
            form, services.account_create, actor=request.user, data=form.cleaned_data
        )
        if account:
            messages.success(request, _("Account created."))
            return redirect("accounts:detail", pk=account.pk)
    return render(request, "accounts/account_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def account_edit(request, pk: int):
    account = or_404(account_get_visible(request.user, pk))
    form = AccountForm(request.POST or None, instance=account, user=request.user)
    if request.method == "POST" and form.is_valid():
        saved = run_service(
            form,
            services.account_update,
            actor=request.user,
            account=account,
            data=form.cleaned_data,
        )
        if saved:
            messages.success(request, _("Account saved."))
            return redirect("accounts:detail", pk=saved.pk)
    return render(request, "accounts/account_form.html", {"form": form, "account": account})


@login_required
@require_http_methods(["GET", "POST"])
def account_delete(request, pk: int):
    account = or_404(account_get_visible(request.user, pk))
    if request.method == "POST":
        try:
            services.account_delete(actor=request.user, account=account)
        except PermissionDenied:
            messages.error(request, _("Only the owner or a manager can delete this account."))
            return redirect("accounts:detail", pk=account.pk)
        messages.success(request, _("Account deleted."))
        return redirect("accounts:list")
    return render(
        request,
        "crm/confirm_delete.html",
        {"object": account, "cancel_url": account.get_absolute_url()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def contact_create(request, account_pk: int):
    account = or_404(account_get_visible(request.user, account_pk))
    form = ContactForm(request.POST or None, user=request.user, initial={"account": account.pk})
    if request.method == "POST":
        if str(request.POST.get("account")) != str(account.pk):
            raise Http404
        if form.is_valid():
            contact = run_service(
                form, services.contact_create, actor=request.user, data=form.cleaned_data
            )
            if contact:
                messages.success(request, _("Contact added."))
                return redirect("accounts:detail", pk=account.pk)
    return render(request, "accounts/contact_form.html", {"form": form, "account": account})


@login_required
@require_http_methods(["GET", "POST"])
def contact_edit(request, pk: int):
    contact = or_404(contact_get_visible(request.user, pk))
    form = ContactForm(request.POST or None, instance=contact, user=request.user)
    if request.method == "POST" and form.is_valid():
        saved = run_service(
            form,
            services.contact_update,
            actor=request.user,
            contact=contact,
            data=form.cleaned_data,
        )
        if saved:
            messages.success(request, _("Contact saved."))
            return redirect("accounts:detail", pk=saved.account_id)
    return render(
        request,
        "accounts/contact_form.html",
        {"form": form, "account": contact.account, "contact": contact},
    )


@login_required
@require_http_methods(["GET", "POST"])
def contact_delete(request, pk: int):
    contact = or_404(contact_get_visible(request.user, pk))
    if request.method == "POST":
        services.contact_delete(actor=request.user, contact=contact)
        messages.success(request, _("Contact deleted."))
        return redirect("accounts:detail", pk=contact.account_id)
    return render(
        request,
        "crm/confirm_delete.html",
        {"object": contact, "cancel_url": contact.account.get_absolute_url()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def order_create(request, account_pk: int):
    account = or_404(account_get_visible(request.user, account_pk))
    form = OrderForm(request.POST or None, user=request.user, initial={"account": account.pk})
    if request.method == "POST":
        if str(request.POST.get("account")) != str(account.pk):
            raise Http404
        if form.is_valid():
            order = run_service(
                form, services.order_create, actor=request.user, data=form.cleaned_data
            )
            if order:
                messages.success(request, _("Order added."))
                return redirect("accounts:detail", pk=account.pk)
    return render(request, "accounts/order_form.html", {"form": form, "account": account})


@login_required
@require_http_methods(["GET", "POST"])
def order_edit(request, pk: int):
    order = or_404(order_get_visible(request.user, pk))
    form = OrderForm(request.POST or None, instance=order, user=request.user)
    if request.method == "POST" and form.is_valid():
        saved = run_service(
            form, services.order_update, actor=request.user, order=order, data=form.cleaned_data
        )
        if saved:
            messages.success(request, _("Order saved."))
            return redirect("accounts:detail", pk=saved.account_id)
    return render(
        request,
        "accounts/order_form.html",
        {"form": form, "account": order.account, "order": order},
    )


@login_required
@require_http_methods(["GET", "POST"])
def order_delete(request, pk: int):
    order = or_404(order_get_visible(request.user, pk))
    if request.method == "POST":
        services.order_delete(actor=request.user, order=order)
        messages.success(request, _("Order deleted."))
        return redirect("accounts:detail", pk=order.account_id)
    return render(
        request,
        "crm/confirm_delete.html",
        {"object": order, "cancel_url": order.account.get_absolute_url()},
    )
