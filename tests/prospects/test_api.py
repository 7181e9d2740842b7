"""The prospects and worksheets API: scope (404 outside the book), writes through the
services, invalid input with nothing changed, history and the compare endpoint."""

import pytest

from core.models import AuditEntry
from prospects.models import CRITERION_FIELDS, Prospect, Worksheet
from tests.factories import AccountFactory
from tests.prospects.conftest import scores_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def pipeline(org, make_prospect):
    return {name: make_prospect(account) for name, account in org["accounts"].items()}


def results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ("r1", ["r1"]),
        ("m1", ["r1", "r2"]),
        ("m2", ["r3", "r4"]),
        ("admin", ["r1", "r2", "r3", "r4"]),
    ],
)
def test_prospect_list_follows_the_visibility_rule(api, org, pipeline, user, expected):
    got = results(api(org[user]).get("/api/v1/prospects/", {"ordering": "id"}))
    assert [r["account_name"] for r in got] == [f"Account of {n}" for n in expected]
    assert set(got[0]) >= {
        "colour",
        "decision",
        "segment",
        "source",
        "revived_old_contact",
        "score",
    }


def test_prospect_of_another_book_is_404_for_every_verb(api, org, pipeline, db_state):
    theirs = pipeline["r3"]
    client = api(org["r1"])
    before = db_state()
    base = f"/api/v1/prospects/{theirs.pk}/"
    assert client.get(base).status_code == 404
    assert client.patch(base, {"notes": "x"}, format="json").status_code == 404
    assert client.post(base + "move/", {"colour": "red"}, format="json").status_code == 404
    assert (
        client.post(
            base + "decide/", {"decision": "abandon", "reason": "x"}, format="json"
        ).status_code
        == 404
    )
    assert client.post(base + "revive/", {}, format="json").status_code == 404
    assert (
        client.post("/api/v1/prospects/", {"account": theirs.account_id}, format="json").status_code
        == 404
    )
    assert api().get("/api/v1/prospects/").status_code in (401, 403)
    assert db_state() == before


def test_create_move_decide_and_revive_through_the_api(api, org):
    account = AccountFactory(owner=org["r1"], lifecycle="potential", source="legacy_list")
    client = api(org["r1"])
    created = client.post(
        "/api/v1/prospects/", {"account": account.pk, "competitor_loyalty": "high"}, format="json"
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["colour"], body["segment"], body["revived_old_contact"]) == (
        "green",
        "secondary",
        True,
    )
    pk = body["id"]
    dup = client.post("/api/v1/prospects/", {"account": account.pk}, format="json")
    assert dup.status_code == 400 and "account" in dup.json()
    moved = client.post(f"/api/v1/prospects/{pk}/move/", {"colour": "red"}, format="json").json()
    account.refresh_from_db()
    assert (moved["colour"], moved["won_at"] is not None, account.lifecycle) == (
        "red",
        True,
        "existing",
    )
    bad = client.post(f"/api/v1/prospects/{pk}/decide/", {"decision": "abandon"}, format="json")
    assert bad.status_code == 400 and "decision_reason" in bad.json()
    assert Prospect.objects.get(pk=pk).decision == "keep_visiting"
    client.post(
        f"/api/v1/prospects/{pk}/decide/", {"decision": "abandon", "reason": "倒闭"}, format="json"
    )
    assert results(client.get("/api/v1/prospects/")) == []
    assert [r["id"] for r in results(client.get("/api/v1/prospects/", {"state": "abandoned"}))] == [
        pk
    ]
    assert client.get(f"/api/v1/prospects/{pk}/").json()["decision"] == "abandon"
    revived = client.post(f"/api/v1/prospects/{pk}/revive/", {}, format="json")
    assert revived.status_code == 200 and revived.json()["decision"] == "keep_visiting"
    again = client.post(f"/api/v1/prospects/{pk}/revive/", {}, format="json")
    assert again.status_code == 400
    patched = client.patch(f"/api/v1/prospects/{pk}/", {"competitor_loyalty": "low"}, format="json")
    assert patched.json()["segment"] == "primary"
    bad = client.patch(f"/api/v1/prospects/{pk}/", {"competitor_loyalty": "medium"}, format="json")
    assert bad.status_code == 400
    assert Prospect.objects.get(pk=pk).competitor_loyalty == "low"


def test_prospect_filters_in_the_api(api, org, pipeline, fill):
    fill(org["accounts"]["r1"], 1, 1, 1, 1, 1, 0, 0)
    client = api(org["m1"])
    got = results(client.get("/api/v1/prospects/", {"score_min": 5}))
    assert [r["account_name"] for r in got] == ["Account of r1"]
    assert got[0]["score"] == 5
    assert results(client.get("/api/v1/prospects/", {"colour": "yellow"})) == []
    assert client.get("/api/v1/prospects/", {"colour": "blue"}).status_code == 400


