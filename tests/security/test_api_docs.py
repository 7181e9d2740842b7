"""The OpenAPI schema (/api/schema/) and the Swagger UI (/api/docs/) describe every endpoint:
in production only signed-in users read them, unless CRM_API_DOCS_PUBLIC opens them."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from tests.factories import TokenFactory, UserFactory

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(settings):
    settings.CRM_API_DOCS_PUBLIC = False


def test_anonymous_callers_get_neither_the_schema_nor_the_docs(closed):
    client = Client()
    schema = client.get("/api/schema/")
    assert schema.status_code == 403
    assert b"/api/v1/" not in schema.content
    bad_token = client.get("/api/schema/", HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert bad_token.status_code in (401, 403)
    assert b"/api/v1/" not in bad_token.content
    for path in ("/api/docs/", "/api/docs/?script="):
        docs = client.get(path)
        assert docs.status_code == 302, path
        assert docs["Location"].startswith("/login/?next=/api/docs/"), docs["Location"]


def test_signed_in_users_read_the_schema_and_the_docs(closed):
    rep = UserFactory(username="docs-reader")
    client = Client()
    client.force_login(rep)
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/v1/accounts/" in schema.content
    assert client.get("/api/docs/").status_code == 200
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    # an API client with a token fetches the schema too (e.g. to generate a client)
    token = TokenFactory(user=rep)
    by_token = Client().get("/api/schema/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert by_token.status_code == 200 and b"/api/v1/accounts/" in by_token.content


def test_the_setting_opens_them_to_everyone(settings):
    settings.CRM_API_DOCS_PUBLIC = True
    client = Client()
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/v1/accounts/" in schema.content
    assert client.get("/api/docs/").status_code == 200
    assert client.get("/api/docs/?script=").status_code == 200


def _setting_under(module: str, **env) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CRM_"))}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.CRM_API_DOCS_PUBLIC)",
        ],
        cwd=ROOT,
        env={
            **clean,
            "DJANGO_SETTINGS_MODULE": module,
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
            "DATABASE_URL": "postgres://crm@127.0.0.1:5432/crm",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_closed_by_default_in_production_open_on_a_laptop():
    assert _setting_under("config.settings.production") == "False"
    assert _setting_under("config.settings.production", CRM_API_DOCS_PUBLIC="true") == "True"
    assert _setting_under("config.settings.local") == "True"
    assert _setting_under("config.settings.local", CRM_API_DOCS_PUBLIC="false") == "False"
