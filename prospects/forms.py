from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from prospects.models import CRITERIA, Colour, Prospect, ProspectSettings, SubStage
from prospects.services import PROSPECT_EDIT_FIELDS, PROSPECT_FIELDS


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
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

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
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

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


class ProspectSettingsForm(forms.ModelForm):
    class Meta:
        model = ProspectSettings
        fields = ["pipeline_minimum"]