def test_pipeline_counts_endpoint(api, org, pipeline):
    rows = api(org["m1"]).get("/api/v1/prospects/counts/").json()
    assert [
        (r["username"], r["green"], r["open"], r["accounts"], r["share"], r["below"]) for r in rows
    ] == [
        ("r1", 1, 1, 1, 1, False),
        ("r2", 1, 1, 1, 1, False),
    ]
    assert [r["username"] for r in api(org["r3"]).get("/api/v1/prospects/counts/").json()] == ["r3"]


def test_worksheet_create_and_history(api, org):
    account = org["accounts"]["r1"]
    client = api(org["r1"])
    payload = {"account": account.pk, **scores_of(1, 1, 0, 0, 1, 0, 0), "growth_note": "好"}
    first = client.post("/api/v1/worksheets/", payload, format="json")
    assert first.status_code == 201, first.json()
    assert (first.json()["total"], first.json()["is_current"], first.json()["author"]) == (
        3,
        True,
        org["r1"].pk,
    )
    second = client.post(
        "/api/v1/worksheets/", {**payload, "relationship": 1}, format="json"
    ).json()
    history = results(client.get("/api/v1/worksheets/", {"account": account.pk}))
    assert [(w["id"], w["total"], w["is_current"]) for w in history] == [
        (second["id"], 4, True),
        (first.json()["id"], 3, False),
    ]
    assert [w["id"] for w in results(client.get("/api/v1/worksheets/", {"current": "true"}))] == [
        second["id"]
    ]


@pytest.mark.parametrize("bad", [2, -1, "yes", None, True])
def test_worksheet_score_other_than_0_or_1_is_400_and_nothing_changes(api, org, bad):
    account = org["accounts"]["r1"]
    payload = {"account": account.pk, **scores_of(1, 1, 1, 1, 1, 1, 1), "competitiveness": bad}
    response = api(org["r1"]).post("/api/v1/worksheets/", payload, format="json")
    assert response.status_code == 400
    assert "competitiveness" in response.json()
    assert Worksheet.objects.count() == 0
    assert not AuditEntry.objects.filter(model="prospects.Worksheet").exists()


def test_worksheet_for_an_invisible_account_is_404(api, org, fill):
    theirs = org["accounts"]["r3"]
    fill(theirs, 1, 0, 0, 0, 0, 0, 0)
    client = api(org["r1"])
    response = client.post(
        "/api/v1/worksheets/",
        {"account": theirs.pk, **scores_of(1, 1, 1, 1, 1, 1, 1)},
        format="json",
    )
    assert response.status_code == 404
    assert client.get("/api/v1/worksheets/", {"account": theirs.pk}).status_code == 404
    assert results(client.get("/api/v1/worksheets/")) == []
    worksheet = Worksheet.objects.get()
    assert client.get(f"/api/v1/worksheets/{worksheet.pk}/").status_code == 404
    assert Worksheet.objects.count() == 1


def test_compare_endpoint_ranks_with_ties(api, org, fill):
    rep = org["r1"]
    b = AccountFactory(owner=rep, name="B")
    a = AccountFactory(owner=rep, name="A")
    c = AccountFactory(owner=rep, name="C")
    fill(b, 1, 1, 0, 0, 0, 0, 0)
    fill(a, 0, 0, 0, 0, 0, 1, 1)
    fill(c, 1, 1, 1, 0, 0, 0, 0)
    client = api(rep)
    body = client.get("/api/v1/worksheets/compare/", {"accounts": f"{b.pk},{a.pk},{c.pk}"}).json()
    assert [(col["account_name"], col["total"], col["rank"]) for col in body["columns"]] == [
        ("C", 3, 1),
        ("A", 2, 2),
        ("B", 2, 2),
    ]
    assert [row["criterion"] for row in body["rows"]] == CRITERION_FIELDS
    assert body["rows"][0]["scores"] == [1, 0, 1]
    assert (
        client.get(
            "/api/v1/worksheets/compare/", {"accounts": f"{a.pk},{org['accounts']['r3'].pk}"}
        ).status_code
        == 404
    )
    assert client.get("/api/v1/worksheets/compare/").status_code == 400
    assert client.get("/api/v1/worksheets/compare/", {"accounts": "a,b"}).status_code == 400
    many = ",".join(str(AccountFactory(owner=rep).pk) for _ in range(21))
    assert client.get("/api/v1/worksheets/compare/", {"accounts": many}).status_code == 400
