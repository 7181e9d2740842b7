"""API answers follow the language of the caller's profile, token callers included (DRF
authenticates them after the middleware that does it for sessions)."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import Contact

pytestmark = pytest.mark.django_db


def _token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def _bad_contact(client, account):
    return client.post(
        "/api/v1/contacts/",
        {"account": account.pk, "name": "王伟", "birthday_month": 2, "role": "nonsense"},
        format="json",
    )


def test_a_chinese_users_token_request_is_answered_in_chinese(org):
    org["r1"].language = "zh-hans"
    org["r1"].save()
    response = _bad_contact(_token_client(org["r1"]), org["accounts"]["r1"])
    assert response.status_code == 400
    assert response.json() == {"role": ["“nonsense” 不是合法选项。"]}
    assert response["Content-Language"] == "zh-hans"
    fixed = _token_client(org["r1"]).post(
        "/api/v1/contacts/",
        {"account": org["accounts"]["r1"].pk, "name": "王伟", "birthday_month": 2},
        format="json",
    )
    assert fixed.status_code == 400
    assert fixed.json() == {"birthday_day": ["生日的月和日需同时填写，或都不填。"]}
    assert not Contact.objects.exists()


def test_an_english_users_token_request_is_answered_in_english(org):
    org["r2"].language = "en"
    org["r2"].save()
    client = _token_client(org["r2"])
    response = _bad_contact(client, org["accounts"]["r2"])
    assert response.json() == {"role": ['"nonsense" is not a valid choice.']}
    assert response["Content-Language"] == "en"
    # A user who chose no language gets the one their client asks for.
    org["r3"].language = ""
    org["r3"].save()
    response = _token_client(org["r3"]).post(
        "/api/v1/contacts/",
        {"account": org["accounts"]["r3"].pk, "name": "王伟", "birthday_month": 2},
        format="json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.json() == {"birthday_day": ["生日的月和日需同时填写，或都不填。"]}
