"""The users API for admins: create (password or e-mailed invitation), edit, deactivate,
reactivate, invite again; everyone else 403 (404 for a user they cannot see), nothing written."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from rest_framework.authtoken.models import Token

from core.models import AuditEntry
from crm.models import User

pytestmark = pytest.mark.django_db


def _users_state():
    return (
        list(User.objects.order_by("pk").values("pk", "username", "role", "team", "is_active")),
        AuditEntry.objects.count(),
        len(mail.outbox),
    )


def test_admin_creates_a_user_with_an_invitation(org, api):
    response = api(org["admin"]).post(
        reverse("user-list"),
        {"username": "apiuser", "email": "apiuser@example.com", "role": "manager"},
        format="json",
    )
    assert response.status_code == 201, response.content
    user = User.objects.get(username="apiuser")
    assert response.json() == {
        "id": user.pk,
        "username": "apiuser",
        "first_name": "",
        "last_name": "",
        "role": "manager",
        "team": None,
        "team_name": None,
    }
    assert not user.has_usable_password()
    (message,) = mail.outbox
    assert message.to == ["apiuser@example.com"]
    assert re.search(r"http://testserver/password-reset/\S+/\S+/", message.body)


def test_admin_creates_a_user_with_a_password(org, api):
    response = api(org["admin"]).post(
        reverse("user-list"),
        {"username": "pwuser", "password": "Api-Pass-2026", "team": org["t1"].pk},
        format="json",
    )
    assert response.status_code == 201
    user = User.objects.get(username="pwuser")
    assert user.check_password("Api-Pass-2026") and user.team == org["t1"]
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {"username": "r1", "password": "Api-Pass-2026"},
            {"username": ["A user with that username already exists."]},
        ),
        ({"username": "x1"}, {"email": ["An invitation needs an e-mail address."]}),
        (
            {"username": "x1", "password": "x1"},
            {
                "password": [
                    "The password is too similar to the username.",
                    "This password is too short. It must contain at least 10 characters.",
                ]
            },
        ),
        (
            {"username": "x1", "password": "Api-Pass-2026", "team": 999999},
            {"team": ['Invalid pk "999999" - object does not exist.']},
        ),
        (
            {"username": "x1", "password": "Api-Pass-2026", "role": "king"},
            {"role": ['"king" is not a valid choice.']},
        ),
    ],
)
def test_create_refuses_bad_input_and_writes_nothing(org, api, body, errors):
    before = _users_state()
    response = api(org["admin"]).post(reverse("user-list"), body, format="json")
    assert response.status_code == 400
    assert response.json() == errors
    assert _users_state() == before


def test_admin_edits_deactivates_reactivates_and_invites(org, api):
    admin = api(org["admin"])
    r1 = org["r1"]
    token = Token.objects.create(user=r1)
    detail = reverse("user-detail", args=[r1.pk])
    response = admin.patch(detail, {"role": "manager", "team": org["t2"].pk}, format="json")
    assert response.status_code == 200
    assert (response.json()["role"], response.json()["team"]) == ("manager", org["t2"].pk)
    assert admin.post(reverse("user-deactivate", args=[r1.pk])).status_code == 200
    r1.refresh_from_db()
    assert not r1.is_active
    assert not Token.objects.filter(pk=token.pk).exists()
    response = admin.post(reverse("user-invite", args=[r1.pk]))
    assert response.status_code == 400
    assert response.json() == {"email": ["This user is deactivated; reactivate them first."]}
    assert admin.post(reverse("user-reactivate", args=[r1.pk])).status_code == 200
    r1.refresh_from_db()
    assert r1.is_active
    r1.email = "r1@example.com"
    r1.save(update_fields=["email"])
    response = admin.post(reverse("user-invite", args=[r1.pk]))
    assert (response.status_code, response.json()) == (200, {"sent_to": "r1@example.com"})
    assert len(mail.outbox) == 1


def test_self_and_last_admin_are_refused(org, api):
    admin = org["admin"]
    client = api(admin)
    response = client.post(reverse("user-deactivate", args=[admin.pk]))
    assert (response.status_code, response.json()) == (
        400,
        {"is_active": ["You cannot deactivate yourself."]},
    )
    response = client.patch(reverse("user-detail", args=[admin.pk]), {"role": "rep"}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "role": ["boss is the last active administrator; make another user an administrator first."]
    }
    admin.refresh_from_db()
    assert (admin.is_active, admin.role) == (True, "admin")


def test_non_admins_are_refused_and_nothing_changes(org, api):
    before = _users_state()
    r2, r3 = org["r2"], org["r3"]
    for who in ("m1", "r1"):
        client = api(org[who])
        response = client.post(
            reverse("user-list"), {"username": "sneak", "password": "Api-Pass-2026"}, format="json"
        )
        assert response.status_code == 403, who
        # A user the caller sees (own team) is refused; one they do not see as well.
        for target in (r2, r3):
            for name in ("user-deactivate", "user-reactivate", "user-invite"):
                status = client.post(reverse(name, args=[target.pk])).status_code
                assert status == 403, (who, name, target)
            detail = reverse("user-detail", args=[target.pk])
            assert client.patch(detail, {"role": "admin"}, format="json").status_code == 403
    assert api(None).post(reverse("user-deactivate", args=[r2.pk])).status_code in (401, 403)
    assert _users_state() == before
