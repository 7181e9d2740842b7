"""Filters every app's FilterSets build on.

API filters answer 400 for a value they cannot take ("0.5" as an id, "null" as a boolean)
instead of quietly ignoring it, and relations are filtered by plain ids: the base queryset is
already the caller's book, so an id outside it finds nothing, exactly like an id that does not
exist, and no query is spent (or existence leaked) checking that the related record exists.
"""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_filters.filterset import FILTER_FOR_DBFIELD_DEFAULTS


class IntegerFilter(django_filters.NumberFilter):
    """A number filter for ids and counts: "0.5" is invalid (400), not an empty result."""

    field_class = forms.IntegerField


class _RawNullBooleanSelect(forms.NullBooleanSelect):
    """Renders like Django's yes/no/unknown menu but hands the raw value to the field, so that
    a value it does not know is an error rather than "no filter"."""

    def value_from_datadict(self, data, files, name):
        return data.get(name)


class StrictNullBooleanField(forms.NullBooleanField):
    widget = _RawNullBooleanSelect
    TRUE = frozenset({"true", "1", "yes", "on"})
    FALSE = frozenset({"false", "0", "no", "off"})

    def to_python(self, value):
        if value is None or isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("", "unknown"):
            return None
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise ValidationError(_("Enter true or false."), code="invalid")


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictNullBooleanField


class IdFilterSet(django_filters.FilterSet):
    """A FilterSet whose generated filters are strict: foreign keys by plain id, booleans as
    true/false only."""

    FILTER_DEFAULTS = {
        **FILTER_FOR_DBFIELD_DEFAULTS,
        models.ForeignKey: {"filter_class": IntegerFilter},
        models.OneToOneField: {"filter_class": IntegerFilter},
        models.BooleanField: {"filter_class": StrictBooleanFilter},
    }
