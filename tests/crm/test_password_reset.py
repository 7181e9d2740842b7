"""'Forgot password': Django's reset views at /password-reset/, no enumeration, rate-limited
per address and per e-mail, through the app's e-mail settings, both languages; the new
password ends the user's sessions and API tokens; a used or expired link says so."""

import re

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework.authtoken.models import Token

from core.models import AuditEntry
from crm.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://testserver(/password-reset/[^/\s]+/[^/\s]+/)")


def _ask(client: Client, email: str, ip: str = "10.1.1.1", **extra):
    return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=ip, **extra)


@pytest.fixture
def alice(db):
    return UserFactory(username="alice", email="alice@example.com")


def test_the_login_page_links_to_forgot_password():
    html = Client().get(reverse("login")).content.decode()
    assert 'href="/password-reset/"' in html


def test_known_and_unknown_addresses_get_the_same_answer(alice):
    known = _ask(Client(), "ALICE@example.com")
    unknown = _ask(Client(), "nobody@example.com")
    assert (known.status_code, known["Location"]) == (302, "/password-reset/done/")
    assert (unknown.status_code, unknown["Location"]) == (302, "/password-reset/done/")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["alice@example.com"]


def test_inactive_users_get_no_mail_and_the_same_answer(alice):
    User.objects.filter(pk=alice.pk).update(is_active=False)
    response = _ask(Client(), "alice@example.com")
    assert response["Location"] == "/password-reset/done/"
    assert mail.outbox == []


def test_the_mail_goes_through_the_apps_mail_settings(alice, settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    settings.DEFAULT_FROM_EMAIL = "crm@sales.example.com"
    _ask(Client(), "alice@example.com")
    assert mail.outbox == []  # not the test backend: the configured one
    (written,) = list(tmp_path.iterdir())
    text = written.read_text()
    assert "From: crm@sales.example.com" in text
    assert "To: alice@example.com" in text
    assert "Subject: Set a new CRM password" in text


def test_reset_sets_the_password_and_ends_sessions_and_tokens(alice):
    elsewhere = Client()
    elsewhere.force_login(alice)
    token = Token.objects.create(user=alice)
    _ask(Client(), "alice@example.com")
    (message,) = mail.outbox
    assert message.subject == "Set a new CRM password"
    assert "for 72 hours" in message.body
    path = LINK.search(message.body).group(1)
    client = Client()
    form_url = client.get(path)["Location"]  # Django hides the token behind a redirect
    response = client.post(
        form_url, {"new_password1": "Fresh-Pass-2026", "new_password2": "Fresh-Pass-2026"}
    )
    assert response.status_code == 302 and response["Location"] == "/password-reset/complete/"
    alice.refresh_from_db()
    assert alice.check_password("Fresh-Pass-2026")
    assert not Token.objects.filter(pk=token.pk).exists()
    assert elsewhere.get(reverse("profile")).status_code == 302  # signed out
    entry = AuditEntry.objects.get(model="crm.User", object_id=str(alice.pk), action="update")
    assert (entry.actor, entry.changes) == (alice, {"password": ["***", "***"]})
    signed_in = Client().post(
        reverse("login"), {"username": "alice", "password": "Fresh-Pass-2026"}
    )
    assert (signed_in.status_code, signed_in["Location"]) == (302, "/")

    # The link works once: used, it says so.
    again = Client().get(path, follow=True)
    assert "This link has been used already or has expired." in again.content.decode()


def test_a_weak_password_is_refused_and_nothing_changes(alice):
    token = Token.objects.create(user=alice)
    _ask(Client(), "alice@example.com")
    path = LINK.search(mail.outbox[0].body).group(1)
    client = Client()
    form_url = client.get(path)["Location"]
    response = client.post(form_url, {"new_password1": "short", "new_password2": "short"})
    assert response.status_code == 200
    assert "This password is too short." in response.content.decode()
    alice.refresh_from_db()
    assert alice.check_password("pw-Secret-123")
    assert Token.objects.filter(pk=token.pk).exists()


def test_an_expired_link_says_so(alice, settings):
    uid = urlsafe_base64_encode(force_bytes(alice.pk))
    token = default_token_generator.make_token(alice)
    settings.PASSWORD_RESET_TIMEOUT = -1  # every link is past its time
    response = Client().get(f"/password-reset/{uid}/{token}/", follow=True)
    assert "This link has been used already or has expired." in response.content.decode()
    response = Client().get(f"/password-reset/{uid}/not-a-token/", follow=True)
    assert "This link has been used already or has expired." in response.content.decode()


def test_too_many_requests_for_one_email_answer_alike_and_send_nothing(alice, settings):
    settings.CRM_PASSWORD_RESET_PER_EMAIL = 2
    for n in range(4):
        response = _ask(Client(), "alice@example.com", ip=f"10.2.0.{n}")
        assert response["Location"] == "/password-reset/done/"
    assert len(mail.outbox) == 2
    # Another address is counted on its own.
    UserFactory(username="bob", email="bob@example.com")
    _ask(Client(), "bob@example.com", ip="10.2.0.9")
    assert len(mail.outbox) == 3


def test_too_many_requests_from_one_address_are_refused(alice, settings):
    settings.CRM_PASSWORD_RESET_PER_IP = 3
    for n in range(3):
        assert _ask(Client(), f"x{n}@example.com", ip="10.3.3.3").status_code == 302
    refused = _ask(Client(), "alice@example.com", ip="10.3.3.3")
    assert refused.status_code == 429
    assert "Try again in 60 minutes." in refused.content.decode()
    assert mail.outbox == []
    assert _ask(Client(), "alice@example.com", ip="10.3.3.4").status_code == 302
    assert len(mail.outbox) == 1


def test_the_pages_and_the_mail_in_chinese(alice):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "忘记密码" in client.get(reverse("password_reset")).content.decode()
    response = _ask(client, "alice@example.com", follow=True)
    assert "请查收邮件" in response.content.decode()
    (message,) = mail.outbox
    assert message.subject == "设置新的 CRM 密码"
    assert "72 小时" in message.body
    assert LINK.search(message.body)


def _redis_cache(url: str, prefix: str) -> dict:
    return {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": prefix,
            "OPTIONS": {
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
            },
        }
    }


@pytest.mark.redis
def test_the_counters_live_in_redis_with_the_window_and_no_address(alice, settings, require_redis):
    import uuid

    import redis

    url = require_redis.rsplit("/", 1)[0] + "/13"
    prefix = f"t{uuid.uuid4().hex[:8]}"
    settings.CACHES = _redis_cache(url, prefix)
    settings.CRM_PASSWORD_RESET_PER_EMAIL = 1
    assert _ask(Client(), "alice@example.com", ip="10.5.5.5").status_code == 302
    assert _ask(Client(), "alice@example.com", ip="10.5.5.6").status_code == 302
    assert len(mail.outbox) == 1  # the second was over the limit, counted in Redis
    server = redis.Redis.from_url(url)
    keys = sorted(k.decode() for k in server.keys(f"{prefix}:*"))
    try:
        assert len(keys) == 3  # two addresses, one e-mail
        assert not any("alice" in k for k in keys)
        assert all(0 < server.ttl(k) <= 3600 for k in keys)
    finally:
        server.delete(*keys)


def test_a_cache_that_does_not_answer_lets_requests_through(alice, settings):
    settings.CACHES = _redis_cache("redis://127.0.0.1:9/0", "down")
    settings.CRM_PASSWORD_RESET_PER_IP = 1
    for _ in range(3):
        assert _ask(Client(), "alice@example.com").status_code == 302
    assert len(mail.outbox) == 3
