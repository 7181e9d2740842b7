"""The manager dashboard against the access oracle (hypothesis-built organisations).

For every active user of a random organisation: each dashboard figure (API) equals the figure an
admin gets for exactly that user's visible accounts, i.e. the sum of the admin's figures for
each owner whose book the user sees (the oracle's rule, computed from the spec alone); and a
population outside the book (another rep, another team) answers 404 on the page, the API and
the downloads.
"""

import datetime
from collections import Counter
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import get_resolver, reverse
from hypothesis import given

from crm.models import User
from scoring.dashboard.selectors import FIGURES, DashboardQuery, Period, dashboard_figures
from scoring.models import TierRun
from scoring.services import tiers_recompute
from tests.security.endpoints import (
    REVIEW_REQUIRED_PREFIXES,
    REVIEWED_ENDPOINTS,
    Unclassified,
    _walk,
    classify_all,
)
from tests.security.oracle import build_org, org_specs
from tests.security.test_access_oracle import ORACLE_SETTINGS, _in_rollback

pytestmark = pytest.mark.django_db

# The oracle's orders are dated 2026-05-01 and its visits 2026-05-02.
PERIOD = Period(datetime.date(2026, 5, 1), datetime.date(2026, 5, 31))
PARAMS = {"date_from": "2026-05-01", "date_to": "2026-05-31"}


def _additive(figures: dict) -> Counter:
    """The figures that add up over disjoint books, as one counter."""
    out: Counter = Counter()
    k = figures["kpis"]
    for key in ("customers", "sales"):
        out[f"kpis.{key}.current"] += Decimal(str(k[key]["current"]))
        out[f"kpis.{key}.previous"] += Decimal(str(k[key]["previous"]))
    for row in figures["tiers"]["tiers"]:
        out[f"tiers.{row['tier']}.accounts"] += row["accounts"]
        out[f"tiers.{row['tier']}.revenue"] += Decimal(str(row["revenue"]))
    for key in ("moved_up", "moved_down", "customers"):
        out[f"tiers.{key}"] += figures["tiers"][key]
    out["pareto.customers"] += figures["pareto"]["customers"]
    for cell in figures["quadrants"]["cells"]:
        out[f"quadrants.{cell['quadrant']}"] += cell["accounts"]
    out["quadrants.points"] += len(figures["quadrants"]["points"])
    for cell in figures["priority"]["cells"]:
        out[f"priority.{cell['priority']}.accounts"] += cell["accounts"]
        out[f"priority.{cell['priority']}.revenue"] += Decimal(str(cell["revenue"]))
    effort = figures["effort"]
    out["effort.visits"] += effort["total_visits"]
    out["effort.hours"] += Decimal(str(effort["total_hours"]))
    for row in effort["tiers"]:
        out[f"effort.{row['tier']}.visits"] += row["visits"]
    for row in effort["reps"]:
        out[f"effort.rep.{row['owner_id']}.visits"] += row["visits"]
    for row in figures["pipeline"]["reps"]:
        out[f"pipeline.rep.{row['owner_id']}.open"] += row["open"] + 1
    for row in figures["pipeline"]["worksheet_scores"]:
        out[f"pipeline.worksheets.{row['total']}"] += row["accounts"]
    out["pipeline.missing_dm"] += figures["pipeline"]["a_without_decision_maker"]["count"]
    for name in ("week", "month"):
        for key in ("planned", "done", "open", "overdue", "overdue_a"):
            out[f"plans.{name}.{key}"] += figures["plans"][name][key]
    out["touches"] += figures["touches"]["total"]
    for c in figures["growth"]["channels"]:
        for key in ("new_customers", "existing_customers", "lapsed_customers"):
            out[f"growth.{c['channel']}.{key}"] += c[key]
    return +out  # drop zeros


def test_every_dashboard_endpoint_is_reviewed():
    """Every route under the dashboard's prefixes is in REVIEWED_ENDPOINTS (and so is checked
    here), and the classification names none of them as unreviewed."""
    prefixes = [p for p, feature in REVIEW_REQUIRED_PREFIXES.items() if feature == "dashboard"]
    routes = {
        name: route
        for route, name, _callback, _kwargs in _walk(get_resolver().url_patterns)
        if route.startswith(tuple(prefixes))
    }
    assert set(routes) == {n for n in REVIEWED_ENDPOINTS if n.startswith("dashboard")}
    assert {f"dashboard-api:{f}" for f in FIGURES} <= set(routes)
    try:
        classify_all()
    except Unclassified as failure:
        assert "DASHBOARD ENDPOINT" not in str(failure)


def test_dashboard_figures_are_the_admins_over_exactly_the_users_book():
    @ORACLE_SETTINGS
    @given(spec=org_specs())
    def check(spec):
        def run():
            cache.clear()
            # Figures are compared with the sums of the owners' figures, which an account team
            # member's extra accounts would not be part of: the oracle draws no account teams
            # here (tests/scoring/test_dashboard_account_team.py covers a member's dashboard).
            org = build_org({**spec, "members": []})
            tiers_recompute(trigger=TierRun.Trigger.CLI, as_of=PERIOD.date_to)
            per_owner = {
                u.pk: _additive(
                    dashboard_figures(DashboardQuery(user=org.admin, owner=u.pk, period=PERIOD))
                )
                for u in org.users
            }
            for user in org.users:
                client = Client()
                client.force_login(user)
                if user.pk in org.inactive:
                    assert client.get(reverse("dashboard-api:kpis")).status_code in (401, 403)
                    continue
                got = {}
                for figure in FIGURES:
                    response = client.get(reverse(f"dashboard-api:{figure}"), PARAMS)
                    assert response.status_code == 200, (figure, user.role)
                    got[figure] = response.json()
                expected: Counter = Counter()
                for owner in org.visible_users(user):
                    expected.update(per_owner[owner])
                # Reps who own nothing still have a pipeline row (their own) in their book.
                assert _additive(got) == +expected, user.role
                page = client.get(reverse("dashboard"), PARAMS)
                assert page.status_code == 200
                # Outside the book: other users and teams answer 404 everywhere.
                for other in org.users:
                    if other.pk in org.visible_users(user):
                        continue
                    for name in ("dashboard", "dashboard_csv", "dashboard-api:kpis"):
                        status = client.get(reverse(name), {"owner": other.pk}).status_code
                        assert status == 404, (name, user.role)
                for team in org.managers_of:
                    if team in org.visible_teams(user) or user.role == User.Role.ADMIN:
                        continue
                    status = client.get(reverse("dashboard-api:tiers"), {"team": team})
                    assert status.status_code == 404, user.role

        _in_rollback(run)

    check()
