"""The competitors' pages (/competitors/): the admin-edited list, and one competitor with the
accounts of the user's book where it is the incumbent, the contracts ending soon (the moments
to attack) and our win rate against it over the deals the user sees. In opportunities because
the win rate reads deals; the list itself (accounts.Competitor) belongs to accounts."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import services as account_services
from accounts.forms import CompetitorForm
from accounts.selectors import (
    account_competitors_visible_to,
    competitor_incumbencies,
    competitor_list,
)
from core.http import or_404, run_service
from opportunities.selectors import competitor_deals, competitor_win_rate

# The contract horizons of the competitor's page, in days.
HORIZONS = (90, 180)


@login_required
def competitor_list_page(request):
    """Every competitor (reference data), with how many accounts of the user's book it
    supplies."""
    in_book = Q(incumbencies__in=account_competitors_visible_to(request.user).values("pk"))
    competitors = competitor_list().annotate(accounts=Count("incumbencies", filter=in_book))
    return render(
        request,
        "competitors/competitor_list.html",
        {"competitors": competitors, "can_edit": request.user.is_admin},
    )


@login_required
def competitor_detail(request, pk: int):
    competitor = or_404(competitor_list().filter(pk=pk).first())
    today = timezone.localdate()
    incumbencies = competitor_incumbencies(request.user, competitor, today=today)
    ending = {
        days: [
            i
            for i in incumbencies
            if i.contract_end is not None
            and today <= i.contract_end <= today + datetime.timedelta(days=days)
        ]
        for days in HORIZONS
    }
    return render(
        request,
        "competitors/competitor_detail.html",
        {
            "competitor": competitor,
            "incumbencies": incumbencies,
            "ending": [(days, ending[days]) for days in HORIZONS],
            "win_rate": competitor_win_rate(request.user, competitor.pk),
            "deals": competitor_deals(request.user, competitor.pk),
            "can_edit": request.user.is_admin,
        },
    )


def _admin_only(request) -> None:
    if not request.user.is_admin:
        raise Http404


@login_required
@require_http_methods(["GET", "POST"])
def competitor_create(request):
    _admin_only(request)
    form = CompetitorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        saved = run_service(
            form, account_services.competitor_create, actor=request.user, data=form.cleaned_data
        )
        if saved:
            messages.success(request, _("Competitor saved."))
            return redirect("competitors:detail", pk=saved.pk)
    return render(request, "competitors/competitor_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def competitor_edit(request, pk: int):
    _admin_only(request)
    competitor = or_404(competitor_list().filter(pk=pk).first())
    form = CompetitorForm(request.POST or None, instance=competitor)
    if request.method == "POST" and form.is_valid():
        saved = run_service(
            form,
            account_services.competitor_update,
            actor=request.user,
            competitor=competitor,
            data=form.cleaned_data,
        )
        if saved:
            messages.success(request, _("Competitor saved."))
            return redirect("competitors:detail", pk=saved.pk)
    return render(
        request, "competitors/competitor_form.html", {"form": form, "competitor": competitor}
    )
