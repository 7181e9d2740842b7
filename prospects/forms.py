import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from crm.models import Team
from prospects.models import (
    CRITERIA,
    Colour,
    Prospect,
    ProspectSettings,
    SubStage,
    industry_key,
)
from prospects.services import PROSPECT_EDIT_FIELDS, PROSPECT_FIELDS, team_field_name


class WorksheetForm(forms.Form):
    """Seven toggles (on = 1, off = 0) and an optional note per criterion."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for criterion in CRITERIA:
            self.fields[criterion.field] = forms.BooleanField(
                label=criterion.label,
                required=False,
                widget=forms.CheckboxInput(attrs={"class": "toggle-input", "role": "switch"}),
            )
            self.fields[criterion.note_field] = forms.CharField(
                label=_("Note on “%(criterion)s”") % {"criterion": criterion.label},
                required=False,
                max_length=500,
                widget=forms.TextInput(attrs={"class": "note-input"}),
            )

    def criteria(self) -> list[dict]:
        return [
            {
                "criterion": c,
                "field": self[c.field],
                "note": self[c.note_field],
            }
            for c in CRITERIA
        ]

    def scores(self) -> dict[str, int]:
        return {c.field: int(bool(self.cleaned_data.get(c.field))) for c in CRITERIA}

    def notes(self) -> dict[str, str]:
        return {c.note_field: self.cleaned_data.get(c.note_field, "") for c in CRITERIA}


class SubStageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: SubStage) -> str:
        return str(obj)


class ProspectCreateForm(forms.ModelForm):
    class Meta:
        model = Prospect
        fields = PROSPECT_FIELDS
        field_classes = {"sub_stage": SubStageChoiceField}
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 3}),
            "loyalty_override_reason": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The stubs type self.fields as plain Field; cast to the field's own class.
        cast(forms.ModelChoiceField, self.fields["sub_stage"]).queryset = SubStage.objects.filter(
            is_active=True
        )


class ProspectEditForm(forms.ModelForm):
    class Meta:
        model = Prospect
        fields = PROSPECT_EDIT_FIELDS
        field_classes = {"sub_stage": SubStageChoiceField}
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 3}),
            "loyalty_override_reason": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The stubs type self.fields as plain Field; cast to the field's own class.
        cast(forms.ModelChoiceField, self.fields["sub_stage"]).queryset = SubStage.objects.filter(
            is_active=True, colour=self.instance.colour
        )


class MoveForm(forms.Form):
    """A colour, a sub-stage, or both (a sub-stage alone moves to its colour)."""

    colour = forms.ChoiceField(label=_("colour"), choices=Colour.choices, required=False)
    sub_stage = SubStageChoiceField(
        label=_("sub-stage"), queryset=SubStage.objects.filter(is_active=True), required=False
    )

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if not data.get("colour"):
            if data.get("sub_stage") is None:
                if not self.errors:
                    self.add_error("colour", _("Choose green, yellow or red."))
            else:
                data["colour"] = data["sub_stage"].colour
        return data


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("decision"), choices=Prospect.Decision.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when abandoning."),
    )

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if data.get("decision") == Prospect.Decision.ABANDON and not data.get("reason", "").strip():
            self.add_error("reason", _("Give a reason for abandoning."))
        return data


class ReviveForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("decision"),
        choices=[
            (Prospect.Decision.KEEP_VISITING, Prospect.Decision.KEEP_VISITING.label),
            (Prospect.Decision.DONT_GIVE_UP, Prospect.Decision.DONT_GIVE_UP.label),
        ],
        widget=forms.RadioSelect,
        initial=Prospect.Decision.KEEP_VISITING,
    )
    reason = forms.CharField(
        label=_("reason"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


RATIO_PLACES = Decimal("0.001")
_SEPARATORS = re.compile(r"[:：=]")


class IndustryRatiosField(forms.CharField):
    """The per-industry ratios as lines "industry: ratio" (制造业: 0.2); an error names its line."""

    widget = forms.Textarea(attrs={"rows": 5})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dict):
            return "\n".join(f"{industry}: {ratio}" for industry, ratio in value.items())
        return value

    def to_python(self, value: Any) -> dict[str, str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        ratios: dict[str, str] = {}
        lines_of: dict[str, int] = {}
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            parts = _SEPARATORS.split(line)
            industry, raw = ":".join(parts[:-1]).strip(), parts[-1].strip()
            if len(parts) < 2 or not industry:
                raise ValidationError(
                    _("Line %(n)s: write the industry, a colon and the ratio (制造业: 0.2)."),
                    params={"n": n},
                )
            try:
                ratio = Decimal(raw)
            except InvalidOperation:
                ratio = Decimal("NaN")
            if ratio.is_nan() or not Decimal(0) <= ratio <= Decimal(1):
                raise ValidationError(
                    _("Line %(n)s: %(value)s is no ratio from 0 to 1."),
                    params={"n": n, "value": raw},
                )
            key = industry_key(industry)
            if key in lines_of:
                raise ValidationError(
                    _("Line %(n)s: %(industry)s is already on line %(first)s."),
                    params={"n": n, "industry": industry, "first": lines_of[key]},
                )
            lines_of[key] = n
            ratios[industry] = str(ratio.quantize(RATIO_PLACES, rounding=ROUND_HALF_UP))
        return ratios


class ProspectSettingsForm(forms.ModelForm):
    industry_ratios = IndustryRatiosField(
        label=_("ratio per industry"),
        required=False,
        help_text=_(
            "One industry a line, as written on the accounts, with its ratio: 制造业: 0.2. "
            "Accounts of other industries count with the general ratio."
        ),
    )

    class Meta:
        model = ProspectSettings
        fields = [
            "rep_prospect_ratio",
            "industry_ratios",
            "loyalty_high_share",
            "loyalty_high_contract_days",
        ]

    # The loyalty proposal's thresholds came later: a post without them keeps the saved ones.
    KEPT_WHEN_BLANK = ("loyalty_high_share", "loyalty_high_contract_days")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.KEPT_WHEN_BLANK:
            self.fields[name].required = False

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        for name in self.KEPT_WHEN_BLANK:
            if cleaned.get(name) is None and name not in self.errors:
                cleaned[name] = getattr(self.instance, name)
        return cleaned


class TeamMinimumsForm(forms.Form):
    """One field per team (`team_<id>`): the open prospects its reps should hold together."""

    def __init__(self, *args: Any, teams: list[Team], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.teams = teams
        for team in teams:
            self.fields[team_field_name(team.pk)] = forms.IntegerField(
                label=team.name, min_value=1, initial=team.pipeline_minimum
            )

    def minimums(self) -> dict[int, int]:
        return {team.pk: self.cleaned_data[team_field_name(team.pk)] for team in self.teams}
