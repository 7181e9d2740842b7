"""Writes of the app-wide settings rows (core.models.AppSettings): one row per app, admins only."""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.audit import audit_log, diff_fields, snapshot
from core.models import AppSettings


def _editable_fields(instance: AppSettings) -> list[str]:
    skip = {"id", "updated_at", "updated_by"}
    return [f.name for f in instance._meta.concrete_fields if f.name not in skip]


@transaction.atomic
def app_settings_update(
    *,
    # crm.models.User, or None; core is below crm and cannot import it.
    actor: Any,
    settings_model: type[AppSettings],
    data: dict[str, Any],
) -> AppSettings:
    """Change an app's settings (admins only), validated and written to the audit trail."""
    if actor is None or not actor.is_admin:
        raise PermissionDenied
    instance = settings_model.load()
    instance = settings_model._default_manager.select_for_update().get(pk=instance.pk)
    fields = _editable_fields(instance)
    before = snapshot(instance, fields)
    for field, value in data.items():
        if field not in fields:
            raise ValidationError({field: _("This field cannot be set here.")})
        setattr(instance, field, value)
    instance.updated_by = actor
    instance.full_clean()
    instance.save()
    audit_log(
        actor=actor,
        action="update",
        instance=instance,
        changes=diff_fields(before, snapshot(instance, fields)),
    )
    return instance
