"""The commitments' FilterSet, shared by the API (`/api/v1/tasks/`) and the list page.

`due`: a date (YYYY-MM-DD), `today` or `week` (this week, Monday to Sunday); `due_from` /
`due_to`: a range; `overdue`: true (open and due before today; due today is due, not overdue)
or false; `owner`, `account`: ids; `status`: open or done. A value it cannot read is a 400
naming the parameter."""

import datetime

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from commitments.models import Commitment
from core.filters import DateFilter, IdFilterSet, StrictBooleanFilter
from visits.dates import week_bounds

DUE_WORDS = ("today", "week")


class DueField(forms.CharField):
    """`today`, `week` or an ISO date; cleaned to (first day, last day)."""

    default_error_messages = {
        "invalid": _("Enter a date (YYYY-MM-DD), “today” or “week”."),
    }

    def to_python(self, value):
        text = (super().to_python(value) or "").strip()
        if not text:
            return None
        today = timezone.localdate()
        if text == "today":
            return today, today
        if text == "week":
            return week_bounds(today)
        try:
            day = datetime.date.fromisoformat(text)
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        if len(text) != 10:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return day, day


@extend_schema_field(OpenApiTypes.STR)
class DueFilter(django_filters.Filter):
    field_class = DueField

    def filter(self, qs, value):
        if not value:
            return qs
        first, last = value
        return qs.filter(due_date__gte=first, due_date__lte=last)


DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# The page offers the two words; a date typed in the address (or the API) is read as well.
DUE_CHOICES = [("", _("Any day")), ("today", _("Today")), ("week", _("This week"))]


class CommitmentFilter(IdFilterSet):
    due = DueFilter(label=_("Due"), widget=forms.Select(choices=DUE_CHOICES))
    due_from = DateFilter(
        field_name="due_date", lookup_expr="gte", label=_("Due from"), widget=DATE
    )
    due_to = DateFilter(field_name="due_date", lookup_expr="lte", label=_("Due until"), widget=DATE)
    overdue = StrictBooleanFilter(method="filter_overdue", label=_("Overdue"))

    class Meta:
        model = Commitment
        fields = ["due", "due_from", "due_to", "overdue", "owner", "account", "status"]

    def filter_overdue(self, queryset: QuerySet[Commitment], name, value):
        if value is None:
            return queryset
        overdue = Commitment.objects.overdue(timezone.localdate()).values("pk")
        if value:
            return queryset.filter(pk__in=overdue)
        return queryset.exclude(pk__in=overdue)
