"""HTML pages of the visits app. Thin: selectors read, services write; a record outside the
user's book answers 404."""

import datetime
from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from accounts.selectors import account_get_visible, account_name_search_q
from core.http import or_404, run_service, safe_next_url
from core.paginator import CappedPaginator
from core.views import admin_object_delete, admin_object_edit, app_settings_edit
from visits import services
from visits.dates import days, month_bounds, week_bounds
from visits.forms import (
    ChecklistItemForm,
    GenerateForm,
    OccasionForm,
    PlanForm,
    ReminderBulkForm,
    RepFilterForm,
    SnoozeForm,
    TouchForm,
    VisitForm,
    VisitSettingsForm,
)
from visits.models import ChecklistItem, Occasion, Reminder, TouchType, VisitSettings
from visits.selectors import (
    ReminderGroup,
    calendar_plans,
    due_not_planned,
    occasions_list,
    plan_checklist,
    plan_get_visible,
    plan_in_book,
    reminder_get_visible,
    reminder_groups,
    reminder_text,
    reminders_in_group_order,
    reminders_inbox,
    reminders_visible_to,
    touch_get_visible,
    touch_in_book,
    touches_listed_for,
    visit_get_visible,
    visit_in_book,
    visits_listed_for,
)


def _day(value: str | None) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value) if value else timezone.localdate()
    except ValueError:
        return timezone.localdate()


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# A whole company's month can hold tens of thousands of plans: the page shows at most this
# many and asks to pick a rep.
CALENDAR_LIMIT = 1000


# --- Calendar and lists --------------------------------------------------------------------


@login_required
def calendar(request):
    """Week or month of planned visits, for the user or (managers) a rep of the team."""
    user = request.user
    view = "month" if request.GET.get("view") == "month" else "week"
    day = _day(request.GET.get("date"))
    start, end = month_bounds(day) if view == "month" else week_bounds(day)
    rep_form = RepFilterForm(request.GET, user=user, placeholder=_("Whole team"))
    rep = rep_form.cleaned_data["rep"] if rep_form.is_valid() else None
    if rep is None and not user.can_manage:
        rep = user
    # A rep the user may not plan for is the filter's error: the page lists nothing.
    plans = (
        list(calendar_plans(user, start=start, end=end, rep=rep)[: CALENDAR_LIMIT + 1])
        if rep_form.is_valid()
        else []
    )
    truncated = len(plans) > CALENDAR_LIMIT
    by_day = defaultdict(list)
    for plan in plans[:CALENDAR_LIMIT]:
        by_day[plan.planned_date].append(plan)
    if view == "month":
        grid_start, _end = week_bounds(start)
        _start, grid_end = week_bounds(end)
        prev_day, next_day = start - datetime.timedelta(days=1), end + datetime.timedelta(days=1)
    else:
        grid_start, grid_end = start, end
        prev_day, next_day = start - datetime.timedelta(days=7), end + datetime.timedelta(days=1)
    return render(
        request,
        "visits/calendar.html",
        {
            "view": view,
            "start": start,
            "end": end,
            "today": timezone.localdate(),
            "cells": [
                {"day": d, "plans": by_day.get(d, []), "in_period": start <= d <= end}
                for d in days(grid_start, grid_end)
            ],
            "plan_count": sum(len(v) for v in by_day.values()),
            "prev": prev_day,
            "next": next_day,
            "rep_form": rep_form,
            "filter_errors": rep_form.errors_text(),
            "rep": rep,
            "show_owner": rep is None,
            "truncated": truncated,
            "limit": CALENDAR_LIMIT,
        },
    )


@login_required
def due_list(request):
    """Accounts whose cadence says a visit is due and that have none planned."""
    today = timezone.localdate()
    qs = due_not_planned(request.user, day=today)
    rep_form = RepFilterForm(request.GET, user=request.user, placeholder=_("All owners"))
    if not rep_form.is_valid():
        qs = qs.none()  # a rep the user may not choose: the error, and no rows
    elif rep_form.cleaned_data["rep"] is not None:
        qs = qs.filter(owner_id=rep_form.cleaned_data["rep"].pk)
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(account_name_search_q(q))
    sort = request.GET.get("sort", "due")
    order = {"due": ("due", "name", "id"), "name": ("name", "id"), "tier": ("tier", "due", "id")}
    qs = qs.order_by(*order.get(sort, order["due"]))
    page = CappedPaginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "visits/due_list.html",
        {
            "page": page,
            "today": today,
            "q": q,
            "sort": sort,
            "rep_form": rep_form,
            "filter_errors": rep_form.errors_text(),
            "rep": rep_form.cleaned_data["rep"] if rep_form.is_valid() else None,
        },
    )


