"""Forms of the playbook pages: the admins' talk tracks and outline, the rep's answers."""

from django import forms
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from playbook.models import ANSWER_MAX_LENGTH, IntelligenceQuestion, TalkTrack
from playbook.selectors import OutlineRow
from playbook.services import QUESTION_FIELDS, TALK_TRACK_FIELDS

POSITION_HELP = _("Leave blank to put it last.")


def _one_language(form: forms.ModelForm, en: str, zh: str, message: str | Promise) -> None:
    """The same rule as the service's, on the field, before the model's constraint would
    answer with its name."""
    data = form.cleaned_data
    if en in data and zh in data and not (data[en] or "").strip() and not (data[zh] or "").strip():
        form.add_error(en, str(message))


class TalkTrackForm(forms.ModelForm):
    class Meta:
        model = TalkTrack
        fields = TALK_TRACK_FIELDS
        widgets = {
            "text_en": forms.Textarea(attrs={"rows": 5}),
            "text_zh_hans": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["position"].required = False
        self.fields["position"].help_text = POSITION_HELP

    def clean(self):
        cleaned = super().clean()
        _one_language(
            self, "title_en", "title_zh_hans", _("Write a title in at least one language.")
        )
        _one_language(
            self, "text_en", "text_zh_hans", _("Write the text in at least one language.")
        )
        return cleaned


class IntelligenceQuestionForm(forms.ModelForm):
    class Meta:
        model = IntelligenceQuestion
        fields = QUESTION_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["position"].required = False
        self.fields["position"].help_text = POSITION_HELP

    def clean(self):
        cleaned = super().clean()
        _one_language(
            self, "text_en", "text_zh_hans", _("Write the question in at least one language.")
        )
        return cleaned


class MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", _("Up")), ("down", _("Down"))])


class OutlineAnswersForm(forms.Form):
    """One text box per outline question, `answer_<question id>`; blank clears an answer."""

    def __init__(self, *args, rows: list[OutlineRow], **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            self.fields[f"answer_{row.question.pk}"] = forms.CharField(
                label=row.question.text,
                required=False,
                max_length=ANSWER_MAX_LENGTH,
                initial=row.answer.text if row.answer else "",
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def answers(self) -> dict[int, str]:
        """question id -> text, only for the boxes that were sent (a stale page or a partial
        post leaves the others alone)."""
        sent = self.data
        return {
            row.question.pk: self.cleaned_data[f"answer_{row.question.pk}"]
            for row in self.rows
            if f"answer_{row.question.pk}" in sent
        }
