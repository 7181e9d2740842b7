"""Pages every app builds on: the page on which an admin edits one app's settings, and the
pages on which an admin edits or deletes one row of a reference list."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
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


def _admin_only(request) -> None:
    if not request.user.is_admin:
        raise Http404


def admin_object_edit(request, *, form_class, instance, create, update, title: str, back: str):
    """The page on which an admin adds (`instance` None) or edits one row of a reference list
    (checklist items, occasions, talk tracks, …); others get 404.

    `create(actor=, data=)` and `update(actor, instance, data)` are the app's services; their
    ValidationErrors land on the form's fields. Saved: back to the list (`back`, a URL name)."""
    _admin_only(request)
    form = form_class(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        if instance is None:
            saved = run_service(form, create, actor=request.user, data=form.cleaned_data)
        else:
            saved = run_service(form, update, request.user, instance, form.cleaned_data)
        if saved:
            messages.success(request, _("Saved."))
            return redirect(back)
    return render(
        request, "crm/admin_form.html", {"form": form, "title": title, "back": reverse(back)}
    )


def admin_object_delete(request, *, obj: dict, delete, back: str, warning: str = ""):
    """GET: the confirmation (with `warning`, e.g. what goes with the row); POST: the app's
    `delete(actor=, **obj)` service, a refusal (ValidationError) shown as a message. Admins
    only (others get 404); back to the list (`back`, a URL name)."""
    _admin_only(request)
    if request.method == "POST":
        try:
            delete(actor=request.user, **obj)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Deleted."))
        return redirect(back)
    return render(
        request,
        "crm/confirm_delete.html",
        {"object": next(iter(obj.values())), "cancel_url": reverse(back), "warning": warning},
    )
