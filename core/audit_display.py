"""How audit entries read on a page: the one place that turns what `core.audit.audit_log`
stored (a model label, field names, raw values) into labels, display values and names.

- field names: the model field's verbose name;
- codes: their choice's label; booleans: Yes / No; dates and times in the app's time zone;
- foreign keys (and lists of ids of a many-to-many): the related object's name, fetched once per
  related model for all the entries shown (never one query per row); a row that is gone reads
  "#id (deleted)";
- actions: their label; masked personal values stay masked.

The entries given are already narrowed by the visibility rule (`accounts.audit_selectors`).
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from core.audit import MASK
from core.models import AuditEntry

EMPTY = "–"

ACTIONS = {
    "create": pgettext_lazy("audit action", "Created"),
    "update": pgettext_lazy("audit action", "Changed"),
    "delete": pgettext_lazy("audit action", "Deleted"),
    "import": pgettext_lazy("audit action", "Imported"),
    "undo": pgettext_lazy("audit action", "Undone"),
    "recompute": pgettext_lazy("audit action", "Recomputed"),
    "request": pgettext_lazy("audit action", "Requested"),
    "queue": pgettext_lazy("audit action", "Queued"),
    "fail": pgettext_lazy("audit action", "Failed"),
    "generate": pgettext_lazy("audit action", "Generated"),
    "move": pgettext_lazy("audit action", "Moved"),
    "decide": pgettext_lazy("audit action", "Decided"),
    "revive": pgettext_lazy("audit action", "Revived"),
    "cancel": pgettext_lazy("audit action", "Cancelled"),
    "checklist": pgettext_lazy("audit action", "Checklist ticked"),
    "done": pgettext_lazy("audit action", "Done"),
    "snooze": pgettext_lazy("audit action", "Snoozed"),
    "sign_out_everywhere": pgettext_lazy("audit action", "Signed out everywhere"),
    # robots
    "test": pgettext_lazy("audit action", "Test message sent"),
}

# Names recorded that are not fields of their model.
EXTRA_FIELD_LABELS = {
    "items": gettext_lazy("checklist items"),
}


def action_label(action: str) -> str:
    label = ACTIONS.get(action)
    return str(label) if label is not None else action


def model_label(label: str) -> str:
    """The model's verbose name for a label such as "accounts.Contact" (the label if unknown)."""
    model = _model(label)
    return capfirst(str(model._meta.verbose_name)) if model is not None else label


@dataclass(frozen=True)
class ChangeRow:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class EntryRow:
    entry: AuditEntry
    action: str
    model: str
    changes: list[ChangeRow]


def _model(label: str) -> type[models.Model] | None:
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def _field(model: type[models.Model] | None, name: str) -> models.Field | None:
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if isinstance(field, models.Field) else None


def _recorded(entry: AuditEntry) -> list[tuple[str, Any, Any]]:
    rows = []
    for name, values in (entry.changes or {}).items():
        if name == "_extra" or not isinstance(values, list) or len(values) != 2:
            continue
        rows.append((name, values[0], values[1]))
    return rows


def _ids(value: Any) -> list[int]:
    """The ids a foreign key or a many-to-many value holds (an int, or "1,2,3")."""
    if value is None or value == "" or value == MASK or isinstance(value, bool):
        return []
    if isinstance(value, int):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, int) and not isinstance(v, bool)]
    parts = str(value).split(",")
    return [int(p) for p in parts if p.strip().isdigit()]


def _related_names(entries: Sequence[AuditEntry]) -> dict[type[models.Model], dict[int, str]]:
    """Names of every object the entries point to: one query per related model."""
    wanted: dict[type[models.Model], set[int]] = defaultdict(set)
    for entry in entries:
        model = _model(entry.model)
        for name, old, new in _recorded(entry):
            field = _field(model, name)
            if field is None or not field.is_relation or field.related_model is None:
                continue
            related = field.related_model
            if isinstance(related, str):
                continue
            wanted[related].update(_ids(old) + _ids(new))
    names: dict[type[models.Model], dict[int, str]] = {}
    for related, ids in wanted.items():
        # select_related(): the related object's name may read its own (non-null) foreign keys.
        rows = related._base_manager.select_related().filter(pk__in=ids)
        names[related] = {row.pk: str(row) for row in rows}
    return names


def _datetime(value: str) -> str:
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        return value
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.strftime("%Y-%m-%d %H:%M")


def _value(
    field: models.Field | None,
    value: Any,
    names: dict[type[models.Model], dict[int, str]],
) -> str:
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if value == MASK or field is None:
        return str(value)
    if field.is_relation and field.related_model is not None:
        known = names.get(field.related_model, {})
        shown = [known.get(pk, _("#%(id)s (deleted)") % {"id": pk}) for pk in _ids(value)]
        return ", ".join(shown) or EMPTY
    if field.flatchoices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.DateTimeField) and isinstance(value, str):
        return _datetime(value)
    if isinstance(field, models.TimeField) and isinstance(value, str):
        return value[:5]  # "14:30:00" reads 14:30
    return str(value)


def _field_label(field: models.Field | None, name: str) -> str:
    if field is not None:
        return capfirst(str(field.verbose_name))
    label = EXTRA_FIELD_LABELS.get(name)
    return capfirst(str(label)) if label is not None else name


def audit_rows(entries: Iterable[AuditEntry]) -> list[EntryRow]:
    """The entries as they read on a page, in the order given."""
    entries = list(entries)
    names = _related_names(entries)
    rows = []
    for entry in entries:
        model = _model(entry.model)
        changes = []
        for name, old, new in _recorded(entry):
            field = _field(model, name)
            row = ChangeRow(
                field=_field_label(field, name),
                old=_value(field, old, names),
                new=_value(field, new, names),
            )
            # A new record lists its empty fields too ("" after None): nothing to read there.
            if row.old != row.new or row.old == MASK:
                changes.append(row)
        rows.append(
            EntryRow(
                entry=entry,
                action=action_label(entry.action),
                model=model_label(entry.model),
                changes=changes,
            )
        )
    return rows
