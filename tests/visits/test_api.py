"""The visits API: each role sees its book only (404 outside it), writes go through the
services, occasions are read by all and changed by admins."""

import datetime as dt

import pytest

from tests.factories import ReminderFactory
from visits.models import ChecklistItem, Occasion, Reminder, Touch, Visit, VisitPlan

D = dt.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def books(org, visit_factory, plan_factory, touch_factory):
    """A visit, a plan, a touch and a reminder in each rep's book."""
    out = {}
    for name in ("r1", "r2", "r3", "r4"):
        account = org["accounts"][name]
        out[name] = {
            "visit": visit_factory(account=account),
            "plan": plan_factory(account=account),
            "touch": touch_factory(account=account),
            "reminder": ReminderFactory(
                recipient=org[name],
                kind="visit_due",
                subject=f"account:{account.pk}",
                occasion_code="visit_due",
                date=D(2026, 1, 1),
                account=account,
                remind_on=D(2026, 1, 1),
            ),
        }
    return out


def _ids(response):
    assert response.status_code == 200, response.content
    return sorted(row["id"] for row in response.json()["results"])


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("r1", ["r1"]),
        ("m1", ["r1", "r2"]),
        ("m2", ["r3", "r4"]),
        ("admin", ["r1", "r2", "r3", "r4"]),
    ],
)
@pytest.mark.parametrize(
    ("endpoint", "key"),
    [("visits", "visit"), ("visit-plans", "plan"), ("touches", "touch"), ("reminders", "reminder")],
)
def test_lists_follow_the_visibility_rule(org, books, api, who, sees, endpoint, key):
    client = api(org[who])
    assert _ids(client.get(f"/api/v1/{endpoint}/")) == sorted(books[n][key].pk for n in sees)


@pytest.mark.parametrize(
    ("endpoint", "key"),
    [("visits", "visit"), ("visit-plans", "plan"), ("touches", "touch"), ("reminders", "reminder")],
)
def test_records_outside_the_book_answer_404(org, books, api, endpoint, key):
    client = api(org["r1"])
    assert client.get(f"/api/v1/{endpoint}/{books['r2'][key].pk}/").status_code == 404
    assert client.get(f"/api/v1/{endpoint}/{books['r1'][key].pk}/").status_code == 200
    assert api().get(f"/api/v1/{endpoint}/").status_code in (401, 403)


