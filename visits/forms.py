"""Forms of the visits pages. They only shape input; the services decide and write."""

import datetime
from typing import cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Contact
from accounts.selectors import accounts_visible_to
from crm.models import User
from crm.selectors import users_assignable_by
from visits.models import (
    ROLE_CHOICES,
    TIER_CHOICES,
    ChecklistItem,
    Occasion,
    Touch,
    Visit,
    VisitPlan,
    VisitSettings,
)
from visits.services.records import CHECKLIST_ITEM_FIELDS, OCCASION_FIELDS

# Above this many accounts in a book the account is typed as a number (customer cards link
# to the forms with the account filled in), so no page renders a 100k-option menu.
ACCOUNT_MENU_LIMIT = 300
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def _account_field(form, user, account=None) -> None:
    field = form.fields["account"]
    field.queryset = accounts_visible_to(user)
    if account is not None:
        field.widget = forms.HiddenInput()
    elif field.queryset.count() > ACCOUNT_MENU_LIMIT:
        field.widget = forms.NumberInput(attrs={"inputmode": "numeric"})
        field.help_text = _("The account's number (open the customer card to fill it in).")
    else:
        field.queryset = field.queryset.order_by("name")


class VisitForm(forms.ModelForm):
    contacts = forms.ModelMultipleChoiceField(
        label=_("Contacts met"),
        queryset=Contact.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    next_visit_date = forms.DateField(
        label=_("Plan the next visit on"), required=False, widget=DATE
    )

    class Meta:
        model = Visit
        fields = [
            "account",
            "visit_date",
            "visit_time",
            "contacts",
            "purpose",
            "outcome",
            "next_step",
            "duration_minutes",
            "expenses",
            "plan",
        ]
        widgets = {
            "visit_date": DATE,
            "visit_time": TIME,
            "outcome": forms.Textarea(attrs={"rows": 2}),
            "duration_minutes": forms.NumberInput(attrs={"inputmode": "numeric", "step": 5}),
            "expenses": forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
            "plan": forms.HiddenInput(),
        }

    def __init__(self, *args, user, account=None, **kwargs):
        super().__init__(*args, **kwargs)
        _account_field(self, user, account)
        # The stubs type self.fields as plain Field; cast to the field's own class.
        cast(forms.ModelChoiceField, self.fields["plan"]).queryset = (
            VisitPlan.objects.filter(account=account) if account else (VisitPlan.objects.none())
        )
        self.fields["plan"].required = False
        if account is not None:
            cast(
                forms.ModelChoiceField, self.fields["contacts"]
            ).queryset = account.contacts.order_by("role", "name", "id")
        if self.instance.pk is None and not self.is_bound:
            now = timezone.localtime()
            self.initial.setdefault("visit_date", now.date())
            self.initial.setdefault("visit_time", now.time().replace(second=0, microsecond=0))
        if self.instance.pk:
            del self.fields["next_visit_date"]


class PlanForm(forms.ModelForm):
    class Meta:
        model = VisitPlan
        fields = ["account", "planned_date", "planned_time", "slot", "purpose", "senior_manager"]
        widgets = {"planned_date": DATE, "planned_time": TIME}
        help_texts = {"planned_time": _("Empty: the tier's default slot (A-tier: morning).")}

    def __init__(self, *args, user, account=None, **kwargs):
        super().__init__(*args, **kwargs)
        _account_field(self, user, account)


class GenerateForm(forms.Form):
    PERIODS = [("week", _("Week")), ("month", _("Month"))]

    rep: "forms.ModelChoiceField[User]" = forms.ModelChoiceField(label=_("Rep"), queryset=None)
    period = forms.ChoiceField(label=_("Period"), choices=PERIODS, initial="week")
    day = forms.DateField(label=_("A day in the period"), widget=DATE)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # The stubs type self.fields as plain Field; cast to the field's own class.
        cast(forms.ModelChoiceField, self.fields["rep"]).queryset = users_assignable_by(user)
        self.fields["rep"].initial = user.pk
        self.fields["day"].initial = timezone.localdate()


class TouchForm(forms.ModelForm):
    class Meta:
        model = Touch
        fields = ["account", "contact", "type", "date", "occasion", "note"]
        widgets = {"date": DATE, "note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, user, account=None, **kwargs):
        super().__init__(*args, **kwargs)
        _account_field(self, user, account)
        # The stubs type self.fields as plain Field; cast to the field's own class.
        cast(forms.ModelChoiceField, self.fields["contact"]).queryset = (
            account.contacts.order_by("role", "name", "id") if account else Contact.objects.none()
        )
        if not self.is_bound and self.instance.pk is None:
            self.initial.setdefault("date", timezone.localdate())


class SnoozeForm(forms.Form):
    until = forms.DateField(label=_("Snooze until"), widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["until"].initial = timezone.localdate() + datetime.timedelta(days=1)


class IdListField(forms.Field):
    """Ids sent as repeated parameters (`ids=3&ids=7`): whole numbers only."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"invalid": _("Choose reminders from the list.")}

    def to_python(self, value):
        values = value if isinstance(value, list | tuple) else ([value] if value else [])
        ids = []
        for item in values:
            text = str(item).strip()
            if not (text.isascii() and text.isdigit()) or int(text) > 2**63 - 1:
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
            ids.append(int(text))
        return ids


class ReminderBulkForm(forms.Form):
    """Done or snooze for the reminders ticked on the reminders page."""

    ids = IdListField(label=_("Reminders"), required=False)
    action = forms.ChoiceField(
        label=_("Action"), choices=[("done", _("Done")), ("snooze", _("Snooze"))]
    )
    until = forms.DateField(label=_("Snooze until"), required=False, widget=DATE)


class VisitSettingsForm(forms.ModelForm):
    class Meta:
        model = VisitSettings
        fields = [
            "cadence_a_days",
            "cadence_b_days",
            "cadence_c_days",
            "cadence_untiered_days",
            "a_tier_morning",
            "morning_time",
            "afternoon_time",
            "due_horizon_days",
            "gift_lead_days",
            "greeting_lead_days",
            "digest_hour",
            "digest_enabled",
        ]
        widgets = {"morning_time": TIME, "afternoon_time": TIME}


class ChecklistItemForm(forms.ModelForm):
    class Meta:
        model = ChecklistItem
        fields = CHECKLIST_ITEM_FIELDS


def _multi(label):
    return forms.MultipleChoiceField(
        label=label, required=False, widget=forms.CheckboxSelectMultiple
    )


class OccasionForm(forms.ModelForm):
    gift_tiers = _multi(_("Tiers that get the gift"))
    gift_roles = _multi(_("Roles that get the gift"))
    greeting_tiers = _multi(_("Tiers that get the greeting"))
    greeting_roles = _multi(_("Roles that get the greeting"))

    class Meta:
        model = Occasion
        fields = OCCASION_FIELDS
        widgets = {"date": DATE}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("gift_tiers", "greeting_tiers"):
            # The stubs type self.fields as plain Field; cast to the field's own class.
            cast(forms.ChoiceField, self.fields[name]).choices = TIER_CHOICES
        for name in ("gift_roles", "greeting_roles"):
            cast(forms.ChoiceField, self.fields[name]).choices = ROLE_CHOICES
        kinds = [c for c in Occasion.Kind.choices if c[0] != Occasion.Kind.BIRTHDAY]
        if self.instance.pk and self.instance.kind == Occasion.Kind.BIRTHDAY:
            kinds = [c for c in Occasion.Kind.choices if c[0] == Occasion.Kind.BIRTHDAY]
        cast(forms.ChoiceField, self.fields["kind"]).choices = kinds
