"""Forms of the targets pages. They only shape input; opportunities.targets decides and writes."""

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.models import User
from crm.pickers import UserPickerField
from opportunities.models import AMOUNT_PLACES, Target
from opportunities.targets import target_reps_settable_by, target_teams_settable_by

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class TargetForm(forms.Form):
    """A new target (or a new value for the one already set): one rep or one team, the period
    (month or quarter, from any day in it), the measure and the value."""

    user = forms.Field(required=False)  # replaced by a picker over the reps the user may target
    team: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=None, required=False, label=_("Team")
    )
    period = forms.ChoiceField(choices=Target.Period.choices, label=_("Period"))
    period_start = forms.DateField(
        label=_("Period start"),
        widget=DATE,
        help_text=_("Any day of the month or quarter: its first day is taken."),
    )
    measure = forms.ChoiceField(choices=Target.Measure.choices, label=_("Measure"))
    value = forms.DecimalField(
        label=_("Target"), min_value=0, max_digits=16, decimal_places=AMOUNT_PLACES
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"] = UserPickerField(
            target_reps_settable_by(user), reps_only=True, required=False, label=_("Rep")
        )
        self.fields["team"].queryset = target_teams_settable_by(user)  # type: ignore[attr-defined]

    def clean(self):
        data = super().clean() or {}
        if bool(data.get("user")) == bool(data.get("team")):
            raise forms.ValidationError(_("Choose one rep or one team."))
        return data


class TargetValueForm(forms.Form):
    value = forms.DecimalField(
        label=_("Target"), min_value=0, max_digits=16, decimal_places=AMOUNT_PLACES
    )
