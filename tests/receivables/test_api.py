from decimal import Decimal

from receivables.models import Contract, Payment

D = Decimal


def test_contracts_api_creates_with_a_plan_and_lists_balances(org, api):
    client = api(org["r1"])
    response = client.post(
        "/api/v1/contracts/",
        {
            "account": org["accounts"]["r1"].pk,
            "number": "API-1",
            "amount": "1000.00",
            "signed_on": "2026-01-10",
            "terms": "30% signing; 70% 2026-03-01",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert [(e["amount"], e["due"]) for e in body["entries"]] == [
        ("300.00", "2026-01-10"),
        ("700.00", "2026-03-01"),
    ]
    assert (body["planned"], body["paid"], body["outstanding"]) == ("1000.00", "0.00", "1000.00")
    assert body["owner"] == org["r1"].pk


def test_contracts_api_refuses_a_bad_plan_and_writes_nothing(org, api):
    response = api(org["r1"]).post(
        "/api/v1/contracts/",
        {
            "account": org["accounts"]["r1"].pk,
            "number": "API-2",
            "amount": "100.00",
            "terms": "80% signing; 30% delivery",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "terms" in response.json()
    assert not Contract.objects.exists()


def test_contracts_outside_the_book_are_404(contract, org, api):
    assert api(org["r3"]).get(f"/api/v1/contracts/{contract.pk}/").status_code == 404
    assert api(org["r3"]).get("/api/v1/contracts/").json()["results"] == []
    assert api(org["m1"]).get(f"/api/v1/contracts/{contract.pk}/").status_code == 200


def test_payments_api_records_allocates_and_refuses_overpayment(contract, org, api):
    client = api(org["r1"])
    payload = {
        "account": contract.account_id,
        "contract": contract.pk,
        "received_on": "2026-04-01",
        "amount": "1500.00",
    }
    response = client.post("/api/v1/payments/", payload, format="json")
    assert response.status_code == 400
    assert "amount" in response.json()
    assert not Payment.objects.exists()
    response = client.post("/api/v1/payments/", {**payload, "is_advance": True}, format="json")
    assert response.status_code == 201, response.json()
    assert (response.json()["allocated"], response.json()["unallocated"]) == (
        "1000.00",
        "500.00",
    )
    detail = client.get(f"/api/v1/contracts/{contract.pk}/").json()
    assert (detail["paid"], detail["received"], detail["outstanding"]) == (
        "1000.00",
        "1500.00",
        "0.00",
    )
    assert client.delete(f"/api/v1/payments/{response.json()['id']}/").status_code == 204
    assert client.get(f"/api/v1/contracts/{contract.pk}/").json()["outstanding"] == "1000.00"


def test_payments_api_refuses_a_foreign_entry(contract, org, api):
    entry = contract.entries.first()
    response = api(org["r3"]).post(
        "/api/v1/payments/",
        {
            "account": org["accounts"]["r3"].pk,
            "received_on": "2026-04-01",
            "amount": "10.00",
            "allocations": [{"entry": entry.pk, "amount": "10.00"}],
        },
        format="json",
    )
    assert response.status_code == 400
    assert "allocations" in response.json()
    assert not Payment.objects.exists()


def test_aging_api_groups_and_checks_its_parameters(contract, org, api):
    client = api(org["m1"])
    response = client.get("/api/v1/receivables/aging/", {"group_by": "rep", "as_of": "2026-04-01"})
    assert response.status_code == 200
    body = response.json()
    assert body["currency"] == "CNY"
    assert [(r["label"], r["total"]) for r in body["rows"]] == [("r1", "1000.00")]
    assert body["totals"]["buckets"] == {
        "not_due": "100.00",
        "d0_30": "600.00",
        "d31_60": "0.00",
        "d61_90": "300.00",
        "d90_plus": "0.00",
    }
    assert client.get("/api/v1/receivables/aging/", {"group_by": "planet"}).status_code == 400
    assert client.get("/api/v1/receivables/aging/", {"as_of": "yesterday"}).status_code == 400
    assert client.get("/api/v1/receivables/aging/", {"as_of": "0001-01-01"}).status_code == 400
    assert api(org["m2"]).get("/api/v1/receivables/aging/").json()["rows"] == []
    assert api().get("/api/v1/receivables/aging/").status_code in (401, 403)
