"""Forms of the receivables pages. They only shape input; the services decide and write."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.pickers import AccountPickerField
from accounts.selectors import accounts_visible_to
from crm.models import User
from crm.pickers import UserPickerField
from crm.selectors import users_assignable_by
from receivables.models import Contract
from receivables.selectors import GROUPS
from receivables.services import MAX_DAY, MIN_DAY

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONEY = forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"})
CONTRACT_FIELDS = [
    "account",
    "number",
    "title",
    "amount",
    "signed_on",
    "end_on",
    "delivered_on",
    "accepted_on",
    "owner",
    "status",
    "notes",
]


class ContractForm(forms.ModelForm):
    """A contract and, optionally, its payment plan typed as terms (replacing the plan)."""

    terms = forms.CharField(
        label=_("Payment plan"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            'One entry per line: "30% signing", "60% delivery +30", "10% acceptance +90" or '
            '"5000 2027-03-31". Leave empty to keep the current plan.'
        ),
    )

    class Meta:
        model = Contract
        fields = CONTRACT_FIELDS
        widgets = {
            "signed_on": DATE,
            "end_on": DATE,
            "delivered_on": DATE,
            "accepted_on": DATE,
            "amount": MONEY,
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user: User, account=None, **kwargs):
        super().__init__(*args, **kwargs)
        if account is not None:
            self.fields["account"].queryset = accounts_visible_to(user)  # type: ignore[attr-defined]
            self.fields["account"].widget = forms.HiddenInput()
        else:
            self.fields["account"] = AccountPickerField(user, label=_("Account"))
        self.fields["owner"] = UserPickerField(users_assignable_by(user), label=_("Owner"))
        if self.instance.pk is None and not self.is_bound:
            self.initial.setdefault("owner", user.pk)
            self.initial.setdefault("status", Contract.Status.ACTIVE)

    def validate_unique(self):
        pass  # the service names a duplicate number (one rule, one place)


class PaymentForm(forms.Form):
    """A payment on one contract, allocated oldest due first."""

    received_on = forms.DateField(label=_("Received on"), widget=DATE)
    amount = forms.DecimalField(label=_("Amount"), max_digits=14, decimal_places=2, widget=MONEY)
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False)
    is_advance = forms.BooleanField(
        label=_("Advance"),
        required=False,
        help_text=_("An advance may be larger than what is owed; the rest is kept as credit."),
    )


class InvoiceForm(forms.Form):
    entry = forms.ModelChoiceField(queryset=None, label=_("Plan entry"))  # type: ignore[arg-type]
    number = forms.CharField(label=_("Invoice number"), max_length=64)
    issued_on = forms.DateField(label=_("Issued on"), widget=DATE)
    amount = forms.DecimalField(label=_("Amount"), max_digits=14, decimal_places=2, widget=MONEY)

    def __init__(self, *args, contract: Contract, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entry"].queryset = contract.entries.order_by("position", "id")  # type: ignore[attr-defined]


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File"))


class AgingFilterForm(forms.Form):
    group_by = forms.ChoiceField(
        label=_("Group by"),
        required=False,
        choices=[
            ("account", _("Account")),
            ("rep", _("Rep")),
            ("team", _("Team")),
            ("tier", _("Tier")),
        ],
    )
    as_of = forms.DateField(label=_("As of"), required=False, widget=DATE)

    def clean_as_of(self):
        value = self.cleaned_data.get("as_of")
        if value is not None and not MIN_DAY <= value <= MAX_DAY:
            raise forms.ValidationError(_("Give a day between 1900 and 2999."))
        return value

    def clean_group_by(self):
        value = self.cleaned_data.get("group_by") or "account"
        return value if value in GROUPS else "account"
