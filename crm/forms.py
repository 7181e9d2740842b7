from django import forms
from django.contrib.auth import forms as auth_forms
from django.utils.translation import gettext_lazy as _

from crm.models import Team, Territory, User
from crm.services import user_set_password


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["first_name", "last_name", "email", "language"]


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's form (old password, new one twice); the change goes through
    `crm.services.user_set_password`, which also deletes the user's API tokens."""

    def save(self, commit=True):
        return user_set_password(
            actor=self.user, user=self.user, password=self.cleaned_data["new_password1"]
        )


class AdminPasswordChangeForm(auth_forms.AdminPasswordChangeForm):
    """The admin site's form to set or disable a user's password, through the service."""

    def save(self, commit=True):
        usable = self.cleaned_data["set_usable_password"]
        password = self.cleaned_data["password1"] if usable else None
        return user_set_password(actor=None, user=self.user, password=password)


class SetPasswordForm(auth_forms.SetPasswordForm):
    """The new password of "forgot password" and of an invitation, through
    `crm.services.user_set_password` (validators, API tokens deleted, audited); the user's
    sessions end with the old password hash."""

    def save(self, commit=True):
        return user_set_password(
            actor=self.user, user=self.user, password=self.cleaned_data["new_password1"]
        )


# --- User management (admins) ----------------------------------------------------------------

USER_FIELDS = ["username", "first_name", "last_name", "email", "role", "team", "territory"]


class UserEditForm(forms.ModelForm):
    """An admin edits a user's name, e-mail, role, team and territory."""

    class Meta:
        model = User
        fields = ["first_name", "last_name", "email", "role", "team", "territory"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.order_by("name")  # type: ignore[attr-defined]
        self.fields["territory"].queryset = Territory.objects.order_by("name")  # type: ignore[attr-defined]


class UserCreateForm(UserEditForm):
    """A new user: e-mailed a link to set their password (invite), or given one now."""

    INVITE = "invite"
    SET_NOW = "now"
    how = forms.ChoiceField(
        label=_("Password"),
        choices=[
            (INVITE, _("E-mail a link to set the password (invitation)")),
            (SET_NOW, _("Set an initial password now")),
        ],
        initial=INVITE,
        widget=forms.RadioSelect,
    )
    password = forms.CharField(
        label=_("Initial password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    class Meta(UserEditForm.Meta):
        fields = ["username", *UserEditForm.Meta.fields]

    def _post_clean(self):
        # The service validates the row and the password (one place); the ModelForm's own
        # model validation would refuse a taken username before the service could say so.
        pass


class UserFilterForm(forms.Form):
    """The users page's search and filters; a value it cannot read is an error, not ignored."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    role = forms.ChoiceField(
        label=_("Role"), required=False, choices=[("", _("All roles")), *User.Role.choices]
    )
    team = forms.ModelChoiceField(
        label=_("Team"),
        required=False,
        queryset=Team.objects.order_by("name"),
        empty_label=_("All teams"),
    )
    active = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("yes", _("Active")), ("no", _("Deactivated")), ("all", _("All"))],
    )