def test_log_a_visit_through_the_api(org, api, contact_factory):
    account = org["accounts"]["r1"]
    dm = contact_factory(account=account)
    client = api(org["r1"])
    response = client.post(
        "/api/v1/visits/",
        {
            "account": account.pk,
            "visit_date": "2026-03-02",
            "contacts": [dm.pk],
            "purpose": "Demo",
            "duration_minutes": 90,
            "expenses": "12.50",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["hours"], body["expenses"], body["contacts"], body["logged_by"]) == (
        "1.50",
        "12.50",
        [dm.pk],
        org["r1"].pk,
    )
    # Another rep's account or contact is not even a valid choice.
    before = Visit.objects.count()
    other = client.post(
        "/api/v1/visits/",
        {"account": org["accounts"]["r2"].pk, "visit_date": "2026-03-02"},
        format="json",
    )
    assert other.status_code == 400 and "account" in other.json()
    theirs = contact_factory(account=org["accounts"]["r2"])
    bad = client.post(
        "/api/v1/visits/",
        {"account": account.pk, "visit_date": "2026-03-02", "contacts": [theirs.pk]},
        format="json",
    )
    assert bad.status_code == 400 and "contacts" in bad.json()
    assert Visit.objects.count() == before


def test_plans_checklist_generate_and_cancel(org, api):
    client = api(org["r1"])
    account = org["accounts"]["r1"]
    created = client.post(
        "/api/v1/visit-plans/",
        {"account": account.pk, "planned_date": "2026-04-01", "senior_manager": True},
        format="json",
    )
    assert created.status_code == 201, created.content
    plan_id = created.json()["id"]
    duplicate = client.post(
        "/api/v1/visit-plans/",
        {"account": account.pk, "planned_date": "2026-04-01"},
        format="json",
    )
    assert duplicate.status_code == 400 and "planned_date" in duplicate.json()
    items = list(ChecklistItem.objects.order_by("position").values_list("pk", flat=True))[:3]
    put = client.put(f"/api/v1/visit-plans/{plan_id}/checklist/", {"items": items}, format="json")
    assert put.json() == {"items": items}
    assert client.get(f"/api/v1/visit-plans/{plan_id}/").json()["checklist_done"] == items
    assert client.delete(f"/api/v1/visit-plans/{plan_id}/").status_code == 204
    assert VisitPlan.objects.get(pk=plan_id).status == "cancelled"
    gen = client.post(
        "/api/v1/visit-plans/generate/",
        {"rep": org["r2"].pk, "start": "2026-04-06", "end": "2026-04-12"},
        format="json",
    )
    assert gen.status_code == 400 and "rep" in gen.json()


def test_generate_refuses_an_inactive_rep_of_the_team(org, api):
    org["r2"].is_active = False
    org["r2"].save(update_fields=["is_active"])
    gen = api(org["m1"]).post(
        "/api/v1/visit-plans/generate/",
        {"rep": org["r2"].pk, "start": "2026-04-06", "end": "2026-04-12"},
        format="json",
    )
    assert gen.status_code == 400 and "rep" in gen.json()
    assert not VisitPlan.objects.exists()


def test_touch_and_reminder_actions(org, api, books):
    client = api(org["r1"])
    touch = client.post(
        "/api/v1/touches/",
        {"account": org["accounts"]["r1"].pk, "type": "souvenir", "date": "2026-03-03"},
        format="json",
    )
    assert touch.status_code == 201
    assert Touch.objects.get(pk=touch.json()["id"]).created_by == org["r1"]
    mine = books["r1"]["reminder"].pk
    done = client.post(f"/api/v1/reminders/{mine}/done/")
    assert done.status_code == 200 and done.json()["status"] == "done"
    # The manager sees the rep's reminder but cannot act on it.
    theirs = books["r2"]["reminder"].pk
    manager = api(org["m1"])
    assert manager.get(f"/api/v1/reminders/{theirs}/").status_code == 200
    assert manager.post(f"/api/v1/reminders/{theirs}/done/").status_code == 403
    assert Reminder.objects.get(pk=theirs).status == "open"
    snooze = api(org["r2"]).post(
        f"/api/v1/reminders/{theirs}/snooze/", {"until": "2020-01-01"}, format="json"
    )
    assert snooze.status_code == 400 and "until" in snooze.json()
    assert Reminder.objects.get(pk=theirs).snoozed_until is None


def test_occasions_read_by_all_written_by_admins(org, api):
    rep = api(org["r1"])
    listed = rep.get("/api/v1/occasions/").json()["results"]
    spring = next(o for o in listed if o["code"] == "spring_festival")
    assert spring["kind"] == "lunar" and len(spring["next_dates"]) == 1
    payload = {
        "kind": "solar",
        "name_en": "Company day",
        "month": 6,
        "day": 18,
        "greeting_tiers": ["A"],
        "greeting_roles": ["decision_maker"],
    }
    count = Occasion.objects.count()
    assert rep.post("/api/v1/occasions/", payload, format="json").status_code == 403
    assert api(org["m1"]).post("/api/v1/occasions/", payload, format="json").status_code == 403
    assert Occasion.objects.count() == count
    created = api(org["admin"]).post("/api/v1/occasions/", payload, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["next_dates"][0].endswith("-06-18")
    bad = api(org["admin"]).post(
        "/api/v1/occasions/", {**payload, "gift_roles": ["boss"]}, format="json"
    )
    assert bad.status_code == 400
