"""A NUL character in a query parameter, a form field or the path is refused with a 400 by one
middleware (core.middleware.RefuseNulMiddleware), on every page and endpoint: PostgreSQL refuses
NUL in text, so before it such a value reaching a search, a filter or a lookup was a server
error (500) on many lists.

The lists come from the access oracle's classification (`classify_all()`): every endpoint it
finds that takes no URL argument, so a list that a feature adds later is checked too.
"""

from urllib.parse import urlencode

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from django.utils import translation
from rest_framework.authtoken.models import Token

from accounts.models import Account, Contact
from tests.security.endpoints import classify_all

pytestmark = pytest.mark.django_db

NUL = "a\x00b"
# Lists that answered 500 to `?q=a%00b` before the middleware, so the enumeration must hold them.
KNOWN_500 = {
    "/visits/visits/",
    "/visits/due/",
    "/visits/touches/",
    "/imports/",
    "/prospects/compare/",
    "/visits/reminders/",
}
# The oracle's list kinds (test_access_oracle.test_lists_and_pages_show_exactly_the_oracles_book).
ORACLE_LIST_KINDS = {"api-list", "page", "api-other", "api-action-list", "own-rule-page"}
MESSAGE_EN = "The request holds a NUL character, which no field accepts."


def _lists() -> list[str]:
    """Every URL without arguments that the oracle enumerates: its lists and pages, the API's
    own-rule lists, the exports' index and the exempt pages alike."""
    endpoints = [ep for ep in classify_all() if not ep.kwargs]
    assert {ep.kind for ep in endpoints} >= ORACLE_LIST_KINDS
    return sorted(reverse(ep.name) for ep in endpoints)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _assert_refused(response, url: str) -> None:
    assert response.status_code == 400, (url, response.status_code, response.content[:200])
    if url.startswith("/api/"):
        assert response.json() == {"detail": MESSAGE_EN}, url
    else:
        assert response["Content-Type"].startswith("text/html"), url
        assert MESSAGE_EN in response.content.decode(), url


@pytest.mark.parametrize("who", ["admin", "r1"])
def test_nul_in_a_query_parameter_is_a_400_on_every_list(org, who):
    urls = _lists()
    assert set(urls) >= KNOWN_500
    assert len(urls) > 40  # the enumeration found the project's lists, not an empty set
    client = _client(org[who])
    for url in urls:
        # Given a search (most lists), a filter, and a parameter nobody reads.
        for params in ({"q": NUL}, {"kind": NUL, "page": "1"}, {f"x{NUL}": "1"}):
            _assert_refused(client.get(url, params), url)


def test_the_lists_still_answer_without_nul(org):
    """The same requests without the NUL are not refused (the middleware reads, not guesses)."""
    client = _client(org["admin"])
    for url in sorted(KNOWN_500):
        assert client.get(url, {"q": "ab", "kind": ""}).status_code == 200, url
    response = _client(org["r1"]).get("/api/v1/accounts/", {"q": "Account of", "search": "x"})
    assert response.status_code == 200
    assert [a["name"] for a in response.json()["results"]] == ["Account of r1"]


def test_nul_in_an_api_search_is_a_json_400_after_authentication(org):
    """The API keeps its order: who is not signed in learns that first (401/403), as for any
    request; a signed-in caller (token or session) gets the 400."""
    token = Token.objects.create(user=org["r1"]).key
    signed_in = {"HTTP_AUTHORIZATION": f"Token {token}"}
    bad_token = {"HTTP_AUTHORIZATION": "Token " + "0" * 40}
    for url in ("/api/v1/accounts/", "/api/v1/contacts/", "/api/v1/prospects/"):
        response = Client().get(url, {"search": NUL}, **signed_in)
        assert response.status_code == 400, url
        assert response.json() == {"detail": MESSAGE_EN}
        assert Client().get(url, {"search": NUL}, **bad_token).status_code in (401, 403), url
        assert Client().get(url, {"q": NUL}).status_code in (401, 403), url
    response = _client(org["r1"]).get("/api/v1/accounts/", {"q": NUL})
    assert response.status_code == 400
    assert response.json() == {"detail": MESSAGE_EN}


