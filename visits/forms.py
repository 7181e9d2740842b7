"""Forms of the visits pages. They only shape input; the services decide and write."""

import datetime
from decimal import Decimal
from typing import cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Contact
from accounts.pickers import AccountPickerField, ContactPickerField
from accounts.selectors import accounts_visible_to
from crm.pickers import UserPickerField
from crm.selectors import users_assignable_by
from visits.checkin import CheckIn, check_in_from
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

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def _account_field(form, user, account=None) -> None:
    """The account: fixed (hidden) when the page was opened for one, else a picker over the
    user's book (an account outside it is a field error, the rest of the form kept)."""
    model_field = form.fields["account"]
    if account is not None:
        model_field.queryset = accounts_visible_to(user)
        model_field.widget = forms.HiddenInput()
        return
    form.fields["account"] = AccountPickerField(
        user, label=model_field.label, required=model_field.required
    )


def _bound_account(form):
    """The account the bound form names (None when it names none the user may see)."""
    field = form.fields["account"]
    if not form.is_bound or not isinstance(field, AccountPickerField):
        return None
    try:
        return field.clean(field.widget.value_from_datadict(form.data, form.files, "account"))
    except forms.ValidationError:
        return None


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
    # The next step's due date makes it a commitment (visits.signals.visit_logged).
    next_step_due = forms.DateField(label=_("Next step due"), required=False, widget=DATE)
    next_step_due_time = forms.TimeField(label=_("Next step due at"), required=False, widget=TIME)

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
        # The chosen account's contacts (picker.js and visits.js fill them in when an account
        # is picked; a bound form shows those of the account it names).
        contacts_of = account if account is not None else _bound_account(self)
        if contacts_of is not None:
            cast(
                forms.ModelChoiceField, self.fields["contacts"]
            ).queryset = contacts_of.contacts.order_by("role", "name", "id")
        if self.instance.pk is None and not self.is_bound:
            now = timezone.localtime()
            self.initial.setdefault("visit_date", now.date())
            self.initial.setdefault("visit_time", now.time().replace(second=0, microsecond=0))
        if self.instance.pk:
            del self.fields["next_visit_date"]
            del self.fields["next_step_due"], self.fields["next_step_due_time"]
        else:
            order = list(self.fields)
            for name in ("next_step_due_time", "next_step_due"):
                order.remove(name)
                order.insert(order.index("next_step") + 1, name)
            self.order_fields(order)
        _check_in_fields(self)

    def clean(self):
        cleaned = super().clean() or {}
        _clean_check_in(self, cleaned)
        return cleaned

    def pop_check_in(self, data: dict) -> CheckIn | None:
        """Take the check-in fields out of `data` (cleaned data): the CheckIn when the rep
        consented and the browser gave a position, else None."""
        consent = data.pop("record_position", False)
        lat, lng = data.pop("position_latitude", None), data.pop("position_longitude", None)
        accuracy = data.pop("position_accuracy", None)
        if not consent or lat is None or lng is None:
            return None
        return check_in_from(latitude=lat, longitude=lng, accuracy_m=accuracy)


# --- Check-in (外勤签到): only when logging a visit, only with the rep's consent. -----------


def _check_in_fields(form: forms.ModelForm) -> None:
    """The consent box and the position static/js/visits_checkin.js fills in from the
    browser once it is ticked (nothing is asked of the browser before)."""
    if form.instance.pk:
        return
    form.fields["record_position"] = forms.BooleanField(
        label=_("Record my position (check-in)"),
        required=False,
        help_text=_(
            "Your browser asks for your location; it is kept with this visit to show how far "
            "from the customer it was logged."
        ),
    )
    form.fields["position_latitude"] = forms.DecimalField(
        min_value=-90,
        max_value=90,
        max_digits=12,
        decimal_places=9,
        required=False,
        widget=forms.HiddenInput(),
    )
    form.fields["position_longitude"] = forms.DecimalField(
        min_value=-180,
        max_value=180,
        max_digits=13,
        decimal_places=9,
        required=False,
        widget=forms.HiddenInput(),
    )
    form.fields["position_accuracy"] = forms.FloatField(
        min_value=0, max_value=1_000_000, required=False, widget=forms.HiddenInput()
    )


def _clean_check_in(form: forms.BaseForm, cleaned: dict) -> None:
    if "record_position" not in form.fields:
        return
    # A bad hidden value is the consent box's error (below), or nothing without consent.
    for name in ("position_latitude", "position_longitude", "position_accuracy"):
        if name in form.errors:
            form.errors.pop(name)
            cleaned[name] = None
    if not cleaned.get("record_position"):
        # No consent, no position: whatever the page posted is dropped here.
        cleaned["position_latitude"] = cleaned["position_longitude"] = None
        cleaned["position_accuracy"] = None
        return
    if cleaned.get("position_latitude") is None or cleaned.get("position_longitude") is None:
        form.add_error(
            "record_position",
            _(
                "Your position was not received: allow this site to use your location, or "
                "untick the box to log the visit without it."
            ),
        )
    else:
        for name in ("position_latitude", "position_longitude"):
            cleaned[name] = cleaned[name].quantize(Decimal("0.000001"))


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

    period = forms.ChoiceField(label=_("Period"), choices=PERIODS, initial="week")
    day = forms.DateField(label=_("A day in the period"), widget=DATE)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rep"] = UserPickerField(
            users_assignable_by(user), label=_("Rep"), initial=user.pk
        )
        self.order_fields(["rep", "period", "day"])
        self.fields["day"].initial = timezone.localdate()


class RepFilterForm(forms.Form):
    """The rep filter of the calendar and the due list (GET): a type-ahead picker over the reps
    the user may plan for; empty is everyone the user sees. A rep outside them is this field's
    error (the page shows it and lists nothing)."""

    def __init__(self, data=None, *, user, placeholder, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["rep"] = UserPickerField(
            users_assignable_by(user),
            required=False,
            label=_("Rep"),
            help_text="",
            placeholder=placeholder,
        )

    def errors_text(self) -> list[str]:
        return [f"{self.fields[name].label}: {e}" for name, es in self.errors.items() for e in es]


class TouchForm(forms.ModelForm):
    class Meta:
        model = Touch
        fields = ["account", "contact", "type", "date", "occasion", "note"]
        widgets = {"date": DATE, "note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, user, account=None, **kwargs):
        super().__init__(*args, **kwargs)
        _account_field(self, user, account)
        contact = self.fields["contact"]
        self.fields["contact"] = ContactPickerField(
            user,
            queryset=account.contacts.all() if account is not None else None,
            label=contact.label,
            required=contact.required,
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
