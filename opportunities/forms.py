"""Forms of the deals' pages. They only shape input; the services decide and write."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Competitor
from accounts.pickers import AccountPickerField, ContactPickerField
from accounts.selectors import accounts_visible_to
from crm.models import User
from crm.pickers import UserPickerField
from crm.selectors import users_assignable_by
from opportunities.models import (
    LossReason,
    Opportunity,
    OpportunityCompetitor,
    OpportunityContact,
    Stage,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

DEAL_FIELDS = [
    "account",
    "name",
    "kind",
    "amount",
    "close_date",
    "stage",
    "probability",
    "category",
    "owner",
    "source",
    "product_lines",
    "competitors",
    "next_step",
    "next_step_date",
    "description",
]


class OpportunityForm(forms.ModelForm):
    """Create or edit a deal: the account (a picker over the book, or fixed when the page was
    opened for one), the stage among the active open ones (won and lost go through the close
    page), the owner (default: the user)."""

    class Meta:
        model = Opportunity
        fields = DEAL_FIELDS
        widgets = {
            "close_date": DATE,
            "next_step_date": DATE,
            "description": forms.Textarea(attrs={"rows": 3}),
            "amount": forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
        }

    def __init__(self, *args, user: User, account=None, **kwargs):
        super().__init__(*args, **kwargs)
        account_field = self.fields["account"]
        if account is not None:
            account_field.queryset = accounts_visible_to(user)  # type: ignore[attr-defined]
            account_field.widget = forms.HiddenInput()
        else:
            self.fields["account"] = AccountPickerField(user, label=account_field.label)
        owner = self.fields["owner"]
        self.fields["owner"] = UserPickerField(users_assignable_by(user), label=owner.label)
        stages = Stage.objects.filter(is_active=True, is_won=False, is_lost=False)
        if self.instance.pk is not None:
            # A deal stays editable in the stage it is in, even a closed or retired one.
            stages = Stage.objects.filter(pk=self.instance.stage_id) | stages
        self.fields["stage"].queryset = stages.order_by("position", "id")  # type: ignore[attr-defined]
        self.fields["stage"].empty_label = None  # type: ignore[attr-defined]
        if self.instance.pk is None and not self.is_bound:
            self.initial.setdefault("owner", user.pk)
            first = stages.order_by("position", "id").first()
            if first is not None:
                self.initial.setdefault("stage", first.pk)


class MoveForm(forms.Form):
    """The board's move (a drop, the card's "Move to" menu, a key): the stage, and for a
    lost stage the reason."""

    stage = forms.ModelChoiceField(queryset=Stage.objects.all(), label=_("Move to"))
    loss_reason = forms.ModelChoiceField(
        queryset=LossReason.objects.filter(is_active=True),
        required=False,
        label=_("Loss reason"),
    )


class CloseForm(forms.Form):
    """Won or lost, with the reason when lost and a note."""

    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[(Opportunity.Status.WON, _("Won")), (Opportunity.Status.LOST, _("Lost"))],
        widget=forms.RadioSelect,
    )
    loss_reason = forms.ModelChoiceField(
        queryset=LossReason.objects.filter(is_active=True),
        required=False,
        label=_("Loss reason"),
    )
    close_note = forms.CharField(
        label=_("Closing note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean(self):
        cleaned = super().clean() or {}
        if cleaned.get("outcome") == Opportunity.Status.LOST and not cleaned.get("loss_reason"):
            self.add_error("loss_reason", _("Choose why the deal was lost."))
        return cleaned


class ContactRoleForm(forms.Form):
    """Add a contact of the deal's account, with their role in this deal."""

    role = forms.ChoiceField(label=_("Role"), choices=OpportunityContact.Role.choices)

    def __init__(self, *args, user: User, opportunity: Opportunity, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"] = ContactPickerField(
            user, queryset=opportunity.account.contacts.all(), label=_("Contact")
        )
        self.order_fields(["contact", "role"])


class CompetitorInPlayForm(forms.Form):
    """The deal page's "competitor in play" form: a competitor of the admins' list (active),
    how we did against it, notes."""

    competitor = forms.ModelChoiceField(
        queryset=Competitor.objects.filter(is_active=True).order_by("name"),
        label=_("Competitor"),
    )
    outcome = forms.ChoiceField(
        choices=OpportunityCompetitor.Outcome.choices,
        initial=OpportunityCompetitor.Outcome.OPEN,
        label=_("Outcome"),
    )
    notes = forms.CharField(max_length=500, required=False, label=_("Notes"))
