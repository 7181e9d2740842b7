"""Filters every app's FilterSets build on.

API filters answer 400 for a value they cannot take ("0.5" as an id, "null" as a boolean)
instead of quietly ignoring it, and relations are filtered by plain ids: the base queryset is
already the caller's book, so an id outside it finds nothing, exactly like an id that does not
exist, and no query is spent (or existence leaked) checking that the related record exists.
Dates and date-times are read within what PostgreSQL takes (years 1 to 9999 in UTC, UTC offsets
under 16 hours), so an extreme value is a 400 naming the parameter, never a server error.
"""

import datetime
import re
from typing import Self

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField
from django_filters.filterset import FILTER_FOR_DBFIELD_DEFAULTS

from core.pickers import TEXT_SUFFIX

_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+\Z")


class StrictIntegerField(forms.IntegerField):
    """Django's IntegerField reads "0.0" and "7.000" as whole numbers; an id or a count in a
    query string is digits only (an optional sign), anything else is invalid."""

    def to_python(self, value):
        if isinstance(value, str) and value.strip() and not _WHOLE_NUMBER.match(value.strip()):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class IntegerFilter(django_filters.NumberFilter):
    """A number filter for ids and counts: "0.5" (and "0.0") is invalid (400), not an empty
    result."""

    # django-filter's stubs allow only DecimalField here; any forms.Field subclass works.
    field_class = StrictIntegerField  # type: ignore[assignment]


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


# PostgreSQL refuses a UTC offset of 16 hours or more ("time zone displacement out of range"),
# although Python reads offsets up to 24 hours.
_UTC_OFFSET_LIMIT = datetime.timedelta(hours=16)


class BoundedDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time whose UTC offset PostgreSQL accepts and which stays within years
    1 to 9999 once in UTC; cleaned to UTC, so the query never carries an odd offset."""

    default_error_messages = {
        "out_of_range": _(
            "Enter a date and time from year 1 to 9999 (in UTC), with a UTC offset between "
            "-15:59 and +15:59."
        ),
    }

    def to_python(self, value):
        result = super().to_python(value)
        if result is None or result.tzinfo is None:
            return result  # naive only without USE_TZ: nothing to convert
        offset = result.utcoffset()
        if offset is not None and abs(offset) >= _UTC_OFFSET_LIMIT:
            raise ValidationError(self.error_messages["out_of_range"], code="out_of_range")
        try:
            return result.astimezone(datetime.UTC)
        except OverflowError:
            raise ValidationError(
                self.error_messages["out_of_range"], code="out_of_range"
            ) from None


class DateFilter(django_filters.DateFilter):
    """A date needs no bound of its own: Python reads only years 1 to 9999, which PostgreSQL's
    date takes. Declared here so that every date filter has one place to change."""


class DateTimeFilter(django_filters.DateTimeFilter):
    field_class = BoundedDateTimeField


class FilterSet(django_filters.FilterSet):
    """The base of every FilterSet: generated date and date-time filters are bounded (declare
    `core.filters.DateFilter` / `DateTimeFilter` too, never django_filters' own)."""

    FILTER_DEFAULTS = {
        **FILTER_FOR_DBFIELD_DEFAULTS,
        models.DateField: {"filter_class": DateFilter},
        models.DateTimeField: {"filter_class": DateTimeFilter},
    }

    _pickers: dict[str, forms.Field] = {}

    def with_pickers(self, **pickers: forms.Field) -> Self:
        """The HTML page's side of the FilterSet: the named filters read their value through a
        type-ahead picker (a core.pickers.PickerField over what the user may see) instead of a
        plain id. A value the picker does not find (outside the book, a typo) is that filter's
        error, shown by the page; a found record is handed to the filter as its id, so the
        filtering is the API's (whose filters stay plain ids: call this on pages only, before
        the form is read)."""
        if hasattr(self, "_form"):
            raise RuntimeError("with_pickers() must come before the form is read.")
        self._pickers = pickers
        return self

    @property
    def form(self):
        first = not hasattr(self, "_form")
        form = super().form
        if first:
            form.fields.update(self._pickers)
        return form

    def filter_queryset(self, queryset):
        # django-filter's loop, with a picked record handed to the filter as its id.
        for name, value in self.form.cleaned_data.items():
            if name in self._pickers and isinstance(value, models.Model):
                value = value.pk
            queryset = self.filters[name].filter(queryset, value)
        return queryset

    def picked_query(self, query: QueryDict) -> QueryDict:
        """A copy of `query` (the page's query string) with each picker's value as the record's
        id (typed text resolved, its `<name>__text` dropped): for the pager's links and what
        repeats the filter (a bulk action, an export), which read the FilterSet without
        pickers. A value not found is left as sent (the page shows its error and no rows)."""
        query = query.copy()
        cleaned = self.form.cleaned_data if self.is_valid() else {}
        for name in self._pickers:
            value = cleaned.get(name)
            if isinstance(value, models.Model):
                query[name] = str(value.pk)
                query.pop(name + TEXT_SUFFIX, None)
        return query


class IdFilterSet(FilterSet):
    """A FilterSet whose generated filters are strict: foreign keys by plain id, booleans as
    true/false only."""

    FILTER_DEFAULTS = {
        **FilterSet.FILTER_DEFAULTS,
        models.ForeignKey: {"filter_class": IntegerFilter},
        models.OneToOneField: {"filter_class": IntegerFilter},
        models.BooleanField: {"filter_class": StrictBooleanFilter},
    }
