"""Sign-in and sessions: hashing, validators, lockout, CSRF, session rotation, idle timeout,
production settings and security headers."""

import os
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from crm.security import LAST_SEEN_KEY
from tests.factories import AccountFactory, UserFactory
from tests.security.endpoints import classify_all

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "pw-Secret-123"
pytestmark = pytest.mark.django_db


def _production(code: str, **env) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env={
            **base,
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
            "DATABASE_URL": "postgres://crm@127.0.0.1:5432/crm",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )


def _login(client: Client, username: str, password: str, ip: str = "10.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


# --- hashing and validators ---------------------------------------------------------------


def test_production_hashes_passwords_with_argon2():
    result = _production(
        "from django.conf import settings; from django.contrib.auth.hashers import make_password;"
        "print(settings.PASSWORD_HASHERS[0]); print(make_password('x' * 12).split('$')[0])"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.contrib.auth.hashers.Argon2PasswordHasher", "argon2"]


def test_base_settings_put_argon2_first():
    from config.settings import base

    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short1A!", "too short"),
        ("password1234", "too common"),
        ("4815162342108", "entirely numeric"),
    ],
)
def test_weak_passwords_are_refused(password, message):
    with pytest.raises(ValidationError) as exc:
        validate_password(password)
    assert message in " ".join(exc.value.messages)


def test_password_change_page_applies_the_validators(client):
    user = UserFactory(username="changer")
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert response.status_code == 200
    assert "too short" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


# --- lockout (django-axes) ------------------------------------------------------------------


def test_account_is_locked_after_repeated_failures_even_from_another_address(client):
    UserFactory(username="victim")
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        assert _login(client, "victim", "wrong-password").status_code == 200
    locked = _login(client, "victim", "wrong-password")
    assert locked.status_code == 429
    assert "Too many failed sign-in attempts" in locked.content.decode()
    # the right password from a different address is refused while the account is locked
    other = Client()
    response = _login(other, "victim", PASSWORD, ip="10.9.9.9")
    assert response.status_code == 429
    assert SESSION_KEY not in other.session


def test_address_is_locked_after_failures_across_accounts(client):
    UserFactory(username="innocent")
    for i in range(settings.AXES_FAILURE_LIMIT):
        _login(client, f"guess{i}", "wrong-password", ip="10.6.6.6")
    response = _login(Client(), "innocent", PASSWORD, ip="10.6.6.6")
    assert response.status_code == 429
    # the same user from another address signs in
    elsewhere = Client()
    assert _login(elsewhere, "innocent", PASSWORD, ip="10.7.7.7").status_code == 302
    assert elsewhere.session[SESSION_KEY]


def test_admin_unlocks_a_locked_account(client):
    user = UserFactory(username="locked")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "locked", "wrong-password")
    assert _login(Client(), "locked", PASSWORD, ip="10.1.1.1").status_code == 429
    admin = UserFactory(username="root", is_staff=True, is_superuser=True, role="admin")
    admin_client = Client()
    admin_client.force_login(admin)
    response = admin_client.post(
        reverse("admin:crm_user_changelist"),
        {"action": "unlock_sign_in", "_selected_action": [user.pk]},
        follow=True,
    )
    assert "Sign-in unlocked for 1 user(s)" in response.content.decode()
    assert not AccessAttempt.objects.filter(username="locked").exists()
    assert _login(Client(), "locked", PASSWORD, ip="10.1.1.1").status_code == 302


def test_token_endpoint_locks_out_too(client):
    UserFactory(username="apiuser")
    url = reverse("api-token")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(url, {"username": "apiuser", "password": "nope"})
        assert response.status_code == 400
    response = client.post(url, {"username": "apiuser", "password": "nope"})
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.json()["detail"]
    response = client.post(url, {"username": "apiuser", "password": PASSWORD})
    assert response.status_code == 429


# A successful sign-in clears only the failures of the username that succeeded, from that address:
# the attacker's own valid account (or anyone else's) signing in between guesses wipes nothing.


def _round_of_guesses(ip: str, wrong: list[str], right: str) -> list:
    """One round of the probe: a wrong password for each name in `wrong`, then the right one
    for `right`, each from `ip` through the real sign-in page; the status codes answered."""
    answers = [_login(Client(), name, "wrong-password", ip=ip).status_code for name in wrong]
    return [*answers, (right, _login(Client(), right, PASSWORD, ip=ip).status_code)]


def test_a_success_of_another_username_does_not_reset_the_attacked_ones_failures():
    """The probe: from one address, four wrong passwords for rep4, one correct sign-in as rep5,
    six times over. rep4's fifth failure locks rep4 and the address, rep5's success or not."""
    UserFactory(username="rep4")
    UserFactory(username="rep5")
    below_limit = settings.AXES_FAILURE_LIMIT - 1
    answers = [_round_of_guesses("10.4.4.4", ["rep4"] * below_limit, "rep5") for _ in range(6)]
    assert answers[0] == [200] * below_limit + [("rep5", 302)]
    assert answers[1:] == [[429] * below_limit + [("rep5", 429)]] * 5
    # rep4 is locked everywhere (the username), not only at that address
    assert _login(Client(), "rep4", PASSWORD, ip="10.4.4.5").status_code == 429


