"""The forecast's parameters, shared by its page, downloads and API: `period` (month or
quarter, default quarter), `period_start` (any day of the period, default today), `team` and
`owner` (ids of a team or user the caller sees; another answers 404), `since` (the past day
"what changed" starts from, default a week ago), `date_from` / `date_to` (the window of win
rate, deal size, cycle and funnel, default the last 90 days). A value it cannot read is a 400
naming the parameter."""

import datetime
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.filters import StrictIntegerField
from opportunities.forecast import Population, population_for
from opportunities.models import Target
from opportunities.targets import check_day

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# The longest window of the performance figures (ten years).
MAX_WINDOW_DAYS = 3660


class ForecastParamsForm(forms.Form):
    period = forms.ChoiceField(choices=Target.Period.choices, required=False, label=_("Period"))
    period_start = forms.DateField(required=False, label=_("Period start"), widget=DATE)
    team = StrictIntegerField(required=False, min_value=1, label=_("Team"))
    owner = StrictIntegerField(required=False, min_value=1, label=_("Owner"))
    since = forms.DateField(required=False, label=_("Changes since"), widget=DATE)
    date_from = forms.DateField(required=False, label=_("Closed from"), widget=DATE)
    date_to = forms.DateField(required=False, label=_("Closed until"), widget=DATE)

    def clean(self):
        data = super().clean() or {}
        for name in ("period_start", "since", "date_from", "date_to"):
            try:
                check_day(data.get(name), name)
            except ValidationError as exc:
                self.add_error(None, exc)
                data.pop(name, None)
        date_from, date_to = data.get("date_from"), data.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", _("The end comes before the start."))
        elif date_from and date_to and (date_to - date_from).days > MAX_WINDOW_DAYS:
            self.add_error("date_to", _("Choose at most ten years."))
        return data


@dataclass(frozen=True)
class ForecastParams:
    population: Population
    period: str
    day: datetime.date
    since: datetime.datetime
    date_from: datetime.date
    date_to: datetime.date


def forecast_params(user, data) -> tuple[ForecastParamsForm, ForecastParams | None, bool]:
    """(form, params, found): params None when the form is invalid (400) or, with found
    False, when the team or owner is not one the user sees (404)."""
    form = ForecastParamsForm(data)
    if not form.is_valid():
        return form, None, True
    cleaned = form.cleaned_data
    population = population_for(user, team=cleaned.get("team"), owner=cleaned.get("owner"))
    if population is None:
        return form, None, False
    today = timezone.localdate()
    since_day = cleaned.get("since") or today - datetime.timedelta(days=7)
    since = timezone.make_aware(datetime.datetime.combine(since_day, datetime.time.min))
    date_to = cleaned.get("date_to") or today
    date_from = cleaned.get("date_from") or date_to - datetime.timedelta(days=89)
    if date_from > date_to:
        date_from = date_to
    params = ForecastParams(
        population=population,
        period=cleaned.get("period") or Target.Period.QUARTER,
        day=cleaned.get("period_start") or today,
        since=since,
        date_from=date_from,
        date_to=date_to,
    )
    return form, params, True
