"""The scoring API for each role: every figure narrowed to the caller's book, 404 for an
account outside it, the trigger for managers and admins only."""

import pytest

from core.models import PendingTask
from scoring.models import TierRun
from tests.factories import OrderFactory
from tests.scoring.conftest import AS_OF

pytestmark = pytest.mark.django_db
BASE = "/api/v1/scoring"


@pytest.fixture
def tiered(org, recompute):
    amounts = {"r1": 100, "r2": 60, "r3": 30, "r4": 10}
    for name, amount in amounts.items():
        OrderFactory(account=org["accounts"][name], date=AS_OF, amount=amount)
    return {**org, "run": recompute()}


@pytest.mark.parametrize(
    "path", ["/tiers/", "/tiers/1/", "/pareto/", "/quadrants/", "/priority/", "/runs/"]
)
def test_anonymous_callers_are_refused(api, path):
    assert api().get(f"{BASE}{path}").status_code in (401, 403)


@pytest.mark.parametrize("path", ["/pareto/", "/quadrants/", "/priority/"])
def test_figures_before_the_first_run_answer_404(api, org, path):
    response = api(org["r1"]).get(f"{BASE}{path}")
    assert response.status_code == 404
    assert response.json() == {"detail": "No tier recompute has finished yet."}


def test_tiers_list_shows_only_the_callers_accounts(api, tiered):
    rows = api(tiered["r1"]).get(f"{BASE}/tiers/").json()["results"]
    assert [(r["account_name"], r["tier"], r["position"], r["movement"]) for r in rows] == [
        ("Account of r1", "A", 1, "up")
    ]
    assert rows[0]["revenue"] == "100.00" and rows[0]["cumulative_share"] == "0.500000"
    manager = api(tiered["m1"]).get(f"{BASE}/tiers/").json()["results"]
    assert sorted(r["account_name"] for r in manager) == ["Account of r1", "Account of r2"]
    admin = api(tiered["admin"]).get(f"{BASE}/tiers/", {"tier": "B"}).json()["results"]
    assert [r["account_name"] for r in admin] == ["Account of r3"]
    team = api(tiered["admin"]).get(f"{BASE}/tiers/", {"team": tiered["t2"].pk}).json()
    assert sorted(r["account_name"] for r in team["results"]) == ["Account of r3", "Account of r4"]


def test_tiers_filters_are_validated(api, tiered):
    response = api(tiered["m1"]).get(f"{BASE}/tiers/", {"team": tiered["t2"].pk, "tier": "Z"})
    assert response.status_code == 400
    assert set(response.json()) == {"team", "tier"}


def test_tier_history_of_an_account_and_404_outside_the_book(api, tiered, recompute):
    recompute(method="count")
    account = tiered["accounts"]["r1"]
    data = api(tiered["r1"]).get(f"{BASE}/tiers/{account.pk}/").json()
    assert (data["account"], data["tier"]) == (account.pk, "A")
    assert [(h["method"], h["tier"], h["movement"]) for h in data["history"]] == [
        ("count", "A", "same"),
        ("revenue", "A", "up"),
    ]
    other = tiered["accounts"]["r3"]
    assert api(tiered["r1"]).get(f"{BASE}/tiers/{other.pk}/").status_code == 404
    assert api(tiered["m1"]).get(f"{BASE}/tiers/{other.pk}/").status_code == 404
    assert api(tiered["m2"]).get(f"{BASE}/tiers/{other.pk}/").status_code == 200
    assert api(tiered["admin"]).get(f"{BASE}/tiers/999999/").status_code == 404
    assert api(tiered["admin"]).get(f"{BASE}/tiers/abc/").status_code == 404


