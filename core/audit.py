"""The audit trail: services call `audit_log` for every write they make.

Personal fields (phones, emails, chat handles, birthdays) are masked; passwords and tokens
never reach the log. A field is personal when it is named in `MASKED_FIELDS` or its name
contains one of `MASKED_NAME_PARTS`, so that fields added by later features (a visit's
`contact_phone`, a prospect's `wechat`) are masked without a change here.
"""

import re
from typing import Any

from django.db import models

from core.models import AuditEntry

MASKED_FIELDS = {
    "phone",
    "email",
    "chat_handle",
    "birthday_month",
    "birthday_day",
    "birthday_year",
    "password",
    "token",
    "key",
    "secret",
    "api_key",
}
MASKED_NAME_PARTS = (
    "phone",
    "mobile",
    "email",
    "chat",
    "wechat",
    "birth",
    "password",
    "token",
    "secret",
    "id_card",
    "id_number",
)
MASK = "***"
_MASKED_NAME = re.compile("|".join(MASKED_NAME_PARTS), re.IGNORECASE)


def is_masked_field(field: str) -> bool:
    """True for fields whose values never enter the audit trail."""
    return field.lower() in MASKED_FIELDS or bool(_MASKED_NAME.search(field))


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def masked_changes(changes: dict[str, tuple[Any, Any]]) -> dict[str, list[Any]]:
    return {
        field: [MASK, MASK] if is_masked_field(field) else [_plain(old), _plain(new)]
        for field, (old, new) in changes.items()
    }


def diff_fields(before: dict[str, Any], after: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {k: (before.get(k), after.get(k)) for k in after if before.get(k) != after.get(k)}


def snapshot(instance: models.Model, fields: list[str]) -> dict[str, Any]:
    return {f: _plain(getattr(instance, f, None)) for f in fields}


def audit_log(
    *,
    actor,
    action: str,
    instance: models.Model | None = None,
    model: str = "",
    object_id: Any = "",
    account_id: int | None = None,
    changes: dict[str, tuple[Any, Any]] | None = None,
    extra: dict[str, Any] | None = None,
) -> AuditEntry:
    """Record one change. `action`: create, update, delete, import, undo, recompute, …"""
    if instance is not None:
        model = model or instance._meta.label
        object_id = object_id or instance.pk
    payload: dict[str, Any] = masked_changes(changes or {})
    if extra:
        payload["_extra"] = {k: MASK if is_masked_field(k) else _plain(v) for k, v in extra.items()}
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        model=model,
        object_id=str(object_id or ""),
        object_repr=str(instance)[:200] if instance is not None else "",
        account_id=account_id,
        changes=payload,
    )


def audit_created(
    *,
    actor,
    instance: models.Model,
    fields: list[str],
    account_id: int | None = None,
    also: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
) -> AuditEntry:
    """Record that a service created `instance`: each of `fields` (and `also`, values the
    row does not hold itself, such as a visit's contacts) from nothing to its value."""
    return audit_log(
        actor=actor,
        action="create",
        instance=instance,
        account_id=account_id,
        changes=diff_fields({}, {**snapshot(instance, fields), **(also or {})}),
        extra=extra,
    )
