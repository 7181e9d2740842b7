"""Pages every app builds on: the page on which an admin edits one app's settings."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.http import run_service
from core.services import app_settings_update


def app_settings_edit(request, *, settings_model, form_class, title: str):
    """The page on which an admin edits one app's settings (others get 404).

    An app's view calls it: `return app_settings_edit(request, settings_model=ScoringSettings,
    form_class=ScoringSettingsForm, title=_("Tier settings"))`. The form is a ModelForm over
    the settings model; the write goes through `core.services.app_settings_update`.
    """
    if not request.user.is_admin:
        raise Http404
    instance = settings_model.load()
    form = form_class(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        saved = run_service(
            form,
            app_settings_update,
            actor=request.user,
            settings_model=settings_model,
            data=form.cleaned_data,
        )
        if saved is not None:
            messages.success(request, _("Settings saved."))
            return redirect(request.path)
    return render(request, "crm/app_settings_form.html", {"form": form, "title": title})
