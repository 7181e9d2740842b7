"""The account health and the tier-drop forecast against the access oracle (hypothesis).

Per example: an organisation from `oracle.build_org` (health snapshots among the drawn
records), tiers A and B dealt to the accounts, then for every user (each role, the inactive
rep, nobody signed in):
- `/api/v1/scoring/forecast/` lists exactly the oracle's book's A and B accounts;
- the forecast page (`/health/forecast/`) links exactly those accounts and shows no token of
  a record outside the book;
- signed out (or inactive), both refuse.
"""

import re

import pytest
from django.urls import reverse
from hypothesis import given

from accounts.models import Account
from tests.security.endpoints import HEALTH_REVIEWED, classify_all
from tests.security.oracle import build_org, org_specs
from tests.security.test_access_oracle import (
    ORACLE_SETTINGS,
    _assert_no_leak,
    _client,
    _in_rollback,
)

pytestmark = pytest.mark.django_db
LINK = re.compile(r'<tr data-account="(\d+)">')


def test_the_forecast_shows_exactly_the_oracles_book():
    reviewed = {ep.name for ep in classify_all() if ep.name.startswith("health-api")}
    assert reviewed == set(HEALTH_REVIEWED)

    @ORACLE_SETTINGS
    @given(spec=org_specs())
    def check(spec):
        def run():
            org = build_org(spec)
            ids = sorted(org.accounts)
            # Every other account A, the rest B: all are forecast (with or without orders).
            Account.objects.filter(pk__in=ids[::2]).update(tier="A")
            Account.objects.filter(pk__in=ids[1::2]).update(tier="B")
            for user in [*org.users, None]:
                client = _client(user)
                api = client.get("/api/v1/scoring/forecast/")
                page = client.get(reverse("health:forecast"))
                if user is None or user.pk in org.inactive:
                    assert api.status_code in (401, 403)
                    assert page.status_code == 302
                    continue
                visible = org.visible_accounts(user)
                assert api.status_code == 200
                assert {row["id"] for row in api.json()["results"]} == visible
                assert page.status_code == 200
                shown = {int(pk) for pk in LINK.findall(page.content.decode())}
                assert shown == visible
                _assert_no_leak(org, user, api.content, "health-api:forecast")
                _assert_no_leak(org, user, page.content, "health:forecast")

        _in_rollback(run)

    check()