def test_a_spray_across_usernames_with_successes_between_locks_the_address():
    """Twelve usernames, one wrong guess each, a correct sign-in as rep5 after every four:
    the address is locked at its fifth failure whatever the successes between."""
    sprayed = [UserFactory(username=f"target{i}").username for i in range(12)]
    UserFactory(username="rep5")
    limit = settings.AXES_FAILURE_LIMIT
    answers = []
    for start in range(0, 12, 4):
        answers += _round_of_guesses("10.5.5.5", sprayed[start : start + 4], "rep5")
    failures = [a for a in answers if not isinstance(a, tuple)]
    successes = [a for a in answers if isinstance(a, tuple)]
    assert failures == [200] * (limit - 1) + [429] * (12 - limit + 1)
    assert successes == [("rep5", 302), ("rep5", 429), ("rep5", 429)]
    # only the address is locked: each sprayed name failed once, so it signs in elsewhere
    assert _login(Client(), "target0", PASSWORD, ip="10.5.5.6").status_code == 302
    assert _login(Client(), "rep5", PASSWORD, ip="10.5.5.6").status_code == 302


def test_a_success_clears_the_users_own_failures_from_that_address_only():
    UserFactory(username="forgetful")
    UserFactory(username="attacked")
    below_limit = settings.AXES_FAILURE_LIMIT - 1
    # the user's own typos are forgiven by their success from the same address
    for _ in range(2):
        assert _round_of_guesses("10.8.8.8", ["forgetful"] * below_limit, "forgetful") == [
            200
        ] * below_limit + [("forgetful", 302)]
    # the real user signing in from home does not forgive an attacker's guesses from elsewhere
    for _ in range(below_limit):
        assert _login(Client(), "attacked", "wrong-password", ip="10.9.0.1").status_code == 200
    assert _login(Client(), "attacked", PASSWORD, ip="10.9.0.2").status_code == 302
    assert _login(Client(), "attacked", "wrong-password", ip="10.9.0.1").status_code == 429
    assert AccessAttempt.objects.filter(username="attacked", ip_address="10.9.0.1").exists()
    assert _login(Client(), "attacked", PASSWORD, ip="10.9.0.2").status_code == 429


def test_token_endpoint_successes_do_not_reset_other_usernames_failures():
    """The same probe against `POST /api/v1/auth/token/`: rep5 obtaining its token between
    guesses for rep4 does not give rep4's attacker more guesses."""
    UserFactory(username="rep4")
    UserFactory(username="rep5")
    url = reverse("api-token")
    below_limit = settings.AXES_FAILURE_LIMIT - 1
    answers = []
    for _ in range(3):
        client = Client(REMOTE_ADDR="10.6.0.1")
        answers.append(
            [
                *[
                    client.post(url, {"username": "rep4", "password": "nope"}).status_code
                    for _ in range(below_limit)
                ],
                client.post(url, {"username": "rep5", "password": PASSWORD}).status_code,
            ]
        )
    assert answers == [[400] * below_limit + [200]] + [[429] * below_limit + [429]] * 2


# --- CSRF -------------------------------------------------------------------------------------