VISIT_SORTS = {
    "-date": ("-visit_date", "-visit_time", "-id"),
    "date": ("visit_date", "visit_time", "id"),
    "account": ("account__name", "-visit_date", "-id"),
}


@login_required
def visit_list(request):
    qs = visits_listed_for(request.user).select_related("account", "logged_by")
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(
            account_name_search_q(q, account_path="account__")
            | Q(purpose__icontains=q)
            | Q(outcome__icontains=q)
        )
    sort = request.GET.get("sort", "-date")
    qs = qs.order_by(*VISIT_SORTS.get(sort, VISIT_SORTS["-date"]))
    page = CappedPaginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "visits/visit_list.html", {"page": page, "q": q, "sort": sort})


@login_required
def visit_detail(request, pk: int):
    visit = or_404(visit_get_visible(request.user, pk))
    return render(
        request,
        "visits/visit_detail.html",
        {"visit": visit, "in_book": visit_in_book(request.user, visit)},
    )


def _read_only(request, visit):
    """A visit seen only as its author's (the account went to another rep): back to it."""
    messages.info(request, _("This account is no longer in your book: the visit is read-only."))
    return redirect("visits:visit_detail", pk=visit.pk)


def _plan_read_only(request, plan):
    """A done plan seen only as its visit's author's: back to it, nothing changed."""
    messages.info(request, _("This account is no longer in your book: the plan is read-only."))
    return redirect("visits:plan_detail", pk=plan.pk)


def _touch_read_only(request, touch):
    """A touch seen only as its author's: back to its read-only page, nothing changed."""
    messages.info(request, _("This account is no longer in your book: the touch is read-only."))
    return redirect("visits:touch_edit", pk=touch.pk)


# --- Logging a visit -----------------------------------------------------------------------


def _visit_context(request):
    """The account, plan and reminder a visit or touch is logged from (all in the book, else
    404): named by the page's address (`?account=`, `?plan=`, `?reminder=`) or the form's
    hidden plan and reminder. An account picked in the form is the form's to check: one
    outside the book is a field error there, the other fields kept."""
    source = request.POST if request.method == "POST" else request.GET
    account = plan = reminder = None
    reminder_id = _int(source.get("reminder"))
    if reminder_id:
        reminder = or_404(reminder_get_visible(request.user, reminder_id))
        account = reminder.account
        plan = reminder.plan
    plan_id = _int(source.get("plan"))
    if plan_id:
        plan = or_404(plan_get_visible(request.user, plan_id))
        if not plan_in_book(request.user, plan):
            raise Http404  # a plan seen only as its visit's author's: no visit logged for it
        account = plan.account
    page_account_id = _int(request.GET.get("account"))
    if account is None and page_account_id:
        account = or_404(account_get_visible(request.user, page_account_id))
    # A fixed account is a hidden field: another one posted is tampering, not a typo.
    posted = {page_account_id, _int(request.POST.get("account"))} - {None}
    if account is not None and posted - {account.pk}:
        raise Http404
    return account, plan, reminder