def test_pareto_for_the_company_a_team_and_a_rep(api, tiered):
    company = api(tiered["admin"]).get(f"{BASE}/pareto/").json()
    assert (company["customers"], company["total_revenue"]) == (4, "200.00")
    assert (company["customers_to_80"], company["customers_to_80_share"]) == (2, "0.500000")
    # 20% of 4 customers is 0.8 of the first: 0.8 × 100 of 200.
    assert company["top20_share"] == "0.400000"
    assert company["points"][0] == {
        "customers": "0.00",
        "customer_share": "0.000000",
        "revenue": "0.00",
        "revenue_share": "0.000000",
        "mark": "",
    }
    assert {p["mark"] for p in company["points"]} == {"", "20", "80"}
    assert company["run"]["id"] == tiered["run"].pk
    team = api(tiered["m2"]).get(f"{BASE}/pareto/").json()
    # 30 of 40 is 75%: both customers are needed to reach 80%.
    assert (team["customers"], team["total_revenue"], team["customers_to_80"]) == (2, "40.00", 2)
    rep = api(tiered["admin"]).get(f"{BASE}/pareto/", {"owner": tiered["r4"].pk}).json()
    assert (rep["customers"], rep["total_revenue"]) == (1, "10.00")
    few = api(tiered["admin"]).get(f"{BASE}/pareto/", {"max_points": 2}).json()
    assert [p["customers"] for p in few["points"]][:1] == ["0.00"]
    for bad in ("1", "abc", "5000"):
        response = api(tiered["admin"]).get(f"{BASE}/pareto/", {"max_points": bad})
        assert response.status_code == 400 and "max_points" in response.json()


def test_quadrants_and_priority_are_narrowed(api, tiered):
    rep = api(tiered["r4"]).get(f"{BASE}/quadrants/").json()
    assert [(c["quadrant"], c["accounts"]) for c in rep["cells"]] == [
        (1, 1),
        (2, 0),
        (3, 0),
        (4, 0),
    ]
    assert rep["thresholds"] == {"input": "0.0000", "output": "45.00"}  # company-wide median
    admin = api(tiered["admin"]).get(f"{BASE}/priority/").json()
    assert [(c["priority"], c["accounts"]) for c in admin["cells"]] == [
        ("A+", 0),
        ("A", 0),
        ("B", 2),
        ("C", 2),
    ]
    assert admin["thresholds"] == {"revenue": "45.00", "potential": None, "worksheet_min": 4}
    bad = api(tiered["r4"]).get(f"{BASE}/priority/", {"owner": tiered["r1"].pk})
    assert bad.status_code == 400


def test_runs_list_detail_and_company_figures_for_admins(api, tiered):
    listed = api(tiered["r1"]).get(f"{BASE}/runs/").json()["results"]
    assert [(r["id"], r["status"], r["trigger"]) for r in listed] == [
        (tiered["run"].pk, "succeeded", "cli")
    ]
    rep = api(tiered["r1"]).get(f"{BASE}/runs/{tiered['run'].pk}/").json()
    assert rep["figures"]["customers"] == 1
    assert rep["company"] is None
    admin = api(tiered["admin"]).get(f"{BASE}/runs/{tiered['run'].pk}/").json()
    assert admin["company"] == {
        "customers": 4,
        "total_revenue": "200.00",
        "changed_count": 4,
        "moved_up": 4,
        "moved_down": 0,
        "customers_to_80": 2,
        "top20_share": "0.400000",
    }
    assert api(tiered["admin"]).get(f"{BASE}/runs/99999/").status_code == 404


def test_trigger_for_managers_and_admins_only(api, tiered):
    refused = api(tiered["r1"]).post(f"{BASE}/runs/")
    assert refused.status_code == 403
    assert not TierRun.objects.filter(status="queued").exists()
    assert not PendingTask.objects.exists()
    queued = api(tiered["m1"]).post(f"{BASE}/runs/")
    assert queued.status_code == 202
    assert queued.json()["status"] == "queued"
    joined = api(tiered["admin"]).post(f"{BASE}/runs/")
    assert joined.status_code == 202 and joined.json()["id"] == queued.json()["id"]
    assert PendingTask.objects.count() == 1


def test_the_schema_documents_the_scoring_endpoints(api, org):
    schema = api(org["admin"]).get("/api/schema/", {"format": "json"}).json()
    for path in ("tiers/", "tiers/{account}/", "pareto/", "quadrants/", "priority/", "runs/"):
        assert f"/api/v1/scoring/{path}" in schema["paths"]
