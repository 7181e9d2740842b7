"""The dashboard's parameters: a population (team, territory, owner within the user's book) and
a period (date_from, date_to; default the last 30 days)."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from scoring.dashboard.query import MAX_PERIOD_DAYS, Period, default_period
from scoring.forms import PopulationForm

POPULATION_FIELDS = ("team", "territory", "owner")
# Dates far enough from the calendar's ends that the previous period still exists.
EARLIEST = datetime.date(1900, 1, 1)
LATEST = datetime.date(9000, 12, 31)


class DashboardForm(PopulationForm):
    date_from = forms.DateField(
        required=False,
        label=_("From"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("First day of the period (default: 30 days ago)."),
    )
    date_to = forms.DateField(
        required=False,
        label=_("To"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Last day of the period (default: today)."),
    )

    def __init__(self, data=None, *, user, today: datetime.date, **kwargs):
        super().__init__(data, user=user, **kwargs)
        self.today = today

    def clean(self):
        super().clean()
        data = self.cleaned_data
        default = default_period(self.today)
        date_from, date_to = data.get("date_from"), data.get("date_to")
        for name in ("date_from", "date_to"):
            value = data.get(name)
            if value is not None and not EARLIEST <= value <= LATEST:
                self.add_error(
                    name,
                    _("Give a date between %(first)s and %(last)s.")
                    % {"first": EARLIEST.isoformat(), "last": LATEST.isoformat()},
                )
        if "date_from" in self.errors or "date_to" in self.errors:
            return data
        if date_to is None:
            date_to = default.date_to if date_from is None else max(date_from, default.date_to)
        if date_from is None:
            date_from = date_to - datetime.timedelta(days=default.days - 1)
        if date_from > date_to:
            self.add_error("date_from", _("The start of the period must not be after its end."))
        elif (date_to - date_from).days + 1 > MAX_PERIOD_DAYS:
            self.add_error(
                "date_to",
                _("The period may be at most %(days)s days long.") % {"days": MAX_PERIOD_DAYS},
            )
        data["date_from"], data["date_to"] = date_from, date_to
        return data

    def population_refused(self) -> bool:
        """A team or owner outside the user's book (or unknown): answered as not found."""
        return any(name in self.errors for name in POPULATION_FIELDS)

    def period(self) -> Period:
        return Period(self.cleaned_data["date_from"], self.cleaned_data["date_to"])

    def filters(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in POPULATION_FIELDS}
