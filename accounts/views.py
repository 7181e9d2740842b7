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
    AccountCompetitorForm,
    AccountForm,
    AccountSettingsForm,
    BulkReassignForm,
    ContactForm,
    OrderForm,
    ReportsToForm,
    TeamMemberAddForm,
    TeamMemberChangeForm,
)
from accounts.models import AccountSettings
from accounts.selectors import (
    account_can_edit,
    account_can_manage_team,
    account_card_contacts,
    account_card_orders,
    account_check_editable,
    account_competitor_get_visible,
    account_get_visible,
    account_incumbents,
    account_industries,
    account_revenue_summary,
    account_team,
    account_team_member_get_visible,
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
            "can_edit": account_can_edit(request.user, account),
            "incumbents": account_incumbents(account),
            **_team_context(request.user, account),
        },
    )


def _team_context(user, account) -> dict:
    """The card's Team section: the members, and the forms for who manages the team."""
    manages = account_can_manage_team(user, account)
    members = list(account_team(account))
    return {
        "team_members": [
            (
                member,
                TeamMemberChangeForm(
                    initial={"role": member.role, "access": member.access},
                    auto_id=f"id_member{member.pk}_%s",
                )
                if manages
                else None,
            )
            for member in members
        ],
        "team_add_form": TeamMemberAddForm(auto_id="id_team_%s") if manages else None,
    }


def _read_only_answer(request, account, exc: PermissionDenied):
    """A "read" member of the team sees the account but may not change it: 403, saying so."""
    return render(
        request,
        "accounts/read_only.html",
        {"account": account, "message": str(exc)},
        status=403,
    )


def _team_errors(request, form) -> None:
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else str(error))


def _team_anchor(account_id: int) -> str:
    return reverse("accounts:detail", args=[account_id]) + "#team-h"


@login_required
@require_POST
def team_member_add(request, account_pk: int):
    """The card's "add to the team": the owner, the owner's manager and admins (403 for
    others who see the account); errors come back as messages on the card."""
    account = or_404(account_get_visible(request.user, account_pk))
    form = TeamMemberAddForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            member = run_service(
                form,
                services.account_team_member_add,
                actor=request.user,
                account=account,
                user=data["user"],
                role=data["role"],
                access=data["access"],
            )
        except PermissionDenied as exc:
            return _read_only_answer(request, account, exc)
        if member is not None:
            messages.success(
                request, _("%(user)s joined the account team.") % {"user": member.user}
            )
    _team_errors(request, form)
    return redirect(_team_anchor(account.pk))


@login_required
@require_POST
def team_member_edit(request, pk: int):
    """Change one member's role and access (who manages the team; others 403)."""
    member = or_404(account_team_member_get_visible(request.user, pk))
    form = TeamMemberChangeForm(request.POST)
    if form.is_valid():
        try:
            saved = run_service(
                form,
                services.account_team_member_update,
                actor=request.user,
                member=member,
                data=form.cleaned_data,
            )
        except PermissionDenied as exc:
            return _read_only_answer(request, member.account, exc)
        if saved is not None:
            messages.success(
                request, _("Saved: %(user)s's place in the team.") % {"user": saved.user}
            )
    _team_errors(request, form)
    return redirect(_team_anchor(member.account_id))


@login_required
@require_POST
def team_member_remove(request, pk: int):
    """Take one member off the team (who manages the team; others 403)."""
    member = or_404(account_team_member_get_visible(request.user, pk))
    try:
        services.account_team_member_remove(actor=request.user, member=member)
    except PermissionDenied as exc:
        return _read_only_answer(request, member.account, exc)
    messages.success(request, _("%(user)s left the account team.") % {"user": member.user})
    return redirect(_team_anchor(member.account_id))


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
    try:
        account_check_editable(request.user, account)
    except PermissionDenied as exc:
        return _read_only_answer(request, account, exc)
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


@login_required
@require_http_methods(["GET", "POST"])
def incumbent_create(request, account_pk: int):
    """Record an incumbent supplier of the account (whoever sees the account)."""
    account = or_404(account_get_visible(request.user, account_pk))
    form = AccountCompetitorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        saved = run_service(
            form,
            services.account_competitor_create,
            actor=request.user,
            data={"account": account, **form.cleaned_data},
        )
        if saved:
            messages.success(request, _("Incumbent supplier saved."))
            return redirect(reverse("accounts:detail", args=[account.pk]) + "#incumbents-h")
    return render(request, "accounts/incumbent_form.html", {"form": form, "account": account})


@login_required
@require_http_methods(["GET", "POST"])
def incumbent_edit(request, pk: int):
    incumbent = or_404(account_competitor_get_visible(request.user, pk))
    form = AccountCompetitorForm(request.POST or None, instance=incumbent)
    if request.method == "POST" and form.is_valid():
        saved = run_service(
            form,
            services.account_competitor_update,
            actor=request.user,
            account_competitor=incumbent,
            data=form.cleaned_data,
        )
        if saved:
            messages.success(request, _("Incumbent supplier saved."))
            return redirect(reverse("accounts:detail", args=[saved.account_id]) + "#incumbents-h")
    return render(
        request,
        "accounts/incumbent_form.html",
        {"form": form, "account": incumbent.account, "incumbent": incumbent},
    )


@login_required
@require_http_methods(["GET", "POST"])
def incumbent_delete(request, pk: int):
    incumbent = or_404(account_competitor_get_visible(request.user, pk))
    if request.method == "POST":
        services.account_competitor_delete(actor=request.user, account_competitor=incumbent)
        messages.success(request, _("Incumbent supplier deleted."))
        return redirect(reverse("accounts:detail", args=[incumbent.account_id]) + "#incumbents-h")
    return render(
        request,
        "crm/confirm_delete.html",
        {"object": incumbent.competitor, "cancel_url": incumbent.account.get_absolute_url()},
    )
