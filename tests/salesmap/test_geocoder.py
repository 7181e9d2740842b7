"""The optional geocoder against a real HTTP server on loopback: off by default (no request
at all), the address sent URL-quoted, the answer placing the account, and its failures."""

import json
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from salesmap.services import account_geocode
from tests.factories import AccountFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def geocoder():
    """A loopback geocoder: answers each request with the next (status, body) of `answers`
    and records the paths asked."""
    state = {"answers": [], "paths": []}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            state["paths"].append(self.path)
            status, body = state["answers"].pop(0) if state["answers"] else (200, [])
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state["url"] = f"http://127.0.0.1:{server.server_port}/search?format=json&q={{address}}"
    yield state
    server.shutdown()
    server.server_close()


def _located(account):
    account.refresh_from_db()
    return account.latitude, account.longitude, account.location_source


def test_off_by_default_nothing_is_called(geocoder, settings):
    assert settings.CRM_GEOCODER_URL == ""
    rep = UserFactory(username="geo-rep")
    account = AccountFactory(owner=rep, address="上海市黄浦区人民大道200号")
    with pytest.raises(ValidationError) as caught:
        account_geocode(actor=rep, account=account)
    assert caught.value.messages == ["No geocoder is configured."]
    assert geocoder["paths"] == []
    assert _located(account) == (None, None, "")


def test_the_geocoder_places_the_account(geocoder, settings, client):
    settings.CRM_GEOCODER_URL = geocoder["url"]
    rep = UserFactory(username="geo-rep")
    account = AccountFactory(owner=rep, address="上海市黄浦区人民大道200号")
    geocoder["answers"].append((200, [{"lat": "31.2304", "lon": "121.4737", "display_name": "x"}]))
    client.force_login(rep)
    card = client.get(account.get_absolute_url()).content.decode()
    assert "Find it from the address" in card
    response = client.post(reverse("salesmap:account_geocode", args=[account.pk]))
    assert response.status_code == 302
    assert _located(account) == (Decimal("31.230400"), Decimal("121.473700"), "geocoder")
    (path,) = geocoder["paths"]
    assert path.startswith("/search?format=json&q=%E4%B8%8A%E6%B5%B7")
    assert unquote(path.split("q=", 1)[1]) == "上海市黄浦区人民大道200号"


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ((500, {"error": "down"}), "The geocoder did not answer"),
        ((200, b"<html>not json"), "The geocoder did not answer"),
        ((200, []), "The geocoder found no place"),
        ((200, [{"lat": "north", "lon": "121"}]), "The geocoder found no place"),
        ((200, [{"lat": "95", "lon": "121"}]), "Must be between -90 and 90."),
    ],
)
def test_a_failing_geocoder_changes_nothing_and_says_why(geocoder, settings, answer, message):
    settings.CRM_GEOCODER_URL = geocoder["url"]
    rep = UserFactory(username="geo-rep")
    account = AccountFactory(owner=rep, address="Somewhere 1")
    geocoder["answers"].append(answer)
    with pytest.raises(ValidationError) as caught:
        account_geocode(actor=rep, account=account)
    assert message in " ".join(caught.value.messages)
    assert _located(account) == (None, None, "")


def test_no_address_or_no_book_no_request(geocoder, settings, org):
    settings.CRM_GEOCODER_URL = geocoder["url"]
    rep = UserFactory(username="geo-rep")
    blank = AccountFactory(owner=rep, address="")
    with pytest.raises(ValidationError) as caught:
        account_geocode(actor=rep, account=blank)
    assert list(caught.value.message_dict) == ["address"]
    other = org["accounts"]["r3"]
    with pytest.raises(ValidationError) as caught:
        account_geocode(actor=org["r1"], account=other)
    assert list(caught.value.message_dict) == ["account"]
    assert geocoder["paths"] == []
