"""Forms of the scoring pages: the settings (admins) and the population and list filters."""

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.models import Team, Territory, User
from crm.pickers import UserPickerField
from crm.selectors import teams_visible_to, territory_list, users_visible_to
from scoring.models import Priority, Quadrant, ScoringSettings


class ScoringSettingsForm(forms.ModelForm):
    class Meta:
        model = ScoringSettings
        fields = [
            "method",
            "a_cutoff",
            "b_cutoff",
            "count_a_share",
            "count_b_share",
            "tier_basis",
            "tier_revenue",
            "window_days",
            "snapshot_retention",
            "output_measure",
            "weight_visits",
            "weight_hours",
            "weight_expenses",
            "quadrant_thresholds",
            "input_threshold",
            "output_threshold",
            "priority_revenue_threshold",
            "priority_potential_threshold",
            "priority_worksheet_min",
        ]


class PopulationForm(forms.Form):
    """Narrow the figures to a team, a territory or an owner within what the user may see."""

    team: "forms.ModelChoiceField[Team]" = forms.ModelChoiceField(
        queryset=None, required=False, label=_("Team"), empty_label=_("All teams")
    )
    territory: "forms.ModelChoiceField[Territory]" = forms.ModelChoiceField(
        queryset=None, required=False, label=_("Territory"), empty_label=_("All territories")
    )
    # The owner: a type-ahead picker over the users the user sees (core.pickers), empty for all.
    owner: "forms.ModelChoiceField[User]"

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, **kwargs)
        # The stubs type self.fields as plain Field; cast to the field's own class.
        cast(forms.ModelChoiceField, self.fields["team"]).queryset = teams_visible_to(user)
        cast(forms.ModelChoiceField, self.fields["territory"]).queryset = territory_list()
        self.fields["owner"] = UserPickerField(
            users_visible_to(user),
            active_only=False,
            required=False,
            label=_("Owner"),
            help_text="",
            placeholder=_("All owners"),
        )
        self.order_fields(["team", "territory", "owner"])


DIRECTION_CHOICES = [("", _("Up or down")), ("up", _("Up")), ("down", _("Down"))]
TIER_CHOICES = [("", _("All tiers")), ("A", "A"), ("B", "B"), ("C", "C"), ("none", _("No tier"))]
SORTS = {
    "position": ("position", "account_id"),
    "-revenue": ("-revenue", "account_id"),
    "revenue": ("revenue", "account_id"),
    "name": ("account__name", "account_id"),
    "-name": ("-account__name", "account_id"),
}


class SnapshotFilterForm(PopulationForm):
    """The accounts behind a figure: tier, quadrant, priority class, movement, search."""

    q = forms.CharField(required=False, label=_("Search"), max_length=100)
    tier = forms.ChoiceField(choices=TIER_CHOICES, required=False, label=_("Tier"))
    quadrant = forms.TypedChoiceField(
        choices=[("", _("All quadrants")), *Quadrant.choices],
        coerce=int,
        empty_value=None,
        required=False,
        label=_("Quadrant"),
    )
    priority = forms.ChoiceField(
        choices=[("", _("All priority classes")), *Priority.choices],
        required=False,
        label=_("Priority"),
    )
    direction = forms.ChoiceField(choices=DIRECTION_CHOICES, required=False, label=_("Movement"))
    sort = forms.ChoiceField(choices=[(k, k) for k in SORTS], required=False, label=_("Sort"))

    def row_filters(self) -> dict:
        if not self.is_bound or not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "tier": data.get("tier") or None,
            "quadrant": data.get("quadrant"),
            "priority": data.get("priority") or None,
            "direction": data.get("direction") or None,
        }
