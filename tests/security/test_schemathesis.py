"""Schemathesis against our OpenAPI schema, for each role: no server errors, authentication not
ignored, invalid data rejected with 4xx, responses as documented.

Every operation in /api/schema/ is generated from the schema itself, so endpoints that features
add later are covered without a change here. Examples per operation are kept modest, and each
test item runs in a transaction that is rolled back (a flush per item would dominate the time).
"""

import os

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.urls import Resolver404, resolve
from hypothesis import HealthCheck, settings
from schemathesis import checks as core_checks
from schemathesis.specs.openapi import checks as openapi_checks

from scoring.models import TierRun
from scoring.services import tiers_recompute
from tests.factories import (
    AccountFactory,
    ContactFactory,
    OrderFactory,
    TeamFactory,
    TokenFactory,
    UserFactory,
)

ROLES = ["rep", "manager", "admin", "anonymous"]
# Paths an anonymous caller may use.
PUBLIC_PATHS = {"/api/v1/auth/token/"}
# status_code_conformance is replaced by EXPECTED_STATUSES: drf-spectacular documents only the
# success answers, not the 400/403/404 that every endpoint gives. 202: work queued (a recompute).
EXPECTED_STATUSES = {200, 201, 202, 204, 400, 401, 403, 404, 405, 406, 415}
SCORING_PATH = "/api/v1/scoring/"
INVALID_TOKEN = {"Authorization": "Token " + "0" * 40}
CHECKS = [
    core_checks.not_a_server_error,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
    openapi_checks.negative_data_rejection,
]
# Examples per operation and role: modest locally; CI raises it (.ci/run), and so can anyone
# before a release (e.g. CRM_SCHEMATHESIS_EXAMPLES=50).
SCHEMATHESIS_EXAMPLES = int(os.environ.get("CRM_SCHEMATHESIS_EXAMPLES", "5"))
# schemathesis' ignored_auth check takes our role's real token for one it generated, so "auth
# not ignored" is checked directly: the same request with a bad token or none is refused.


# The schema view needs no database, so the schema is loaded when the module is collected.
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())


@pytest.fixture
def same_connection(db):
    """Keep the test's connection across the WSGI calls, as Django's test client does
    (schemathesis' WSGI client would otherwise close it, and the test transaction with it)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(params=ROLES)
def role_headers(request, same_connection, settings):
    # Lockout is tested in test_auth; here random credentials would lock the test client out.
    settings.AXES_ENABLED = False
    admin = UserFactory(username="st-admin", role="admin")
    manager = UserFactory(username="st-manager", role="manager")
    team = TeamFactory(name="st-team", manager=manager)
    rep = UserFactory(username="st-rep", team=team)
    account = AccountFactory(owner=rep)
    ContactFactory(account=account)
    OrderFactory(account=account)
    AccountFactory(owner=UserFactory(username="st-other"))
    users = {"rep": rep, "manager": manager, "admin": admin}
    if request.param == "anonymous":
        return request.param, {}
    token = TokenFactory(user=users[request.param])
    return request.param, {"Authorization": f"Token {token.key}"}


@schema.parametrize()
@settings(
    max_examples=SCHEMATHESIS_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_against_its_schema(case, role_headers):
    role, headers = role_headers
    if case.operation.path.startswith(SCORING_PATH) and not TierRun.objects.exists():
        # A finished tier run, so that the scoring figures answer 200 with bodies to check.
        tiers_recompute(trigger="cli")
    response = case.call(headers=headers)
    operation = (case.method.upper(), case.operation.path)
    assert response.status_code in EXPECTED_STATUSES, (operation, response.status_code)
    if case.operation.path not in PUBLIC_PATHS and _resolves(case.formatted_path):
        refused = {401, 403, 405}  # 405: the method check may come first; no data either way
        if role == "anonymous":
            assert response.status_code in refused, (operation, response.status_code)
            return
        again = case.call(headers=INVALID_TOKEN)
        assert again.status_code in refused, ("bad token accepted", operation, again.status_code)
    checks = CHECKS
    if any(value == "" for value in (case.query or {}).values()):
        # An empty query value means "no filter" (HTML forms send them), not invalid data.
        checks = [c for c in CHECKS if c is not openapi_checks.negative_data_rejection]
    case.validate_response(response, checks=checks, headers=headers)


def test_the_schema_covers_the_scoring_api():
    """The scoring API is in the schema, so every role's run above covers it."""
    paths = {operation.path for operation in _operations()}
    scoring = {
        "/api/v1/scoring/tiers/",
        "/api/v1/scoring/tiers/{account}/",
        "/api/v1/scoring/pareto/",
        "/api/v1/scoring/quadrants/",
        "/api/v1/scoring/priority/",
        "/api/v1/scoring/runs/",
        "/api/v1/scoring/runs/{id}/",
        # the tier-drop forecast (health/)
        "/api/v1/scoring/forecast/",
    }
    assert scoring <= paths, scoring - paths


def test_the_schema_covers_the_opportunities_api():
    """The deals API is in the schema (with its move action and the read-only lists), so every
    role's run above covers it."""
    paths = {operation.path for operation in _operations()}
    opportunities = {
        "/api/v1/opportunities/",
        "/api/v1/opportunities/{id}/",
        "/api/v1/opportunities/{id}/move/",
        "/api/v1/opportunity-stages/",
        "/api/v1/opportunity-stages/{id}/",
        "/api/v1/loss-reasons/",
        "/api/v1/loss-reasons/{id}/",
    }
    assert opportunities <= paths, opportunities - paths


def test_the_schema_covers_the_key_account_plans_api():
    """The key-account plans API (keyplan) is in the schema, with its reviews, goals and
    actions, so every role's run above covers it."""
    paths = {operation.path for operation in _operations()}
    plans = {
        "/api/v1/key-account-plans/",
        "/api/v1/key-account-plans/{id}/",
        "/api/v1/key-account-plans/{id}/review/",
        "/api/v1/key-account-plans/{id}/reviews/",
        "/api/v1/key-account-plans/{id}/goals/",
        "/api/v1/key-account-plans/{id}/actions/",
    }
    assert plans <= paths, plans - paths


def _operations():
    for result in schema.get_all_operations():
        yield result.ok()


def _resolves(path: str) -> bool:
    """Whether a generated path reaches a view at all (ids such as "1.5" do not: plain 404)."""
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return "format" not in match.kwargs  # "/accounts/0.5/" is pk 0 in the unknown format "5"


def test_the_schema_covers_the_targets_and_forecast_api():
    """Targets and the forecast are in the schema, so every role's run above covers them."""
    paths = {operation.path for operation in _operations()}
    forecast = {
        "/api/v1/targets/",
        "/api/v1/targets/{id}/",
        "/api/v1/forecast/",
        "/api/v1/forecast/performance/",
    }
    assert forecast <= paths, forecast - paths


def test_the_schema_covers_the_account_teams_api():
    """Account teams (issue 20) are in the schema, so every role's run above covers them."""
    paths = {operation.path for operation in _operations()}
    teams = {"/api/v1/accounts/{id}/team/", "/api/v1/account-team-members/{id}/"}
    assert teams <= paths, teams - paths


def test_the_schema_covers_the_receivables_api():
    """Contracts, payments and the aging are in the schema, so every role's run above covers
    them."""
    paths = {operation.path for operation in _operations()}
    receivables = {
        "/api/v1/contracts/",
        "/api/v1/contracts/{id}/",
        "/api/v1/payments/",
        "/api/v1/payments/{id}/",
        "/api/v1/receivables/aging/",
    }
    assert receivables <= paths, receivables - paths
