"""HTML pages of targets (/targets/): the list by period with filters and each target's
attainment, the form to set one, its value's edit, delete with confirmation. Thin: reads
through opportunities.targets and opportunities.attainment, writes through the services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.http import or_404, run_service, safe_next_url
from core.paginator import CappedPaginator
from opportunities import targets as services
from opportunities.attainment import attainment_for
from opportunities.models import Target
from opportunities.target_filters import TargetFilter
from opportunities.target_forms import TargetForm, TargetValueForm
from opportunities.targets import (
    target_can_set,
    target_get_visible,
    target_reps_settable_by,
    target_settable_q,
    target_teams_settable_by,
    targets_visible_to,
)

FILTER_FIELDS = ["period", "period_start", "measure", "user", "team"]


def _may_set_any(user) -> bool:
    return target_teams_settable_by(user).exists() or target_reps_settable_by(user).exists()


@login_required
def target_list(request):
    data = request.GET.copy()
    page_filter = TargetFilter(data, queryset=targets_visible_to(request.user), request=request)
    qs = page_filter.qs if page_filter.is_valid() else Target.objects.none()
    qs = qs.order_by("-period_start", "period", "team__name", "user__username", "measure", "pk")
    page = CappedPaginator(qs, 50).get_page(request.GET.get("page"))
    today = timezone.localdate()
    rows = attainment_for(page.object_list, today)
    settable = set(
        Target.objects.filter(target_settable_q(request.user))
        .filter(pk__in=[row.target.pk for row in rows])
        .values_list("pk", flat=True)
    )
    query = data.copy()
    query.pop("page", None)
    return render(
        request,
        "opportunities/targets/target_list.html",
        {
            "filter": page_filter,
            "filter_fields": FILTER_FIELDS,
            "page": page,
            "rows": rows,
            "settable": settable,
            "query": query.urlencode(),
            "may_set": _may_set_any(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def target_create(request):
    if not _may_set_any(request.user):
        raise Http404
    form = TargetForm(
        request.POST or None,
        user=request.user,
        initial={"period": Target.Period.MONTH, "period_start": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            target = run_service(form, services.target_set, actor=request.user, **form.cleaned_data)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
            target = None
        if target:
            messages.success(request, _("Target saved."))
            return redirect(safe_next_url(request, reverse("targets:list")))
    return render(request, "opportunities/targets/target_form.html", {"form": form})


def _settable(request, pk: int) -> Target:
    target = or_404(target_get_visible(request.user, pk))
    if not target_can_set(request.user, user=target.user, team=target.team):
        raise Http404
    return target


@login_required
@require_http_methods(["GET", "POST"])
def target_edit(request, pk: int):
    target = _settable(request, pk)
    form = TargetValueForm(request.POST or None, initial={"value": target.value})
    if request.method == "POST" and form.is_valid():
        saved = run_service(
            form,
            services.target_update,
            actor=request.user,
            target=target,
            value=form.cleaned_data["value"],
        )
        if saved:
            messages.success(request, _("Target saved."))
            return redirect(safe_next_url(request, reverse("targets:list")))
    return render(
        request, "opportunities/targets/target_form.html", {"form": form, "target": target}
    )


@login_required
@require_http_methods(["GET", "POST"])
def target_delete(request, pk: int):
    target = _settable(request, pk)
    if request.method == "POST":
        services.target_delete(actor=request.user, target=target)
        messages.success(request, _("Target deleted."))
        return redirect(safe_next_url(request, reverse("targets:list")))
    return render(
        request,
        "crm/confirm_delete.html",
        {"object": target, "cancel_url": reverse("targets:list")},
    )
