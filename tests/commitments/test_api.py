"""`/api/v1/tasks/`: the visibility rule, filters, and every failure case."""

import datetime as dt

import pytest
from django.utils import timezone

from commitments.models import Commitment
from core.models import AuditEntry

URL = "/api/v1/tasks/"


def _ids(response):
    assert response.status_code == 200, response.content
    return sorted(row["id"] for row in response.json()["results"])


@pytest.fixture
def tasks(org, commitment_factory):
    today = timezone.localdate()
    return {
        name: commitment_factory(
            account=org["accounts"][name], due_date=today + dt.timedelta(days=offset)
        )
        for name, offset in (("r1", -1), ("r2", 0), ("r3", 3), ("r4", 10))
    }


def test_list_follows_the_visibility_rule(org, tasks, api):
    assert _ids(api(org["r1"]).get(URL)) == [tasks["r1"].pk]
    assert _ids(api(org["m1"]).get(URL)) == [tasks["r1"].pk, tasks["r2"].pk]
    assert _ids(api(org["admin"]).get(URL)) == sorted(t.pk for t in tasks.values())
    assert api().get(URL).status_code in (401, 403)


def test_retrieve_outside_the_book_is_404(org, tasks, api):
    assert api(org["r1"]).get(f"{URL}{tasks['r2'].pk}/").status_code == 404
    body = api(org["r1"]).get(f"{URL}{tasks['r1'].pk}/").json()
    assert body["overdue"] is True and body["status"] == "open"


def test_filters(org, tasks, api):
    client = api(org["admin"])
    today = timezone.localdate()
    assert _ids(client.get(URL, {"due": "today"})) == [tasks["r2"].pk]
    assert _ids(client.get(URL, {"due": today.isoformat()})) == [tasks["r2"].pk]
    assert _ids(client.get(URL, {"overdue": "true"})) == [tasks["r1"].pk]
    assert _ids(client.get(URL, {"overdue": "false"})) == sorted(
        tasks[n].pk for n in ("r2", "r3", "r4")
    )
    assert _ids(client.get(URL, {"owner": org["r3"].pk})) == [tasks["r3"].pk]
    assert _ids(client.get(URL, {"account": org["accounts"]["r4"].pk})) == [tasks["r4"].pk]
    since, until = today, today + dt.timedelta(days=3)
    assert _ids(client.get(URL, {"due_from": since, "due_to": until})) == [
        tasks["r2"].pk,
        tasks["r3"].pk,
    ]
    assert _ids(client.get(URL, {"status": "done"})) == []
    week = _ids(client.get(URL, {"due": "week"}))
    monday = today - dt.timedelta(days=today.weekday())
    expected = [
        t.pk for t in tasks.values() if monday <= t.due_date <= monday + dt.timedelta(days=6)
    ]
    assert week == sorted(expected)


@pytest.mark.parametrize(
    "params",
    [
        {"due": "tomorrow"},
        {"due": "2026-13-01"},
        {"due": "20260301"},
        {"due_from": "yesterday"},
        {"overdue": "maybe"},
        {"owner": "0.5"},
        {"account": "x"},
        {"status": "closed"},
    ],
)
def test_bad_filter_values_are_400_naming_the_parameter(org, api, params):
    response = api(org["r1"]).get(URL, params)
    assert response.status_code == 400
    assert list(response.json()) == list(params)


def test_create_defaults_owner_to_caller(org, contacts, api):
    account = org["accounts"]["r1"]
    response = api(org["r1"]).post(
        URL,
        {
            "account": account.pk,
            "contact": contacts["r1"].pk,
            "title": "Call back",
            "due_date": "2026-03-10",
            "due_time": "09:30",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["owner"], body["requested_by"], body["source"]) == (
        org["r1"].pk,
        org["r1"].pk,
        "manual",
    )


@pytest.mark.parametrize(
    ("actor", "body", "status", "field"),
    [
        ("r1", {"account": "r2"}, 400, "account"),  # outside the book: a missing id
        ("r1", {"owner": "r2"}, 400, "owner"),  # not assignable by a rep
        ("m1", {"owner": "r3"}, 400, "owner"),  # another team
        ("m1", {"contact": "r2"}, 400, "contact"),  # a visible contact of another account
        ("r1", {"contact": "r3"}, 400, "contact"),  # a contact outside the book
        ("r1", {"title": ""}, 400, "title"),
        ("r1", {"due_date": "soon"}, 400, "due_date"),
        ("r1", {"status": "done"}, 201, None),  # read-only: ignored
    ],
)
def test_create_failures(org, contacts, api, actor, body, status, field):
    data = {"account": org["accounts"]["r1"].pk, "title": "Call back", "due_date": "2026-03-10"}
    for key, value in body.items():
        data[key] = {
            "account": lambda v: org["accounts"][v].pk,
            "owner": lambda v: org[v].pk,
            "contact": lambda v: contacts[v].pk,
        }.get(key, lambda v: v)(value)
    response = api(org[actor]).post(URL, data, format="json")
    assert response.status_code == status, response.content
    if field:
        assert field in response.json()
        assert not Commitment.objects.exists()
    else:
        assert Commitment.objects.get().status == "open"


def test_update_partial_and_delete(org, tasks, api):
    client = api(org["m1"])
    task = tasks["r1"]
    response = client.patch(f"{URL}{task.pk}/", {"owner": org["r2"].pk}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["owner"], response.json()["requested_by"]) == (
        org["r2"].pk,
        org["m1"].pk,
    )
    response = client.put(
        f"{URL}{task.pk}/",
        {"account": task.account_id, "title": "New", "due_date": "2026-04-01"},
        format="json",
    )
    assert response.status_code == 200 and response.json()["title"] == "New"
    assert (
        client.patch(f"{URL}{task.pk}/", {"owner": org["r3"].pk}, format="json").status_code == 400
    )
    assert (
        client.patch(
            f"{URL}{task.pk}/", {"account": org["accounts"]["r3"].pk}, format="json"
        ).status_code
        == 400
    )
    assert (
        api(org["r3"]).patch(f"{URL}{task.pk}/", {"title": "x"}, format="json").status_code == 404
    )
    assert api(org["r3"]).delete(f"{URL}{task.pk}/").status_code == 404
    assert client.delete(f"{URL}{task.pk}/").status_code == 204
    assert not Commitment.objects.filter(pk=task.pk).exists()


def test_done_and_undo(org, tasks, api):
    client = api(org["r1"])
    task = tasks["r1"]
    response = client.post(f"{URL}{task.pk}/done/")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["overdue"]) == ("done", False)
    assert client.post(f"{URL}{task.pk}/undo/").json()["status"] == "open"
    assert api(org["r1"]).post(f"{URL}{tasks['r3'].pk}/done/").status_code == 404
    assert Commitment.objects.get(pk=tasks["r3"].pk).status == "open"
    assert AuditEntry.objects.filter(action__in=["done", "undo"]).count() == 2
