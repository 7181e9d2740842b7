"""API tokens expire after CRM_API_TOKEN_DAYS and die with the credentials they came from: a
password change (own page, admin site or `manage.py changepassword`), a deactivation and "sign
out everywhere" delete the user's tokens (and end their other sessions); nobody else's token or
session is touched."""

import datetime
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from core.models import AuditEntry
from crm.models import User
from tests.factories import AccountFactory, UserFactory

PASSWORD = "pw-Secret-123"
NEW_PASSWORD = "a-Fresh-Passphrase-77"
pytestmark = pytest.mark.django_db


def _token(username: str, password: str = PASSWORD) -> str:
    response = Client().post(
        reverse("api-token"), {"username": username, "password": password}, REMOTE_ADDR="10.3.0.1"
    )
    assert response.status_code == 200, response.content
    return response.json()["token"]


def _api(key: str):
    return Client().get(reverse("account-list"), HTTP_AUTHORIZATION=f"Token {key}")


def _accepted(key: str) -> bool:
    response = _api(key)
    assert response.status_code in (200, 401, 403), response.status_code
    return response.status_code == 200


def _signed_in(client: Client) -> bool:
    response = client.get(reverse("accounts:list"))
    assert response.status_code in (200, 302)
    return response.status_code == 200


def _csrf(client: Client, url: str) -> str:
    page = client.get(url).content.decode()
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]


@pytest.fixture
def alice():
    user = UserFactory(username="alice")
    AccountFactory(owner=user, name="Alice's account")
    return user


@pytest.fixture
def bob():
    """Someone else, signed in with a session and holding a token: never affected."""
    user = UserFactory(username="bob")
    client = Client()
    client.force_login(user)
    return user, client, _token("bob")


def _bob_untouched(bob) -> None:
    user, client, key = bob
    assert _accepted(key)
    assert _signed_in(client)
    assert Token.objects.filter(user=user, key=key).exists()


@pytest.fixture
def root():
    user = UserFactory(username="root", role="admin", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    return client


# --- expiry -----------------------------------------------------------------------------------


def _age(key: str, days: float) -> None:
    Token.objects.filter(key=key).update(created=timezone.now() - datetime.timedelta(days=days))


def test_a_token_is_refused_once_its_days_are_over_and_a_new_one_is_issued(alice, settings):
    settings.CRM_API_TOKEN_DAYS = 30
    key = _token("alice")
    assert [r["name"] for r in _api(key).json()["results"]] == ["Alice's account"]
    _age(key, 29.9)
    assert _accepted(key)
    _age(key, 30.01)
    refused = _api(key)
    assert refused.status_code in (401, 403)
    assert refused.json() == {"detail": "Token expired; request a new one."}
    # signing in again replaces the expired token instead of handing it back
    fresh = _token("alice")
    assert fresh != key
    assert _accepted(fresh)
    assert not _accepted(key)
    assert list(Token.objects.filter(user=alice).values_list("key", flat=True)) == [fresh]


def test_a_valid_token_is_handed_back_unchanged(alice):
    key = _token("alice")
    assert _token("alice") == key


def test_the_days_come_from_the_setting(alice, settings):
    settings.CRM_API_TOKEN_DAYS = 2
    key = _token("alice")
    _age(key, 1.9)
    assert _accepted(key)
    _age(key, 2.1)
    assert not _accepted(key)


# --- password change ----------------------------------------------------------------------------


def test_changing_ones_password_revokes_ones_tokens_and_other_sessions(alice, bob):
    key = _token("alice")
    laptop = Client()
    laptop.force_login(alice)
    phone = Client()
    phone.force_login(alice)
    response = laptop.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert not _accepted(key)
    assert not Token.objects.filter(user=alice).exists()
    assert _signed_in(laptop)  # the session that changed it goes on
    assert not _signed_in(phone)
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    entry = AuditEntry.objects.get(model="crm.User", object_id=str(alice.pk))
    assert (entry.actor, entry.action, entry.changes) == (
        alice,
        "update",
        {"password": ["***"] * 2},
    )
    _bob_untouched(bob)


def test_a_refused_password_change_keeps_the_tokens(alice):
    key = _token("alice")
    client = Client()
    client.force_login(alice)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "not-my-password",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 200
    assert "Your old password was entered incorrectly" in response.content.decode()
    assert _accepted(key)
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)
    assert not AuditEntry.objects.filter(model="crm.User").exists()


def test_djangos_changepassword_command_revokes_the_users_tokens(alice, bob, monkeypatch):
    from django.contrib.auth.management.commands import changepassword
    from django.core.management import call_command

    key = _token("alice")
    monkeypatch.setattr(changepassword.Command, "_get_pass", lambda self, prompt="": NEW_PASSWORD)
    call_command("changepassword", "alice", stdout=io.StringIO())
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    assert not _accepted(key)
    assert not Token.objects.filter(user=alice).exists()
    _bob_untouched(bob)


def test_saving_a_user_without_a_new_password_keeps_their_tokens(alice):
    key = _token("alice")
    alice.first_name = "Alice"
    alice.save()
    assert _accepted(key)


