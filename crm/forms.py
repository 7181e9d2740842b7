from django import forms
from django.contrib.auth import forms as auth_forms

from crm.models import User
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