def test_login_without_csrf_token_is_refused():
    UserFactory(username="csrfuser")
    client = Client(enforce_csrf_checks=True)
    response = _login(client, "csrfuser", PASSWORD)
    assert response.status_code == 403
    assert SESSION_KEY not in client.session
    # with the token from the form it works
    page = client.get(reverse("login"))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())[1]
    response = client.post(
        reverse("login"),
        {"username": "csrfuser", "password": PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302


def _walk_state(account):
    from scoring.models import ScoringSettings, TierRun

    return (
        Session.objects.count(),
        list(account.__class__.objects.filter(pk=account.pk).values()),
        list(TierRun.objects.order_by("pk").values("pk", "status")),
        list(ScoringSettings.objects.values()),
    )


def test_every_state_changing_page_and_api_refuses_a_post_without_csrf_token():
    """Walk every page and API endpoint; a signed-in POST without the token is refused, for a
    rep and for a manager (who may recompute tiers, so the refusal is the token's, not the
    role's). Object pages get a record of their model (an account, contact, order, tier run)."""
    from scoring.services import tiers_recompute
    from tests.factories import ContactFactory, OrderFactory, TeamFactory

    manager = UserFactory(username="csrfmanager", role="manager")
    rep = UserFactory(username="csrfrep", team=TeamFactory(manager=manager))
    account = AccountFactory(owner=rep)
    objects = {
        "accounts.Account": account.pk,
        "accounts.Contact": ContactFactory(account=account).pk,
        "accounts.Order": OrderFactory(account=account).pk,
        "scoring.TierRun": tiers_recompute(trigger="cli").pk,
    }
    checked = []
    for user in (rep, manager):
        client = Client(enforce_csrf_checks=True)
        client.force_login(user)
        for ep in classify_all():
            if ep.kind in ("exempt", "own-rule") and ep.name not in (
                "logout",
                "set_language",
                "sign_out_everywhere",
            ):
                continue
            kwargs = {}
            if ep.kwargs:
                if ep.model is None or ep.model._meta.label not in objects:
                    continue
                kwargs = {k: objects[ep.model._meta.label] for k in ep.kwargs}
            if ep.methods and not {"POST", "PATCH"} & set(ep.methods):
                continue
            url = reverse(ep.name, kwargs=kwargs)
            before = _walk_state(account)
            response = client.post(url, {"name": "x"}, content_type="application/json")
            assert response.status_code in (403, 405), (ep.name, response.status_code)
            if response.status_code == 403:
                assert b"CSRF" in response.content, (ep.name, response.content[:200])
            checked.append(ep.name)
            assert _walk_state(account) == before, ep.name
        assert client.get(reverse("accounts:list")).status_code == 200  # still signed in
    assert {
        "logout",
        "sign_out_everywhere",
        "accounts:edit",
        "accounts:contact_create",
        "account-list",
    } <= set(checked)
    scoring = {
        "scoring:recompute",
        "scoring:settings",
        "scoring:run_detail",
        "scoring-api:run-list",
    }
    assert scoring <= set(checked)
    # With its token the same manager's POST queues a recompute: the walk's 403 was the token's.
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)
    page = client.get(reverse("scoring:recompute")).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    response = client.post(reverse("scoring:recompute"), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302, response.status_code


# --- sessions -------------------------------------------------------------------------------


def test_sign_in_rotates_the_session_and_sign_out_ends_it():
    UserFactory(username="rotator")
    client = Client()
    client.get(reverse("login"))
    session = client.session
    session["anonymous-note"] = "before login"
    session.save()
    anonymous_key = session.session_key
    client.cookies[settings.SESSION_COOKIE_NAME] = anonymous_key
    assert _login(client, "rotator", PASSWORD).status_code == 302
    signed_in_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert signed_in_key != anonymous_key
    assert not Session.objects.filter(session_key=anonymous_key).exists()
    assert client.get(reverse("accounts:list")).status_code == 200
    assert client.post(reverse("logout")).status_code == 302
    assert not Session.objects.filter(session_key=signed_in_key).exists()
    # replaying the old cookie does not sign anyone in
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = signed_in_key
    response = replay.get(reverse("accounts:list"))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_idle_session_is_signed_out(client, settings):
    settings.CRM_SESSION_IDLE_MINUTES = 30
    user = UserFactory(username="idler")
    client.force_login(user)
    assert client.get(reverse("accounts:list")).status_code == 200
    session = client.session
    assert abs(session[LAST_SEEN_KEY] - time.time()) < 120
    session[LAST_SEEN_KEY] = int(time.time()) - 31 * 60
    session.save()
    response = client.get(reverse("accounts:list"))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert SESSION_KEY not in client.session
    follow = client.get(response["Location"])
    assert "signed out after 30 minutes without activity" in follow.content.decode()


def test_active_session_within_the_idle_limit_stays_signed_in(client, settings):
    settings.CRM_SESSION_IDLE_MINUTES = 30
    client.force_login(UserFactory(username="busy"))
    client.get(reverse("accounts:list"))
    session = client.session
    session[LAST_SEEN_KEY] = int(time.time()) - 29 * 60
    session.save()
    assert client.get(reverse("accounts:list")).status_code == 200
    assert time.time() - client.session[LAST_SEEN_KEY] < 120  # refreshed by the request


def test_idle_timeout_zero_disables_it(client, settings):
    settings.CRM_SESSION_IDLE_MINUTES = 0
    client.force_login(UserFactory(username="forever"))
    session = client.session
    session[LAST_SEEN_KEY] = 0
    session.save()
    assert client.get(reverse("accounts:list")).status_code == 200


# --- production settings and headers ---------------------------------------------------------


def test_check_deploy_is_clean_under_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
            "DATABASE_URL": "postgres://crm@127.0.0.1:5432/crm",
            "DJANGO_ALLOWED_HOSTS": "crm.example.com",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_cookies_are_secure():
    result = _production(
        "from django.conf import settings as s; print(s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SECURE_SSL_REDIRECT, "
        "s.SECURE_HSTS_SECONDS > 0, s.DEBUG)"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "True", "True", "True", "False"]


def test_pages_send_security_headers(client):
    response = client.get(reverse("login"))
    csp = response["Content-Security-Policy"]
    directives = dict(
        (part.split()[0], part.split()[1:]) for part in csp.split(";") if part.strip()
    )
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    session_cookie = client.cookies.get(settings.CSRF_COOKIE_NAME)
    assert session_cookie["samesite"] == "Lax"


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>")
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<[^>]+\sstyle\s*=", re.IGNORECASE)


def test_templates_have_no_inline_script_handler_or_style():
    offenders = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for pattern in (INLINE_SCRIPT, INLINE_HANDLER, INLINE_STYLE):
            offenders += [f"{path.relative_to(ROOT)}: {m[0][:60]}" for m in pattern.finditer(text)]
    assert offenders == []