def test_an_admin_setting_a_password_in_the_admin_site_revokes_the_users_tokens(alice, bob, root):
    key = _token("alice")
    url = reverse("admin:auth_user_password_change", args=[alice.pk])
    refused = root.post(url, {"password1": NEW_PASSWORD, "password2": "something-else-12"})
    assert refused.status_code == 200
    assert _accepted(key)
    response = root.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert not _accepted(key)
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    _bob_untouched(bob)


def test_disabling_password_sign_in_in_the_admin_site_revokes_the_users_tokens(alice, root):
    key = _token("alice")
    url = reverse("admin:auth_user_password_change", args=[alice.pk])
    response = root.post(url, {"usable_password": "false", "unset-password": "1"})
    assert response.status_code == 302
    assert not _accepted(key)
    alice.refresh_from_db()
    assert not alice.has_usable_password()


# --- deactivation -------------------------------------------------------------------------------


def _admin_change(client: Client, user: User, **changes) -> object:
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "role": user.role,
        "language": "",
    }
    data.update(changes)
    return client.post(
        reverse("admin:crm_user_change", args=[user.pk]),
        {k: v for k, v in data.items() if v is not None},
    )


def test_deactivating_a_user_in_the_admin_site_revokes_tokens_and_sessions_for_good(
    alice, bob, root
):
    key = _token("alice")
    session = Client()
    session.force_login(alice)
    response = _admin_change(root, alice, is_active=None, first_name="Alice")
    assert response.status_code == 302, response.content[:500]
    alice.refresh_from_db()
    assert (alice.is_active, alice.first_name) == (False, "Alice")
    assert not Token.objects.filter(user=alice).exists()
    assert not _accepted(key)
    assert not _signed_in(session)
    # taken back later, the user signs in afresh: nothing from before comes back to life
    assert _admin_change(root, alice).status_code == 302
    alice.refresh_from_db()
    assert alice.is_active
    assert not _accepted(key)
    assert not _signed_in(session)
    assert _accepted(_token("alice"))
    _bob_untouched(bob)


def test_saving_an_active_user_in_the_admin_site_keeps_their_tokens(alice, root):
    key = _token("alice")
    assert _admin_change(root, alice, first_name="Alicia").status_code == 302
    assert _accepted(key)


def test_only_who_may_change_users_deactivates_them(alice, bob):
    from django.core.exceptions import PermissionDenied

    from crm.services import user_deactivate

    key = _token("alice")
    with pytest.raises(PermissionDenied):
        user_deactivate(actor=bob[0], user=alice)
    alice.refresh_from_db()
    assert alice.is_active
    assert _accepted(key)
    staff = UserFactory(username="staff-no-perms", is_staff=True)
    client = Client()
    client.force_login(staff)
    assert _admin_change(client, alice, is_active=None).status_code == 403
    alice.refresh_from_db()
    assert alice.is_active and _accepted(key)


# --- sign out everywhere ------------------------------------------------------------------------


def test_sign_out_everywhere_ends_other_sessions_and_tokens(alice, bob):
    key = _token("alice")
    laptop = Client(enforce_csrf_checks=True)
    laptop.force_login(alice)
    phone = Client()
    phone.force_login(alice)
    profile = laptop.get(reverse("profile")).content.decode()
    assert 'action="/me/sign-out-everywhere/"' in profile
    response = laptop.post(
        reverse("sign_out_everywhere"), {"csrfmiddlewaretoken": _csrf(laptop, reverse("profile"))}
    )
    assert response.status_code == 302 and response["Location"] == reverse("profile")
    assert "Signed out everywhere else" in laptop.get(reverse("profile")).content.decode()
    assert _signed_in(laptop)
    assert not _signed_in(phone)
    assert not _accepted(key)
    assert not Token.objects.filter(user=alice).exists()
    # the user signs in again anywhere, and gets a new token
    assert _accepted(_token("alice"))
    again = Client()
    assert (
        again.post(reverse("login"), {"username": "alice", "password": PASSWORD}).status_code == 302
    )
    assert _signed_in(again)
    _bob_untouched(bob)


def test_sign_out_everywhere_needs_a_post_with_its_csrf_token(alice):
    key = _token("alice")
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    phone = Client()
    phone.force_login(alice)
    generation = User.objects.get(pk=alice.pk).session_generation
    assert client.get(reverse("sign_out_everywhere")).status_code == 405
    refused = client.post(reverse("sign_out_everywhere"))
    assert refused.status_code == 403 and b"CSRF" in refused.content
    anonymous = Client().post(reverse("sign_out_everywhere"))
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/")
    assert _accepted(key)
    assert _signed_in(phone) and _signed_in(client)
    assert User.objects.get(pk=alice.pk).session_generation == generation
    assert SESSION_KEY in phone.session


def test_token_days_below_one_are_refused_at_start():
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CRM_"))}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=Path(__file__).resolve().parents[2],
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings.local", "CRM_API_TOKEN_DAYS": "0"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "CRM_API_TOKEN_DAYS must be at least 1, not 0" in result.stderr
