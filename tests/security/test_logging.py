"""Logs never contain passwords, tokens, phone numbers, e-mails or birthdays."""

import io
import logging

import pytest
from django.test import Client
from django.urls import path

from core.logscrub import ScrubSensitiveData, scrub

SECRETS = {
    "password": "Hunter2-very-secret",
    "token": "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b",
    "mobile": "13812345678",
    "mobile_spaced": "+86 138 1234 5678",
    "landline": "021-62345678",
    "email": "wang.wei@example.cn",
    "birthday": "--02-29",
}


def _boom(request):
    raise ValueError(
        f"contact save failed: {{'phone': '{SECRETS['mobile']}', 'birthday_month': 7, "
        f"'birthday_day': 23, 'email': '{SECRETS['email']}'}} password={SECRETS['password']} "
        f"Authorization: Token {SECRETS['token']} call {SECRETS['landline']}"
    )


urlpatterns = [path("boom/", _boom)]


def _every_handler():
    loggers = [logging.getLogger()] + [
        logger
        for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]
    return {
        handler
        for logger in loggers
        for handler in logger.handlers
        # NullHandler writes nothing; pytest's capture handlers exist only under pytest.
        if not isinstance(handler, logging.NullHandler)
        and not type(handler).__module__.startswith("_pytest")
    }


def test_every_configured_handler_scrubs():
    handlers = _every_handler()
    assert handlers, "no logging handler is configured"
    missing = [h for h in handlers if not any(isinstance(f, ScrubSensitiveData) for f in h.filters)]
    assert missing == []


@pytest.fixture
def captured():
    """The configured root handler, writing to a buffer for the test."""
    handler = logging.getLogger().handlers[0]
    buffer = io.StringIO()
    old = handler.setStream(buffer)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    yield buffer
    handler.setStream(old)
    handler.setFormatter(logging.Formatter())


def _assert_clean(text: str) -> None:
    leaked = {name: value for name, value in SECRETS.items() if value in text}
    assert leaked == {}, text
    assert "7, 'birthday_day': 23" not in text


def test_a_logged_message_with_secrets_is_scrubbed(captured):
    logging.getLogger("crm.anything").warning(
        "login %s with password=%s token %s phone %s mail %s birthday %s",
        "wang",
        SECRETS["password"],
        SECRETS["token"],
        SECRETS["mobile_spaced"],
        SECRETS["email"],
        SECRETS["birthday"],
    )
    text = captured.getvalue()
    assert "login wang with password=*** token *** phone *** mail *** birthday ***" in text
    _assert_clean(text)


@pytest.mark.django_db
@pytest.mark.urls("tests.security.test_logging")
def test_a_request_that_fails_logs_no_secrets(captured):
    client = Client(raise_request_exception=False)
    response = client.get("/boom/", {"phone": SECRETS["mobile"], "token": SECRETS["token"]})
    assert response.status_code == 500
    text = captured.getvalue()
    assert "Internal Server Error: /boom/" in text
    assert "ValueError: contact save failed" in text  # the traceback is there, scrubbed
    _assert_clean(text)


@pytest.mark.django_db
def test_a_not_found_url_with_a_phone_number_is_logged_scrubbed(captured):
    response = Client().get(f"/accounts/by-phone/{SECRETS['mobile']}/")
    assert response.status_code in (302, 404)
    response = Client().get(f"/nothing-here/{SECRETS['mobile']}/?email={SECRETS['email']}")
    assert response.status_code == 404
    text = captured.getvalue()
    assert "Not Found: /nothing-here/***/" in text
    _assert_clean(text)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("password=abc&next=/", "password=***&next=/"),
        ("{'password': 'abc', 'name': 'ok'}", "{'password': '***', 'name': 'ok'}"),
        ('{"phone": "13800000000"}', '{"phone": "***"}'),
        ("<QueryDict: {'phone': ['13800000000']}>", "<QueryDict: {'phone': ['***']}>"),
        ("birthday_month=2 birthday_day=29", "birthday_month=*** birthday_day=***"),
        ("Authorization: Bearer abc.def.ghi123", "Authorization: Bearer ***"),
        ("tel 0755-12345678 ok", "tel *** ok"),
        ("at 2026-12-01 06:52:12 order 1234567 of account 42", None),
    ],
)
def test_scrub(raw, clean):
    assert scrub(raw) == (raw if clean is None else clean)
