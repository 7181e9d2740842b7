"""Forms of the commitments pages. They only shape input; the services decide and write."""

from django import forms
from django.utils import timezone

from accounts.pickers import AccountPickerField, ContactPickerField
from accounts.selectors import accounts_visible_to
from commitments.models import Commitment
from crm.models import User
from crm.pickers import UserPickerField
from crm.selectors import users_assignable_by

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class CommitmentForm(forms.ModelForm):
    """Create or edit: the account (a picker over the book, or fixed when the page was opened
    for one), the contact (a picker narrowed to the chosen account), what was promised, the
    due date and time, the owner (default: the user)."""

    class Meta:
        model = Commitment
        fields = ["account", "contact", "title", "due_date", "due_time", "owner", "notes"]
        widgets = {
            "due_date": DATE,
            "due_time": TIME,
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, user: User, account=None, **kwargs):
        super().__init__(*args, **kwargs)
        account_field = self.fields["account"]
        if account is not None:
            account_field.queryset = accounts_visible_to(user)  # type: ignore[attr-defined]
            account_field.widget = forms.HiddenInput()
        else:
            self.fields["account"] = AccountPickerField(user, label=account_field.label)
        contact = self.fields["contact"]
        self.fields["contact"] = ContactPickerField(
            user,
            queryset=account.contacts.all() if account is not None else None,
            label=contact.label,
            required=False,
        )
        owner = self.fields["owner"]
        self.fields["owner"] = UserPickerField(users_assignable_by(user), label=owner.label)
        if self.instance.pk is None and not self.is_bound:
            self.initial.setdefault("owner", user.pk)
            self.initial.setdefault("due_date", timezone.localdate())
