"""Date and date-time filters read only what PostgreSQL takes: a date-time whose UTC offset is
16 hours or more ("time zone displacement out of range") or which leaves years 1-9999 once in
UTC answers 400 naming the parameter, on every API list with such a filter and for every role;
values at the edges of the range still filter (core.filters.DateFilter / DateTimeFilter).

The lists come from the access oracle's classification (`classify_all()`), and their filters
from each list's FilterSet, so a date filter that a feature adds later is checked too.
"""

import datetime

import django_filters
import pytest
from django import forms
from django.urls import reverse

from accounts.models import Order
from core.filters import DateFilter, DateTimeFilter, FilterSet
from prospects.models import CRITERION_FIELDS, Worksheet
from tests.security.endpoints import classify_all

pytestmark = pytest.mark.django_db

OUT_OF_RANGE = [
    "0001-01-01T00:00:00-23:59",  # offset beyond PostgreSQL's (500 before)
    "9999-12-31T23:59:59-15:00",  # year 10000 in UTC
    "2026-05-01T10:00:00+16:00",  # the first offset PostgreSQL refuses
    "0001-01-01T00:00:00+00:01",  # year 0 in UTC
    "0001-01-01T00:00:00",  # naive: midnight in Asia/Shanghai is still year 0 in UTC
]
DATE_TIMES_IN_RANGE = [
    "0001-01-01T00:00:00Z",
    "0001-01-01T15:59:00+15:59",
    "9999-12-31T23:59:59Z",
    "9999-12-31T08:00:00-15:59",
    "2026-05-01T10:00:00+08:00",
    "2026-05-01",
]
DATES_IN_RANGE = ["0001-01-01", "9999-12-31", "2026-05-01"]


def _is_date_filter(f) -> bool:
    return issubclass(f.field_class, (forms.DateField, forms.DateTimeField))


def _date_filters() -> dict[str, dict[str, type]]:
    """API list URL -> {parameter: filter class} for every list with a date filter."""
    found = {}
    for ep in classify_all():
        filterset = getattr(ep.view_cls, "filterset_class", None)
        if ep.kwargs or not ep.name.endswith("-list") or filterset is None:
            continue
        params = {name: type(f) for name, f in filterset.base_filters.items() if _is_date_filter(f)}
        if params:
            found[reverse(ep.name)] = params
    return found


def _our_filtersets():
    pending, seen = [django_filters.FilterSet], []
    while pending:
        for sub in pending.pop().__subclasses__():
            pending.append(sub)
            if sub.__module__.split(".")[0] in {
                "crm",
                "accounts",
                "prospects",
                "visits",
                "scoring",
            }:
                seen.append(sub)
    return seen


def test_every_date_filter_is_a_bounded_one():
    lists = _date_filters()  # first: loading the URLs imports every app's FilterSets
    filtersets = _our_filtersets()
    assert len(filtersets) >= 10
    for filterset in filtersets:
        for name, f in filterset.base_filters.items():
            if _is_date_filter(f):
                assert isinstance(f, (DateFilter, DateTimeFilter)), (filterset, name, type(f))
    assert {"/api/v1/worksheets/", "/api/v1/orders/", "/api/v1/visits/"} <= set(lists)
    assert lists["/api/v1/worksheets/"] == {
        "filled_from": DateTimeFilter,
        "filled_to": DateTimeFilter,
    }


def test_generated_date_filters_are_bounded_ones_too():
    class OrderDates(FilterSet):
        class Meta:
            model = Order
            fields = ["date", "created_at"]

    assert type(OrderDates.base_filters["date"]) is DateFilter
    assert type(OrderDates.base_filters["created_at"]) is DateTimeFilter
    form = OrderDates({"created_at": "0001-01-01T00:00:00-23:59"}).form
    assert not form.is_valid()
    assert list(form.errors) == ["created_at"]
    form = OrderDates({"created_at": "2026-05-01T18:00:00+08:00"}).form
    assert form.is_valid()
    assert form.cleaned_data["created_at"] == datetime.datetime(2026, 5, 1, 10, tzinfo=datetime.UTC)


@pytest.mark.parametrize("who", ["admin", "m1", "r1"])
def test_out_of_range_date_times_are_a_400_naming_the_parameter(org, api, who):
    client = api(org[who])
    for url, params in _date_filters().items():
        for param, filter_class in params.items():
            for value in OUT_OF_RANGE:
                response = client.get(url, {param: value})
                assert response.status_code == 400, (url, param, value, response.status_code)
                errors = response.json()
                assert list(errors) == [param], (url, param, value, errors)
            good = DATE_TIMES_IN_RANGE if filter_class is DateTimeFilter else DATES_IN_RANGE
            for value in good:
                response = client.get(url, {param: value})
                assert response.status_code == 200, (url, param, value, response.content[:200])


def test_the_message_says_what_range_is_accepted(org, api):
    response = api(org["r1"]).get(
        reverse("worksheet-list"), {"filled_to": "0001-01-01T00:00:00-23:59"}
    )
    assert response.status_code == 400
    assert response.json() == {
        "filled_to": [
            "Enter a date and time from year 1 to 9999 (in UTC), with a UTC offset between "
            "-15:59 and +15:59."
        ]
    }


def test_an_offset_is_honoured_at_the_edge(org, api):
    """A value is compared as the instant it names: 10:00Z is 18:00 at +08:00."""
    account = org["accounts"]["r1"]
    Worksheet.objects.create(
        account=account,
        author=org["r1"],
        filled_at=datetime.datetime(2026, 5, 1, 10, 0, tzinfo=datetime.UTC),
        total=0,
        **dict.fromkeys(CRITERION_FIELDS, 0),
    )
    client = api(org["r1"])

    def count(**params):
        response = client.get(reverse("worksheet-list"), params)
        assert response.status_code == 200, response.content[:200]
        return len(response.json()["results"])

    assert count(filled_to="2026-05-01T17:59:59+08:00") == 0
    assert count(filled_to="2026-05-01T18:00:00+08:00") == 1
    assert count(filled_from="2026-05-01T10:00:01Z") == 0
    assert count(filled_from="2026-04-30T20:00:00-14:00") == 1
    assert count(filled_from="0001-01-01T15:59:00+15:59", filled_to="9999-12-31T23:59:59Z") == 1