def test_the_public_api_endpoints_refuse_nul_from_anyone(org):
    """What an anonymous caller may reach under /api/ validates its own input: never a 500."""
    client = Client()
    response = client.post(
        "/api/v1/auth/token/",
        urlencode({"username": NUL, "password": "x"}),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["username"]
    for params in ({"lang": NUL}, {"format": NUL}, {"x": NUL}):
        assert client.get("/api/schema/", params).status_code in (200, 400, 404), params


def test_nul_in_the_path_is_a_400(org):
    client = _client(org["admin"])
    for url in ("/accounts/export/a%00b.csv", "/api/v1/scoring/tiers/a%00b/"):
        _assert_refused(client.get(url), url)


def test_the_message_is_translated(org):
    response = _client(org["r1"]).get("/visits/visits/", {"q": NUL}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    with translation.override("zh-hans"):
        expected = translation.gettext(MESSAGE_EN)
    assert expected != MESSAGE_EN
    assert expected in response.content.decode()


def test_a_posted_form_field_with_nul_is_a_400_and_writes_nothing(org):
    client = _client(org["r1"])
    account_form = {
        "name": "Nul Co.",
        "channel": "direct",
        "lifecycle": "potential",
        "source": "other",
        "owner": org["r1"].pk,
    }
    before = Account.objects.count()
    for field, value in (("notes", NUL), ("name", NUL), (f"x{NUL}", "1")):
        response = client.post(reverse("accounts:create"), {**account_form, field: value})
        _assert_refused(response, reverse("accounts:create"))
        assert Account.objects.count() == before
    # To the API: a url-encoded form is refused alike; a multipart one is left to DRF's
    # parser, whose fields refuse NUL themselves.
    account = org["accounts"]["r1"]
    response = client.post(
        "/api/v1/contacts/",
        urlencode({"account": account.pk, "name": NUL}),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert response.json() == {"detail": MESSAGE_EN}
    response = client.post("/api/v1/contacts/", {"account": account.pk, "name": NUL})
    assert response.status_code == 400
    assert list(response.json()) == ["name"]
    assert not Contact.objects.filter(account=account).exists()
    # Without the NUL the same form writes (so "nothing written" above means something).
    response = client.post(reverse("accounts:create"), account_form)
    assert response.status_code == 302
    assert Account.objects.count() == before + 1


def test_nul_in_the_admin_changelist_search_is_a_400(org):
    boss = org["admin"]
    boss.is_staff = boss.is_superuser = True
    boss.save(update_fields=["is_staff", "is_superuser"])
    client = _client(boss)
    changelists = [
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for model in admin.site._registry
    ]
    assert "/admin/accounts/account/" in changelists
    for url in changelists:
        response = client.get(url, {"q": "\x00"})
        assert response.status_code == 400, (url, response.status_code)
    assert client.get("/admin/accounts/account/", {"q": "Account"}).status_code == 200


def test_too_many_form_fields_is_refused_after_authentication(org, settings):
    """A form body over DATA_UPLOAD_MAX_NUMBER_FIELDS made the NUL check itself fail with a 400
    before DRF could answer a bad token (schemathesis found it on a bulk action): the caller
    who is not signed in learns that first; a signed-in caller gets Django's 400."""
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    body = urlencode([("ids", i) for i in range(50)])
    token = Token.objects.create(user=org["r1"]).key
    for url in ("/api/v1/reminders/bulk-snooze/", "/api/v1/contacts/"):
        response = Client().post(
            url,
            body,
            content_type="application/x-www-form-urlencoded",
            HTTP_AUTHORIZATION="Token " + "0" * 40,
        )
        assert response.status_code in (401, 403), (url, response.status_code)
        response = Client().post(
            url,
            body,
            content_type="application/x-www-form-urlencoded",
            HTTP_AUTHORIZATION=f"Token {token}",
        )
        assert response.status_code == 400, (url, response.status_code)
    # A page's form: Django's own 400, not a server error.
    client = _client(org["r1"])
    response = client.post(
        reverse("accounts:create"), body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
