"""Targets: who reads and sets them (services, pages, `/api/v1/targets/`), every write's
failure case, and the audit trail."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from core.models import AuditEntry
from opportunities.models import Target
from opportunities.targets import (
    period_bounds,
    target_delete,
    target_set,
    target_update,
    targets_visible_to,
)
from tests.factories import TargetFactory, UserFactory

URL = "/api/v1/targets/"
MAY = dt.date(2026, 5, 1)


def _state():
    return list(Target.objects.order_by("pk").values()), AuditEntry.objects.count()


@pytest.fixture
def targets(org):
    return {
        "r1": TargetFactory(user=org["r1"], period_start=MAY),
        "r3": TargetFactory(user=org["r3"], period_start=MAY),
        "t1": TargetFactory(user=None, team=org["t1"], period_start=MAY),
        "t2": TargetFactory(user=None, team=org["t2"], period_start=MAY),
        "m1": TargetFactory(user=org["m1"], period_start=MAY),
    }


def _names(targets, found):
    return sorted(name for name, t in targets.items() if t.pk in {f.pk for f in found})


def test_period_bounds():
    assert period_bounds("month", dt.date(2026, 12, 7)) == (
        dt.date(2026, 12, 1),
        dt.date(2027, 1, 1),
    )
    assert period_bounds("quarter", dt.date(2026, 11, 30)) == (
        dt.date(2026, 10, 1),
        dt.date(2027, 1, 1),
    )
    assert period_bounds("quarter", dt.date(2026, 2, 3)) == (
        dt.date(2026, 1, 1),
        dt.date(2026, 4, 1),
    )


def test_who_reads_which_targets(org, targets):
    assert _names(targets, targets_visible_to(org["r1"])) == ["r1", "t1"]
    assert _names(targets, targets_visible_to(org["r3"])) == ["r3", "t2"]
    assert _names(targets, targets_visible_to(org["m1"])) == ["m1", "r1", "t1"]
    assert _names(targets, targets_visible_to(org["admin"])) == ["m1", "r1", "r3", "t1", "t2"]
    gone = UserFactory(team=org["t1"], is_active=False)
    assert list(targets_visible_to(gone)) == []


def test_a_manager_sets_their_teams_and_reps_targets_audited(org):
    target = target_set(
        actor=org["m1"],
        user=org["r2"],
        period="quarter",
        period_start=dt.date(2026, 11, 15),
        measure="visits",
        value=Decimal("40"),
    )
    assert (target.period_start, target.value, target.set_by) == (
        dt.date(2026, 10, 1),
        Decimal("40"),
        org["m1"],
    )
    entry = AuditEntry.objects.get(action="create", model="opportunities.Target")
    assert entry.changes["value"] == [None, "40.00"]
    # Set again: the same row, a new value, audited as an update.
    again = target_set(
        actor=org["m1"],
        user=org["r2"],
        period="quarter",
        period_start=dt.date(2026, 10, 1),
        measure="visits",
        value=50,
    )
    assert again.pk == target.pk and Target.objects.get().value == Decimal("50")
    assert AuditEntry.objects.get(action="update").changes == {"value": ["40.00", "50.00"]}
    team = target_set(
        actor=org["m1"],
        team=org["t1"],
        period="month",
        period_start=MAY,
        measure="revenue",
        value=1,
    )
    assert team.team == org["t1"] and team.user is None


@pytest.mark.parametrize(
    ("actor", "who", "error"),
    [
        ("r1", {"user": "r1"}, PermissionDenied),  # reps set no targets
        ("r1", {"team": "t1"}, PermissionDenied),
        ("m1", {"user": "r3"}, PermissionDenied),  # another team's rep
        ("m1", {"team": "t2"}, PermissionDenied),  # another manager's team
        ("m1", {"user": "m1"}, ValidationError),  # not a rep (and their own)
        ("admin", {}, ValidationError),  # neither rep nor team
        ("admin", {"user": "r1", "team": "t1"}, ValidationError),  # both
    ],
)
def test_set_refused_changes_nothing(org, targets, actor, who, error):
    before = _state()
    with pytest.raises(error):
        target_set(
            actor=org[actor],
            period="month",
            period_start=MAY,
            measure="revenue",
            value=5,
            **{k: org[v] for k, v in who.items()},
        )
    assert _state() == before


@pytest.mark.parametrize(
    ("field", "value"),
    [("value", "-1"), ("value", "abc"), ("value", "1.234"), ("period", "week"), ("measure", "x")],
)
def test_set_refuses_bad_values(org, field, value):
    before = _state()
    kwargs = {"period": "month", "measure": "revenue", "value": "10", field: value}
    with pytest.raises(ValidationError) as failure:
        target_set(actor=org["admin"], user=org["r1"], period_start=MAY, **kwargs)
    assert field in failure.value.message_dict
    assert _state() == before


def test_an_inactive_rep_gets_no_target(org):
    org["r2"].is_active = False
    org["r2"].save()
    with pytest.raises(ValidationError):
        target_set(
            actor=org["admin"],
            user=org["r2"],
            period="month",
            period_start=MAY,
            measure="visits",
            value=1,
        )
    assert not Target.objects.exists()


def test_update_and_delete_by_who_may_set_them(org, targets):
    target_update(actor=org["m1"], target=targets["r1"], value="7")
    assert Target.objects.get(pk=targets["r1"].pk).value == Decimal("7")
    target_delete(actor=org["admin"], target=targets["t2"])
    assert not Target.objects.filter(pk=targets["t2"].pk).exists()
    deleted = AuditEntry.objects.get(action="delete")
    assert deleted.changes["_extra"]["team"] == org["t2"].pk


@pytest.mark.parametrize(
    ("actor", "name", "error"),
    [
        ("r1", "r1", PermissionDenied),  # reads it, may not change it
        ("r1", "t1", PermissionDenied),
        ("m1", "m1", PermissionDenied),  # a manager's own target is the admin's
        ("m1", "r3", Http404),  # does not even read it
        ("m2", "t1", Http404),
    ],
)
def test_update_and_delete_refused_change_nothing(org, targets, actor, name, error):
    before = _state()
    with pytest.raises(error):
        target_update(actor=org[actor], target=targets[name], value="1")
    with pytest.raises(error):
        target_delete(actor=org[actor], target=targets[name])
    assert _state() == before


def test_update_refuses_a_negative_value(org, targets):
    before = _state()
    with pytest.raises(ValidationError):
        target_update(actor=org["admin"], target=targets["r1"], value="-5")
    assert _state() == before


# API


def test_api_lists_what_the_user_reads_with_filters_and_attainment(org, targets, api):
    body = api(org["m1"]).get(URL).json()
    assert sorted(r["id"] for r in body["results"]) == sorted(
        targets[n].pk for n in ("m1", "r1", "t1")
    )
    assert set(body["results"][0]["attainment"]) == {
        "done",
        "projected",
        "period_end",
        "elapsed_days",
        "period_days",
    }
    rows = api(org["admin"]).get(URL, {"team": org["t2"].pk}).json()["results"]
    assert [r["id"] for r in rows] == [targets["t2"].pk]
    rows = api(org["admin"]).get(URL, {"user": org["r3"].pk, "measure": "revenue"}).json()
    assert [r["id"] for r in rows["results"]] == [targets["r3"].pk]
    assert api(org["admin"]).get(URL, {"period": "week"}).status_code == 400
    assert api(org["admin"]).get(URL, {"period_start": "2026-05-01"}).json()["results"]
    assert api().get(URL).status_code in (401, 403)


def test_api_set_update_delete(org, api):
    client = api(org["m1"])
    made = client.post(
        URL,
        {
            "user": org["r2"].pk,
            "period": "month",
            "period_start": "2026-05-20",
            "measure": "visits",
            "value": "12",
        },
        format="json",
    )
    assert made.status_code == 201, made.content
    assert made.json()["period_start"] == "2026-05-01"
    pk = made.json()["id"]
    changed = client.patch(f"{URL}{pk}/", {"value": "15"}, format="json")
    assert changed.status_code == 200 and changed.json()["value"] == "15.00"
    moved = client.patch(f"{URL}{pk}/", {"measure": "revenue"}, format="json")
    assert moved.status_code == 400 and "measure" in moved.json()
    assert client.delete(f"{URL}{pk}/").status_code == 204
    assert not Target.objects.exists()


def test_api_refusals_change_nothing(org, targets, api):
    before = _state()
    rep = api(org["r1"])
    payload = {
        "user": org["r1"].pk,
        "period": "month",
        "period_start": "2026-05-01",
        "measure": "visits",
        "value": "1",
    }
    assert rep.post(URL, payload, format="json").status_code == 400  # no rep is settable by a rep
    assert rep.patch(f"{URL}{targets['r1'].pk}/", {"value": "1"}, format="json").status_code == 403
    assert rep.delete(f"{URL}{targets['t1'].pk}/").status_code == 403
    assert rep.delete(f"{URL}{targets['r3'].pk}/").status_code == 404
    manager = api(org["m1"])
    foreign = {**payload, "user": org["r3"].pk}
    assert manager.post(URL, foreign, format="json").status_code == 400
    assert (
        manager.post(
            URL, {**payload, "user": org["r2"].pk, "value": "-1"}, format="json"
        ).status_code
        == 400
    )
    assert (
        manager.post(URL, {**payload, "user": None, "team": None}, format="json").status_code == 400
    )
    assert (
        manager.patch(f"{URL}{targets['r3'].pk}/", {"value": "1"}, format="json").status_code == 404
    )
    assert _state() == before


# pages


def test_pages_list_set_edit_delete(org, targets, client):
    client.force_login(org["m1"])
    html = client.get("/targets/").content.decode()
    for name in ("m1", "r1", "t1"):
        assert f'data-target="{targets[name].pk}"' in html
    for name in ("r3", "t2"):
        assert f'data-target="{targets[name].pk}"' not in html
    assert f'href="/targets/{targets["r1"].pk}/edit/"' in html
    assert f'href="/targets/{targets["m1"].pk}/edit/"' not in html
    response = client.post(
        "/targets/new/",
        {
            "user": org["r2"].pk,
            "period": "month",
            "period_start": "2026-06-09",
            "measure": "revenue",
            "value": "9",
        },
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    assert Target.objects.get(user=org["r2"]).period_start == dt.date(2026, 6, 1)
    assert client.post(f"/targets/{targets['r1'].pk}/edit/", {"value": "3"}).status_code == 302
    assert Target.objects.get(pk=targets["r1"].pk).value == Decimal("3")
    assert client.get(f"/targets/{targets['t1'].pk}/delete/").status_code == 200
    assert client.post(f"/targets/{targets['t1'].pk}/delete/").status_code == 302
    assert not Target.objects.filter(pk=targets["t1"].pk).exists()


def test_pages_refuse_what_the_user_may_not_set(org, targets, client):
    before = _state()
    client.force_login(org["r1"])
    assert client.get("/targets/").status_code == 200
    assert client.get("/targets/new/").status_code == 404
    assert client.post(f"/targets/{targets['r1'].pk}/edit/", {"value": "1"}).status_code == 404
    assert client.post(f"/targets/{targets['t1'].pk}/delete/").status_code == 404
    client.force_login(org["m1"])
    response = client.post(
        "/targets/new/",
        {
            "user": org["r3"].pk,
            "period": "month",
            "period_start": "2026-06-09",
            "measure": "revenue",
            "value": "9",
        },
    )
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    response = client.post(f"/targets/{targets['r1'].pk}/edit/", {"value": "-1"})
    assert response.status_code == 200
    assert client.post(f"/targets/{targets['r3'].pk}/delete/").status_code == 404
    assert _state() == before


def test_a_period_out_of_range_is_refused(org):
    before = _state()
    with pytest.raises(ValidationError) as failure:
        target_set(
            actor=org["admin"],
            user=org["r1"],
            period="quarter",
            period_start=dt.date(9999, 12, 1),
            measure="visits",
            value=1,
        )
    assert "period_start" in failure.value.message_dict
    assert _state() == before
