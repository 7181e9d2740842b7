"""HTML pages of the health app. Thin: the forecast module reads, through the visibility
rule."""

import datetime

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from accounts.selectors import accounts_visible_to
from health.forecast import forecast_params, tier_forecast

PAGE_ROWS = 200


class ForecastForm(forms.Form):
    as_of = forms.DateField(label=_("As of"), required=False)
    horizon_days = forms.IntegerField(
        label=_("Horizon (days)"), min_value=1, max_value=730, required=False
    )
    tier = forms.ChoiceField(
        label=_("Tier now"),
        required=False,
        choices=[("", _("A and B")), ("A", "A"), ("B", "B")],
    )


def forecast_rows(user, *, as_of: datetime.date | None, horizon_days: int | None, tier: str = ""):
    """(params, rows) of the forecast for `user`'s book, likeliest drops first."""
    today = timezone.localdate()
    as_of = as_of or today
    params = forecast_params(
        as_of=as_of, horizon_days=horizon_days or 90, live_tiers=as_of >= today
    )
    rows = tier_forecast(params, accounts=accounts_visible_to(user))
    if tier:
        rows = [row for row in rows if row.current_tier == tier]
    rows.sort(key=lambda row: (-row.probability, row.account_id))
    return params, rows


@login_required
@require_GET
def forecast(request):
    """The tier-drop forecast of the user's A and B accounts (health.forecast)."""
    form = ForecastForm(request.GET or None)
    rows, params = [], None
    if not form.is_bound or form.is_valid():
        data = form.cleaned_data if form.is_bound else {}
        params, rows = forecast_rows(
            request.user,
            as_of=data.get("as_of"),
            horizon_days=data.get("horizon_days"),
            tier=data.get("tier", ""),
        )
    drops = sum(row.predicted_tier != row.current_tier for row in rows)
    return render(
        request,
        "health/forecast.html",
        {
            "form": form,
            "params": params,
            "rows": rows[:PAGE_ROWS],
            "total": len(rows),
            "drops": drops,
        },
    )