@login_required
@require_http_methods(["GET", "POST"])
def visit_create(request):
    account, plan, reminder = _visit_context(request)
    initial = {}
    if plan is not None:
        initial.update({"plan": plan.pk, "purpose": plan.purpose, "account": plan.account_id})
    elif account is not None:
        initial["account"] = account.pk
    form = VisitForm(request.POST or None, user=request.user, account=account, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        contacts = data.pop("contacts", [])
        next_visit_date = data.pop("next_visit_date", None)
        check_in = form.pop_check_in(data)
        visit = run_service(
            form,
            services.visit_create,
            actor=request.user,
            data=data,
            contacts=contacts,
            reminder=reminder,
            next_visit_date=next_visit_date,
            check_in=check_in,
            next_step_due=data.pop("next_step_due", None),
            next_step_due_time=data.pop("next_step_due_time", None),
        )
        if visit:
            messages.success(request, _("Visit logged."))
            return redirect(safe_next_url(request, visit.account.get_absolute_url()))
    return render(
        request,
        "visits/visit_form.html",
        {"form": form, "account": account, "plan": plan, "reminder": reminder},
    )


@login_required
@require_http_methods(["GET", "POST"])
def visit_edit(request, pk: int):
    visit = or_404(visit_get_visible(request.user, pk))
    if not visit_in_book(request.user, visit):
        return _read_only(request, visit)
    form = VisitForm(
        request.POST or None,
        instance=visit,
        user=request.user,
        account=visit.account,
        initial={"contacts": list(visit.contacts.all())},
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        contacts = data.pop("contacts", [])
        saved = run_service(
            form,
            services.visit_update,
            actor=request.user,
            visit=visit,
            data=data,
            contacts=contacts,
        )
        if saved:
            messages.success(request, _("Visit saved."))
            return redirect("visits:visit_detail", pk=saved.pk)
    return render(
        request, "visits/visit_form.html", {"form": form, "visit": visit, "account": visit.account}
    )


@login_required
@require_http_methods(["GET", "POST"])
def visit_delete(request, pk: int):
    visit = or_404(visit_get_visible(request.user, pk))
    if not visit_in_book(request.user, visit):
        return _read_only(request, visit)
    if request.method == "POST":
        services.visit_delete(actor=request.user, visit=visit)
        messages.success(request, _("Visit deleted."))
        return redirect(visit.account.get_absolute_url())
    return render(
        request,
        "crm/confirm_delete.html",
        {"object": visit, "cancel_url": reverse("visits:visit_detail", args=[visit.pk])},
    )


# --- Plans and the checklist ---------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def plan_create(request):
    account, _plan, _reminder = _visit_context(request)
    initial = {"planned_date": _day(request.GET.get("date"))}
    if account is not None:
        initial["account"] = account.pk
    form = PlanForm(request.POST or None, user=request.user, account=account, initial=initial)
    if request.method == "POST" and form.is_valid():
        plan = run_service(form, services.plan_create, actor=request.user, data=form.cleaned_data)
        if plan:
            messages.success(request, _("Visit planned."))
            return redirect("visits:plan_detail", pk=plan.pk)
    return render(request, "visits/plan_form.html", {"form": form, "account": account})


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request, pk: int):
    plan = or_404(plan_get_visible(request.user, pk))
    if not plan_in_book(request.user, plan):
        return _plan_read_only(request, plan)
    form = PlanForm(request.POST or None, instance=plan, user=request.user, account=plan.account)
    if request.method == "POST" and form.is_valid():
        saved = run_service(
            form, services.plan_update, actor=request.user, plan=plan, data=form.cleaned_data
        )
        if saved:
            messages.success(request, _("Plan saved."))
            return redirect("visits:plan_detail", pk=saved.pk)
    return render(
        request, "visits/plan_form.html", {"form": form, "plan": plan, "account": plan.account}
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_cancel(request, pk: int):
    plan = or_404(plan_get_visible(request.user, pk))
    if not plan_in_book(request.user, plan):
        return _plan_read_only(request, plan)
    if request.method == "POST":
        try:
            services.plan_cancel(actor=request.user, plan=plan)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Visit cancelled."))
        return redirect("visits:plan_detail", pk=plan.pk)
    return render(
        request,
        "visits/plan_cancel.html",
        {"plan": plan, "cancel_url": reverse("visits:plan_detail", args=[plan.pk])},
    )


@login_required
def plan_detail(request, pk: int):
    plan = or_404(plan_get_visible(request.user, pk))
    checklist = plan_checklist(plan)
    return render(
        request,
        "visits/plan_detail.html",
        {
            "plan": plan,
            "in_book": plan_in_book(request.user, plan),
            "checklist": checklist,
            "ticked": sum(1 for row in checklist if row["ticked"]),
            "visit": getattr(plan, "visit", None),
        },
    )


@login_required
@require_POST
def plan_checklist_save(request, pk: int):
    plan = or_404(plan_get_visible(request.user, pk))
    if not plan_in_book(request.user, plan):
        return _plan_read_only(request, plan)
    ids = [i for i in (_int(v) for v in request.POST.getlist("items")) if i is not None]
    try:
        count = services.checklist_set(actor=request.user, plan=plan, item_ids=ids)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Checklist saved: %(n)s ticked.") % {"n": count})
    return redirect("visits:plan_detail", pk=plan.pk)


@login_required
@require_http_methods(["GET", "POST"])
def plan_generate(request):
    form = GenerateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        bounds = month_bounds if data["period"] == "month" else week_bounds
        start, end = bounds(data["day"])
        created = run_service(
            form, services.plans_generate, actor=request.user, rep=data["rep"], start=start, end=end
        )
        if created is not None:
            messages.success(
                request,
                _("%(n)s visits planned from the cadences.") % {"n": created},
            )
            query = f"?view={data['period']}&date={start.isoformat()}&rep={data['rep'].pk}"
            return redirect(reverse("visits:calendar") + query)
    return render(request, "visits/plan_generate.html", {"form": form})


# --- Touches -------------------------------------------------------------------------------


@login_required
def touch_list(request):
    qs = touches_listed_for(request.user).select_related("account", "contact", "occasion")
    touch_type = request.GET.get("type", "")
    if touch_type:
        qs = qs.filter(type=touch_type)
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(
            account_name_search_q(q, account_path="account__") | Q(contact__name__icontains=q)
        )
    sort = request.GET.get("sort", "-date")
    qs = qs.order_by(*({"date": ("date", "id")}.get(sort, ("-date", "-id"))))
    page = CappedPaginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "visits/touch_list.html",
        {"page": page, "q": q, "sort": sort, "type": touch_type, "types": TouchType.choices},
    )


@login_required
@require_http_methods(["GET", "POST"])
def touch_create(request):
    account, _plan, reminder = _visit_context(request)
    initial = {}
    if account is not None:
        initial["account"] = account.pk
    if reminder is not None:
        initial.update(
            {
                "contact": reminder.contact_id,
                "type": reminder.touch_type,
                "occasion": reminder.occasion_id,
            }
        )
    form = TouchForm(request.POST or None, user=request.user, account=account, initial=initial)
    if request.method == "POST" and form.is_valid():
        touch = run_service(
            form,
            services.touch_create,
            actor=request.user,
            data=form.cleaned_data,
            reminder=reminder,
        )
        if touch:
            messages.success(request, _("Touch logged."))
            return redirect(safe_next_url(request, touch.account.get_absolute_url()))
    return render(
        request,
        "visits/touch_form.html",
        {"form": form, "account": account, "reminder": reminder},
    )


@login_required
@require_http_methods(["GET", "POST"])
def touch_edit(request, pk: int):
    touch = or_404(touch_get_visible(request.user, pk))
    if not touch_in_book(request.user, touch):
        # A touch seen only as its author's: shown read-only; a POST changes nothing.
        if request.method == "POST":
            return _touch_read_only(request, touch)
        return render(request, "visits/touch_detail.html", {"touch": touch})
    form = TouchForm(request.POST or None, instance=touch, user=request.user, account=touch.account)
    if request.method == "POST" and form.is_valid():
        saved = run_service(
            form, services.touch_update, actor=request.user, touch=touch, data=form.cleaned_data
        )
        if saved:
            messages.success(request, _("Touch saved."))
            return redirect(saved.account.get_absolute_url())
    return render(
        request, "visits/touch_form.html", {"form": form, "touch": touch, "account": touch.account}
    )


@login_required
@require_http_methods(["GET", "POST"])
def touch_delete(request, pk: int):
    touch = or_404(touch_get_visible(request.user, pk))
    if not touch_in_book(request.user, touch):
        return _touch_read_only(request, touch)
    if request.method == "POST":
        services.touch_delete(actor=request.user, touch=touch)
        messages.success(request, _("Touch deleted."))
        return redirect(touch.account.get_absolute_url())
    return render(
        request,
        "crm/confirm_delete.html",
        {"object": touch, "cancel_url": touch.account.get_absolute_url()},
    )


# --- Reminders -----------------------------------------------------------------------------


@login_required
def reminder_list(request):
    """The user's reminders: showing today (default), snoozed, or done."""
    user = request.user
    show = request.GET.get("show", "open")
    today = timezone.localdate()
    if show == "done":
        qs = reminders_visible_to(user).filter(recipient=user, status=Reminder.Status.DONE)
        qs = qs.select_related("account", "contact", "plan", "occasion").order_by("-done_at")
    elif show == "snoozed":
        qs = (
            reminders_visible_to(user)
            .filter(recipient=user, status=Reminder.Status.OPEN, snoozed_until__gt=today)
            .select_related("account", "contact", "plan", "occasion")
            .order_by("snoozed_until", "id")
        )
    else:
        show = "open"
        qs = reminders_inbox(user, day=today)
    kind = request.GET.get("kind", "")
    if kind:
        qs = qs.filter(kind=kind)
    if show != "done":
        qs = reminders_in_group_order(qs)
    page = CappedPaginator(qs, 50).get_page(request.GET.get("page"))
    if show == "done":
        groups = (
            [
                ReminderGroup(
                    key="done",
                    label="",
                    rows=[{"reminder": r, "text": reminder_text(r)} for r in page.object_list],
                )
            ]
            if page.object_list
            else []
        )
    else:
        groups = reminder_groups(page.object_list)
    return render(
        request,
        "visits/reminder_list.html",
        {
            "page": page,
            "groups": groups,
            "show": show,
            "kind": kind,
            "kinds": Reminder.Kind.choices,
            "snooze_form": SnoozeForm(),
            "tomorrow": today + datetime.timedelta(days=1),
            "in_a_week": today + datetime.timedelta(days=7),
        },
    )


@login_required
@require_POST
def reminders_bulk(request):
    """Done or snooze for the reminders ticked on the page: the user's own open ones only
    (all or nothing)."""
    form = ReminderBulkForm(request.POST)
    back = safe_next_url(request, reverse("visits:reminders"))
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(back)
    ids, action = form.cleaned_data["ids"], form.cleaned_data["action"]
    try:
        if action == "done":
            n = services.reminders_bulk_done(actor=request.user, ids=ids)
            done = ngettext("%(n)s reminder done.", "%(n)s reminders done.", n) % {"n": n}
        else:
            until = form.cleaned_data["until"]
            n = services.reminders_bulk_snooze(actor=request.user, ids=ids, until=until)
            done = ngettext(
                "%(n)s reminder snoozed until %(day)s.",
                "%(n)s reminders snoozed until %(day)s.",
                n,
            ) % {"n": n, "day": until.isoformat()}
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done)
    return redirect(back)


