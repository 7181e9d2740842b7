"""HTML pages of the sales map: the map, the day's route, and the pin of the customer card.
Thin: selectors read, services write; an account outside the book answers 404."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Account
from accounts.selectors import account_get_visible
from accounts.services import account_location_set
from core.http import or_404, run_service
from salesmap.filters import map_filter_for_page
from salesmap.forms import LocationForm, RouteForm
from salesmap.selectors import MAP_LIMIT, day_route, map_accounts_base
from salesmap.services import account_geocode


@login_required
@require_GET
def map_page(request):
    """The accounts of the book on a map, coloured by tier; the markers come from the JSON
    endpoint (salesmap-api:accounts) with the same filters."""
    filterset = map_filter_for_page(
        request.user, request.GET, queryset=map_accounts_base(request.user), request=request
    )
    valid = filterset.is_valid()
    query = filterset.picked_query(request.GET) if valid else None
    return render(
        request,
        "salesmap/map.html",
        {
            "filter": filterset,
            "filter_errors": not valid,
            "data_url": reverse("salesmap-api:accounts")
            + ("?" + query.urlencode() if query else ""),
            "limit": MAP_LIMIT,
        },
    )


@login_required
@require_GET
def route_page(request):
    """The day's planned visits as a route: A-tier accounts in the morning first, then the
    shortest tour among the rest; on the map and as a list with the legs' distances."""
    form = RouteForm(request.GET or None, user=request.user)
    result = None
    if not request.GET or form.is_valid():
        data = form.cleaned_data if request.GET else {}
        rep = data.get("rep") or request.user  # a route is one rep's day
        result = day_route(
            request.user,
            day=data.get("date") or timezone.localdate(),
            rep=rep,
            start=data.get("start"),
        )
    return render(request, "salesmap/route.html", {"form": form, "route": result})


@login_required
@require_POST
def account_location(request, account_pk: int):
    """The pin the rep dragged (or typed) on the customer card."""
    account: Account = or_404(account_get_visible(request.user, account_pk))
    form = LocationForm(request.POST)
    saved = form.is_valid() and run_service(
        form,
        account_location_set,
        actor=request.user,
        account=account,
        latitude=form.cleaned_data["latitude"],
        longitude=form.cleaned_data["longitude"],
        source=Account.LocationSource.PIN,
    )
    return _back_to_card(request, account, form, saved)


@login_required
@require_POST
def account_geocode_view(request, account_pk: int):
    """ "Find it from the address": the configured geocoder (CRM_GEOCODER_URL) places the
    account; without one, nothing is called and the card says so."""
    account: Account = or_404(account_get_visible(request.user, account_pk))
    form = forms.Form(request.POST)
    form.is_valid()
    saved = run_service(form, account_geocode, actor=request.user, account=account)
    return _back_to_card(request, account, form, saved)


def _back_to_card(request, account: Account, form: forms.Form, saved) -> HttpResponse:
    if saved:
        messages.success(request, _("Location saved."))
    else:
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else str(error))
    return redirect(account.get_absolute_url() + "#location")
