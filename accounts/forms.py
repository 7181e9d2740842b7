from typing import cast

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import (
    Account,
    AccountCompetitor,
    AccountSettings,
    AccountTeamMember,
    Competitor,
    Contact,
    Order,
)
from accounts.pickers import AccountPickerField
from accounts.selectors import accounts_visible_to, contacts_visible_to
from accounts.services import ACCOUNT_FIELDS, CONTACT_FIELDS, ORDER_FIELDS
from crm.models import User
from crm.pickers import UserPickerField
from crm.selectors import users_assignable_by


def _formfield(field, **kwargs):
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


class AccountForm(forms.ModelForm):
    class Meta:
        model = Account
        fields = ACCOUNT_FIELDS
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}
        formfield_callback = _formfield

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # The users the actor may hand accounts to, and the current owner (who may have left).
        choices = Q(pk__in=users_assignable_by(user).values("pk"))
        if self.instance.owner_id:
            choices |= Q(pk=self.instance.owner_id)
        owner = UserPickerField(
            User.objects.filter(choices).order_by("username"),
            label=self.fields["owner"].label,
            initial=user.pk,
        )
        owner.error_messages["invalid_choice"] = _("You cannot assign accounts to this user.")
        self.fields["owner"] = owner
        # The group (集团): an account the user sees. A current parent outside the user's book
        # is neither shown (its name would leak) nor changed: the field leaves the form.
        visible = accounts_visible_to(user)
        if self.instance.parent_id and not visible.filter(pk=self.instance.parent_id).exists():
            del self.fields["parent"]
            return
        self.fields["parent"] = AccountPickerField(
            user,
            queryset=visible,
            label=self.fields["parent"].label,
            required=False,
            help_text=_("The group (集团) this account belongs to: type its name or code."),
        )


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = CONTACT_FIELDS
        widgets = {
            "interests": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 2}),
            "phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # The stubs type self.fields as plain Field; cast to the field's own class.
        cast(forms.ModelChoiceField, self.fields["account"]).queryset = accounts_visible_to(user)
        self.fields["account"].widget = forms.HiddenInput()
        # Whom this person may report to: the other people still at the same account (the
        # service checks it again under a lock; a cycle is refused there).
        account_id = self.instance.account_id or self.initial.get("account") or 0
        bosses = contacts_visible_to(user).filter(account_id=account_id, is_active=True)
        if self.instance.pk:
            bosses = bosses.exclude(pk=self.instance.pk) | contacts_visible_to(user).filter(
                pk=self.instance.reports_to_id
            )
        reports_to = cast(forms.ModelChoiceField, self.fields["reports_to"])
        reports_to.queryset = bosses.order_by("name", "pk")
        reports_to.empty_label = _("Nobody (top of the chart)")


class ReportsToForm(forms.Form):
    """The card's "reports to" choice for one person (a select, or a drag in the chart)."""

    reports_to = forms.ModelChoiceField(
        queryset=Contact.objects.none(),
        required=False,
        label=_("Reports to"),
        empty_label=_("Nobody (top of the chart)"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Another book's contact is not a choice: it answers like a missing one.
        cast(forms.ModelChoiceField, self.fields["reports_to"]).queryset = contacts_visible_to(user)


class OrderForm(forms.ModelForm):
    amount = forms.DecimalField(
        label=_("amount"),
        required=False,
        max_digits=16,
        decimal_places=2,
        help_text=_("Negative for returns. Leave empty to use quantity × unit price."),
    )

    class Meta:
        model = Order
        fields = ORDER_FIELDS
        widgets = {"date": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # The stubs type self.fields as plain Field; cast to the field's own class.
        cast(forms.ModelChoiceField, self.fields["account"]).queryset = accounts_visible_to(user)
        self.fields["account"].widget = forms.HiddenInput()

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if data.get("amount") is None and (
            data.get("quantity") is None or data.get("unit_price") is None
        ):
            self.add_error("amount", _("Give the amount, or both quantity and unit price."))
        return data

    def _post_clean(self):
        # The amount may be derived from quantity × unit price by the service; skip the
        # model's own not-null check for it here.
        if self.cleaned_data.get("amount") is None:
            self.instance.amount = 0
        super()._post_clean()  # type: ignore[misc]  # private hook missing from django-stubs


class IdListField(forms.Field):
    """Ids ticked on a list (a checkbox per row, all named alike)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        values = value if isinstance(value, list | tuple) else ([value] if value else [])
        try:
            return [int(v) for v in values]
        except (TypeError, ValueError):
            raise forms.ValidationError(_("Select accounts from the list.")) from None


class BulkReassignForm(forms.Form):
    """The account list's "reassign" bar: ticked accounts, or all matching the list's filter
    (`filter_query`, the list's query string), a new owner and a reason."""

    account_ids = IdListField(required=False, label=_("Accounts"))
    all_matching = forms.BooleanField(required=False, label=_("All accounts matching the filter"))
    filter_query = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)
    new_owner = forms.ModelChoiceField(
        queryset=User.objects.none(), label=_("New owner"), empty_label=_("Choose a rep")
    )
    # Checked by the service, which says why a reason is missing.
    reason = forms.CharField(required=False, max_length=500, label=_("Reason"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["new_owner"]).queryset = users_assignable_by(user)


class AccountSettingsForm(forms.ModelForm):
    class Meta:
        model = AccountSettings
        fields = [
            "contact_unmet_days",
            "decision_maker_days_a",
            "decision_maker_days_b",
            "decision_maker_days_c",
        ]


class _TeamUserField(forms.ModelChoiceField):
    """Offers the active users; takes any existing one, so that the service says why a user
    is refused (deactivated, the owner, already a member) instead of "not a valid choice"."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        user = User.objects.filter(pk=value).first() if str(value).isdigit() else None
        if user is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return user


class TeamMemberAddForm(forms.Form):
    """The card's "add to the team" form."""

    user = _TeamUserField(
        queryset=User.objects.filter(is_active=True).order_by("username"), label=_("User")
    )
    role = forms.ChoiceField(
        choices=AccountTeamMember.Role.choices,
        initial=AccountTeamMember.Role.OTHER,
        label=_("Role"),
    )
    access = forms.ChoiceField(
        choices=AccountTeamMember.Access.choices,
        initial=AccountTeamMember.Access.READ,
        label=_("Access"),
    )


class TeamMemberChangeForm(forms.Form):
    """One member's role and access, on the card."""

    role = forms.ChoiceField(choices=AccountTeamMember.Role.choices, label=_("Role"))
    access = forms.ChoiceField(choices=AccountTeamMember.Access.choices, label=_("Access"))


class AccountCompetitorForm(forms.ModelForm):
    """An incumbent supplier of an account, on its own page from the card."""

    class Meta:
        model = AccountCompetitor
        fields = ["competitor", "share", "contract_end", "price_notes"]
        widgets = {
            "contract_end": forms.DateInput(attrs={"type": "date"}),
            "price_notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The active competitors, and the current one (which may have been deactivated since).
        current = Q(pk=self.instance.competitor_id) if self.instance.competitor_id else Q()
        choices = Competitor.objects.filter(Q(is_active=True) | current).order_by("name")
        cast(forms.ModelChoiceField, self.fields["competitor"]).queryset = choices


class CompetitorForm(forms.ModelForm):
    """The admins' competitor page (/competitors/new/, /competitors/<id>/edit/)."""

    class Meta:
        model = Competitor
        fields = ["name", "website", "notes", "is_active"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}