@login_required
@require_POST
def reminder_done(request, pk: int):
    reminder = or_404(reminder_get_visible(request.user, pk))
    try:
        services.reminder_mark_done(actor=request.user, reminder=reminder)
    except PermissionDenied:
        messages.error(request, _("Only the recipient can mark a reminder done."))
    else:
        messages.success(request, _("Reminder done."))
    return redirect(safe_next_url(request, reverse("visits:reminders")))


@login_required
@require_POST
def reminder_snooze(request, pk: int):
    reminder = or_404(reminder_get_visible(request.user, pk))
    form = SnoozeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a valid date to snooze until."))
        return redirect(safe_next_url(request, reverse("visits:reminders")))
    try:
        services.reminder_snooze(
            actor=request.user, reminder=reminder, until=form.cleaned_data["until"]
        )
    except PermissionDenied:
        messages.error(request, _("Only the recipient can snooze a reminder."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("Snoozed until %(day)s.") % {"day": form.cleaned_data["until"].isoformat()}
        )
    return redirect(safe_next_url(request, reverse("visits:reminders")))


# --- Settings (admins) ---------------------------------------------------------------------


def _admin_only(request) -> None:
    if not request.user.is_admin:
        raise Http404


@login_required
@require_http_methods(["GET", "POST"])
def settings_edit(request):
    return app_settings_edit(
        request,
        settings_model=VisitSettings,
        form_class=VisitSettingsForm,
        title=_("Visit and reminder settings"),
    )


@login_required
def checklist_items_list(request):
    _admin_only(request)
    return render(
        request,
        "visits/checklist_items.html",
        {"items": ChecklistItem.objects.order_by("position")},
    )


def _get(model, pk):
    return or_404(model.objects.filter(pk=pk).first())


@login_required
@require_http_methods(["GET", "POST"])
def checklist_item_edit(request, pk: int | None = None):
    _admin_only(request)
    item = _get(ChecklistItem, pk) if pk else None
    return admin_object_edit(
        request,
        form_class=ChecklistItemForm,
        instance=item,
        create=services.checklist_item_create,
        update=lambda actor, obj, data: services.checklist_item_update(
            actor=actor, item=obj, data=data
        ),
        title=_("Checklist item"),
        back="visits:checklist_items",
    )


@login_required
@require_http_methods(["GET", "POST"])
def checklist_item_delete(request, pk: int):
    _admin_only(request)
    return admin_object_delete(
        request,
        obj={"item": _get(ChecklistItem, pk)},
        delete=services.checklist_item_delete,
        back="visits:checklist_items",
    )


@login_required
def occasion_list(request):
    _admin_only(request)
    return render(request, "visits/occasions.html", {"occasions": occasions_list()})


@login_required
@require_http_methods(["GET", "POST"])
def occasion_edit(request, pk: int | None = None):
    _admin_only(request)
    occasion = _get(Occasion, pk) if pk else None
    return admin_object_edit(
        request,
        form_class=OccasionForm,
        instance=occasion,
        create=services.occasion_create,
        update=lambda actor, obj, data: services.occasion_update(
            actor=actor, occasion=obj, data=data
        ),
        title=_("Occasion"),
        back="visits:occasions",
    )


@login_required
@require_http_methods(["GET", "POST"])
def occasion_delete(request, pk: int):
    _admin_only(request)
    return admin_object_delete(
        request,
        obj={"occasion": _get(Occasion, pk)},
        delete=services.occasion_delete,
        back="visits:occasions",
    )
