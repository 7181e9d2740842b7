"""Forms of the admins' stages and loss reasons, the deals' settings, and a prospect's colour
set against the colour rule."""

from django import forms
from django.utils.translation import gettext_lazy as _

from opportunities.models import LossReason, OpportunitySettings, Stage
from prospects.models import Colour


class StageForm(forms.ModelForm):
    class Meta:
        model = Stage
        fields = ["name_en", "name_zh_hans", "probability", "is_won", "is_lost", "is_active"]


class LossReasonForm(forms.ModelForm):
    class Meta:
        model = LossReason
        fields = ["name_en", "name_zh_hans", "is_active"]


class OpportunitySettingsForm(forms.ModelForm):
    class Meta:
        model = OpportunitySettings
        fields = ["yellow_horizon_days"]


class MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", _("Up")), ("down", _("Down"))])


class ProspectColourForm(forms.Form):
    colour = forms.ChoiceField(label=_("Colour"), choices=Colour.choices)
    colour_override_reason = forms.CharField(
        label=_("Why, if it is not the rule's colour"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
