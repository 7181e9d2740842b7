"""Type-ahead pickers: the form field and widget every account, contact and user field uses.

The widget renders one plain text input holding the record's id, so a form works without
JavaScript (type the id, or a code the field knows). `static/js/picker.js` turns it into a
combobox over an API list endpoint (`?q=`), which reads through the same visibility rule as
the field's queryset; picking fills the input with the id, typing without picking sends the
text in `<name>__text` instead.

The field validates against its queryset (already narrowed to what the user may see): an id
outside the book, a typo or a deleted record is a field error on the same form, whose other
fields keep their contents.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext_lazy as _

TEXT_SUFFIX = "__text"


@dataclass(frozen=True)
class Typed:
    """Text typed into a picker without choosing an option: matched by code or exact name,
    never read as an id."""

    text: str

    def __str__(self) -> str:
        return self.text


class PickerInput(forms.TextInput):
    """A text input that `picker.js` makes a combobox searching `url` (an API list endpoint).

    kind: "account", "contact" or "user" (how picker.js labels a result); narrow: the name of
    another field of the form whose value is passed to the search as `narrow_param` (the
    contact picker searches the chosen account's contacts)."""

    def __init__(
        self,
        *,
        url: str | Callable[[], str],
        kind: str,
        params: str = "",
        narrow: str = "",
        narrow_param: str = "",
        attrs: dict[str, Any] | None = None,
    ):
        super().__init__(attrs)
        self.url, self.kind, self.params = url, kind, params
        self.narrow, self.narrow_param = narrow, narrow_param
        self.label_for: Callable[[Any], str] = str

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget_attrs = context["widget"]["attrs"]
        widget_attrs.update(
            {
                "data-picker": self.url() if callable(self.url) else self.url,
                "data-picker-kind": self.kind,
                "data-picker-label": self.label_for(value),
                "data-picker-empty": _("Nothing found."),
                "data-picker-results": _("found"),
                "autocomplete": "off",
                "autocapitalize": "off",
                "spellcheck": "false",
            }
        )
        if self.params:
            widget_attrs["data-picker-params"] = self.params
        if self.narrow:
            widget_attrs["data-picker-narrow"] = self.narrow
            widget_attrs["data-picker-narrow-param"] = self.narrow_param
        return context

    def format_value(self, value):
        # Typed text is shown again as typed (picker.js puts it back in the search box).
        if isinstance(value, Typed):
            return ""
        return super().format_value(value)

    def value_from_datadict(self, data, files, name):
        value = data.get(name)
        text = (data.get(name + TEXT_SUFFIX) or "").strip()
        if not value and text:
            return Typed(text)
        return value

    def value_omitted_from_data(self, data, files, name):
        return name not in data and name + TEXT_SUFFIX not in data


class PickerField(forms.ModelChoiceField):
    """A model choice over `queryset` (narrowed by the caller to what the user may see),
    entered through a `PickerInput`.

    A value is the record's id; without JavaScript (or typed without picking) also any text
    `text_q(text)` matches exactly one record of the queryset (a customer code, a credit code,
    an exact name). Anything else is a field error naming what was typed."""

    default_error_messages = {
        "invalid_choice": _("No record you can see matches “%(value)s”."),
        "ambiguous": _("Several records match “%(value)s”; pick one from the list."),
    }

    def __init__(
        self,
        queryset: QuerySet,
        *,
        widget: PickerInput,
        text_q: Callable[[str], Q] | None = None,
        **kwargs: Any,
    ):
        self.text_q = text_q
        super().__init__(queryset, widget=widget, **kwargs)
        # Field.__init__ copied the widget: tell the copy how to label a value.
        self.widget.label_for = self.label_for

    def __deepcopy__(self, memo):
        result = super().__deepcopy__(memo)
        result.widget.label_for = result.label_for
        return result

    def _records(self) -> QuerySet:
        if self.queryset is None:
            raise ImproperlyConfigured("A picker needs a queryset of what the user may see.")
        return self.queryset

    def label_for(self, value: Any) -> str:
        """What the picker shows for `value` (an id, a record, typed text)."""
        if value in self.empty_values:
            return ""
        if isinstance(value, Typed):
            return value.text
        if isinstance(value, Model):
            return self.label_from_instance(value)
        text = str(value).strip()
        record = self._records().filter(pk=int(text)).first() if text.isdigit() else None
        return self.label_from_instance(record) if record is not None else text

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, Typed):
            return self._by_text(value.text)
        if isinstance(value, Model):
            value = value.pk
        text = str(value).strip()
        if text.isdigit() and len(text) < 19:
            record = self._records().filter(pk=int(text)).first()
            if record is not None:
                return record
        return self._by_text(text)

    def _by_text(self, text: str):
        matches = list(self._records().filter(self.text_q(text))[:2]) if self.text_q else []
        if len(matches) == 1:
            return matches[0]
        code = "ambiguous" if matches else "invalid_choice"
        raise ValidationError(self.error_messages[code], code=code, params={"value": text[:100]})

    def validate(self, value):
        forms.Field.validate(self, value)
