"""Invalid input the schema tests found on the prospects and visits API: answered 4xx (not a
server error, not a filter quietly dropped), while valid values still filter."""

import pytest
from django.urls import reverse

from tests.factories import ProspectFactory, VisitPlanFactory, WorksheetFactory

pytestmark = pytest.mark.django_db


def test_a_prospect_id_that_is_no_number_is_not_found(org, api):
    client = api(org["r1"])
    for suffix in ("", "move/", "decide/", "revive/"):
        url = f"/api/v1/prospects/null,null/{suffix}"
        response = client.post(url, {}, format="json") if suffix else client.get(url)
        assert response.status_code == 404, (url, response.status_code)
    assert client.patch("/api/v1/prospects/1.5/", {}, format="json").status_code == 404


def test_boolean_and_integer_filters_reject_what_they_cannot_read(org, api):
    account = org["accounts"]["r1"]
    ProspectFactory(account=account)
    WorksheetFactory(account=account, filled_at="2026-05-01T10:00:00Z", growth=1, total=1)
    VisitPlanFactory(account=account, planned_date="2026-06-01", senior_manager=True)
    client = api(org["r1"])
    for url, params in [
        (reverse("prospect-list"), {"unscored": "null"}),
        (reverse("prospect-list"), {"revived": "maybe"}),
        (reverse("worksheet-list"), {"total": "0.5"}),
        (reverse("worksheet-list"), {"current": "null"}),
        (reverse("visit-plan-list"), {"senior_manager": "null"}),
        (reverse("visit-plan-list"), {"rep": "0.5"}),
        (reverse("visit-plan-list"), {"rep": "0.0"}),
        (reverse("worksheet-list"), {"total": "1.000"}),
    ]:
        response = client.get(url, params)
        assert response.status_code == 400, (url, params, response.status_code)
        assert set(response.json()) == set(params), response.json()

    def ids(url, params):
        response = client.get(url, params)
        assert response.status_code == 200, (url, params)
        return len(response.json()["results"])

    assert ids(reverse("prospect-list"), {"unscored": "false"}) == 1
    assert ids(reverse("prospect-list"), {"unscored": "true"}) == 0
    assert ids(reverse("prospect-list"), {"unscored": ""}) == 1
    assert ids(reverse("worksheet-list"), {"total": "1", "current": "true"}) == 1
    assert ids(reverse("visit-plan-list"), {"senior_manager": "false"}) == 0
    assert ids(reverse("visit-plan-list"), {"senior_manager": "true", "rep": org["r1"].pk}) == 1
