"""The REST API for accounts, contacts and orders: scope, writes, pagination, schema."""

import pytest
from rest_framework.authtoken.models import Token

from accounts.models import Account, Contact, Order
from tests.factories import AccountFactory, ContactFactory, OrderFactory

pytestmark = pytest.mark.django_db


def test_rep_creates_account_owned_by_self(api, org):
    response = api(org["r1"]).post("/api/v1/accounts/", {"name": "API Co."}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["owner"] == org["r1"].pk
    assert Account.objects.get(name="API Co.").normalized_name == "api"


def test_rep_cannot_create_for_or_reassign_to_someone_else(api, org):
    client = api(org["r1"])
    response = client.post(
        "/api/v1/accounts/", {"name": "Steal", "owner": org["r3"].pk}, format="json"
    )
    assert response.status_code == 400 and "owner" in response.json()
    own = org["accounts"]["r1"]
    response = client.patch(f"/api/v1/accounts/{own.pk}/", {"owner": org["r2"].pk}, format="json")
    assert response.status_code == 400
    own.refresh_from_db()
    assert own.owner == org["r1"]
    assert not Account.objects.filter(name="Steal").exists()


def test_rep_cannot_update_or_delete_other_reps_account(api, org):
    other = org["accounts"]["r3"]
    client = api(org["r1"])
    assert (
        client.patch(f"/api/v1/accounts/{other.pk}/", {"name": "x"}, format="json").status_code
        == 404
    )
    assert client.delete(f"/api/v1/accounts/{other.pk}/").status_code == 404
    other.refresh_from_db()
    assert other.name == "Account of r3"


def test_manager_reassigns_within_team(api, org):
    account = org["accounts"]["r1"]
    client = api(org["m1"])
    ok = client.patch(f"/api/v1/accounts/{account.pk}/", {"owner": org["r2"].pk}, format="json")
    assert ok.status_code == 200 and ok.json()["owner"] == org["r2"].pk
    bad = client.patch(f"/api/v1/accounts/{account.pk}/", {"owner": org["r3"].pk}, format="json")
    assert bad.status_code == 400
    account.refresh_from_db()
    assert account.owner == org["r2"]


def test_invalid_uscc_and_duplicate_are_400(api, org):
    client = api(org["r1"])
    bad = client.post("/api/v1/accounts/", {"name": "X", "uscc": "123"}, format="json")
    assert bad.status_code == 400 and "uscc" in bad.json()
    ok = client.post(
        "/api/v1/accounts/", {"name": "Y", "uscc": "91350100M000100Y43"}, format="json"
    )
    assert ok.status_code == 201
    dup = api(org["r2"]).post(
        "/api/v1/accounts/", {"name": "Z", "uscc": "91350100M000100Y43"}, format="json"
    )
    assert dup.status_code == 400
    assert not Account.objects.filter(name__in=["X", "Z"]).exists()


def test_tier_is_read_only(api, org):
    account = org["accounts"]["r1"]
    api(org["r1"]).patch(f"/api/v1/accounts/{account.pk}/", {"tier": "A"}, format="json")
    account.refresh_from_db()
    assert account.tier == ""


def test_list_is_keyset_paginated_without_count(api, org):
    for i in range(7):
        AccountFactory(owner=org["r1"], name=f"P{i}")
    client = api(org["r1"])
    first = client.get("/api/v1/accounts/", {"page_size": 3}).json()
    assert "count" not in first and len(first["results"]) == 3
    seen = [r["name"] for r in first["results"]]
    nxt = first["next"]
    while nxt:
        page = client.get(nxt).json()
        seen += [r["name"] for r in page["results"]]
        nxt = page["next"]
    assert seen == sorted(["Account of r1"] + [f"P{i}" for i in range(7)])


def test_list_filters_and_ordering(api, org):
    AccountFactory(owner=org["r1"], name="Distrib", channel="distributor")
    client = api(org["r1"])
    got = client.get("/api/v1/accounts/", {"channel": "distributor"}).json()["results"]
    assert [r["name"] for r in got] == ["Distrib"]
    got = client.get("/api/v1/accounts/", {"ordering": "-name"}).json()["results"]
    assert [r["name"] for r in got] == ["Distrib", "Account of r1"]
    got = client.get("/api/v1/accounts/", {"q": "distrib"}).json()["results"]
    assert [r["name"] for r in got] == ["Distrib"]


def test_contact_on_invisible_account_is_400_and_list_scoped(api, org):
    ContactFactory(account=org["accounts"]["r1"], name="Mine")
    ContactFactory(account=org["accounts"]["r3"], name="Theirs")
    client = api(org["r1"])
    bad = client.post(
        "/api/v1/contacts/", {"account": org["accounts"]["r3"].pk, "name": "X"}, format="json"
    )
    assert bad.status_code == 400
    assert [c["name"] for c in client.get("/api/v1/contacts/").json()["results"]] == ["Mine"]
    assert not Contact.objects.filter(name="X").exists()


def test_contact_cannot_move_into_another_book(api, org):
    contact = ContactFactory(account=org["accounts"]["r1"])
    response = api(org["r1"]).patch(
        f"/api/v1/contacts/{contact.pk}/", {"account": org["accounts"]["r3"].pk}, format="json"
    )
    assert response.status_code == 400
    contact.refresh_from_db()
    assert contact.account == org["accounts"]["r1"]


def test_order_create_with_quantity_and_price(api, org):
    response = api(org["r1"]).post(
        "/api/v1/orders/",
        {
            "account": org["accounts"]["r1"].pk,
            "date": "2026-02-01",
            "quantity": "4",
            "unit_price": "2.5",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["amount"] == "10.00"


def test_order_without_amount_or_price_is_400(api, org):
    response = api(org["r1"]).post(
        "/api/v1/orders/",
        {"account": org["accounts"]["r1"].pk, "date": "2026-02-01"},
        format="json",
    )
    assert response.status_code == 400
    assert not Order.objects.exists()


def test_orders_of_other_team_are_invisible(api, org):
    theirs = OrderFactory(account=org["accounts"]["r3"])
    client = api(org["m1"])
    assert client.get(f"/api/v1/orders/{theirs.pk}/").status_code == 404
    assert client.get("/api/v1/orders/").json()["results"] == []


def test_users_and_teams_are_scoped(api, org):
    names = [u["username"] for u in api(org["m1"]).get("/api/v1/users/").json()["results"]]
    assert sorted(names) == ["m1", "r1", "r2"]
    names = [u["username"] for u in api(org["r1"]).get("/api/v1/users/").json()["results"]]
    assert names == ["r1"]
    teams = [t["name"] for t in api(org["admin"]).get("/api/v1/teams/").json()["results"]]
    assert teams == ["North", "South"]


def test_token_auth(client, org):
    response = client.post("/api/v1/auth/token/", {"username": "r1", "password": "pw-Secret-123"})
    assert response.status_code == 200
    key = response.json()["token"]
    assert Token.objects.get(user=org["r1"]).key == key
    listing = client.get("/api/v1/accounts/", HTTP_AUTHORIZATION=f"Token {key}")
    assert [r["name"] for r in listing.json()["results"]] == ["Account of r1"]


def test_schema_and_docs_are_served_without_cdn(client, org):
    client.force_login(org["r1"])
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/v1/accounts/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower()
    assert b"/static/drf_spectacular_sidecar/" in docs.content


def test_filters_by_id_do_not_tell_which_ids_exist(api, org):
    """Another book's account or user answers exactly like an id that does not exist."""
    theirs = org["accounts"]["r3"]
    ContactFactory(account=theirs, name="Theirs")
    OrderFactory(account=theirs)
    client = api(org["r1"])
    for path, param, other in [
        ("/api/v1/contacts/", "account", theirs.pk),
        ("/api/v1/orders/", "account", theirs.pk),
        ("/api/v1/accounts/", "owner", org["r3"].pk),
    ]:
        existing = client.get(path, {param: other})
        missing = client.get(path, {param: 99_999_999})
        assert (existing.status_code, existing.json()["results"]) == (200, [])
        assert (missing.status_code, missing.json()["results"]) == (200, [])


def test_search_results_page_through_in_the_chosen_order(api, org):
    names = [f"上海宏达电子有限公司 {i}" for i in range(5)]
    for name in names:
        AccountFactory(owner=org["r1"], name=name)
    AccountFactory(owner=org["r1"], name="Unrelated Ltd.")
    AccountFactory(owner=org["r3"], name="上海宏达电子有限公司 of r3")
    client = api(org["r1"])
    page = client.get("/api/v1/accounts/", {"q": "宏达电子", "ordering": "-name", "page_size": 2})
    seen = []
    while True:
        body = page.json()
        assert all("search_sort_name" not in row for row in body["results"])
        seen += [row["name"] for row in body["results"]]
        if not body["next"]:
            break
        page = client.get(body["next"])
    assert seen == sorted(names, reverse=True)


def test_account_list_runs_a_fixed_number_of_queries(api, org, django_assert_num_queries):
    client = api(org["m1"])
    with django_assert_num_queries(1):
        few = client.get("/api/v1/accounts/")
    for i in range(30):
        AccountFactory(owner=org["r2"], name=f"More {i:02d}")
    with django_assert_num_queries(1):
        many = client.get("/api/v1/accounts/", {"page_size": 50, "channel": "direct"})
    assert len(few.json()["results"]) == 2
    assert len(many.json()["results"]) == 32


def test_rep_cannot_add_an_order_to_another_book(api, org):
    response = api(org["r1"]).post(
        "/api/v1/orders/",
        {"account": org["accounts"]["r3"].pk, "date": "2026-02-01", "amount": "5.00"},
        format="json",
    )
    assert response.status_code == 400
    assert not Order.objects.exists()


def test_manager_deletes_within_team_and_gets_404_outside(api, org):
    client = api(org["m1"])
    outside = org["accounts"]["r3"]
    assert client.delete(f"/api/v1/accounts/{outside.pk}/").status_code == 404
    assert Account.objects.filter(pk=outside.pk).exists()
    inside = org["accounts"]["r2"]
    assert client.delete(f"/api/v1/accounts/{inside.pk}/").status_code == 204
    assert not Account.objects.filter(pk=inside.pk).exists()


def test_admin_assigns_to_anyone_through_the_api(api, org):
    account = org["accounts"]["r1"]
    response = api(org["admin"]).patch(
        f"/api/v1/accounts/{account.pk}/", {"owner": org["r4"].pk}, format="json"
    )
    assert response.status_code == 200
    account.refresh_from_db()
    assert account.owner == org["r4"]


def test_reassigning_outside_scope_names_the_field(api, org):
    account = org["accounts"]["r1"]
    response = api(org["m1"]).patch(
        f"/api/v1/accounts/{account.pk}/", {"owner": org["r4"].pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"owner": ["You cannot assign accounts to this user."]}
    account.refresh_from_db()
    assert account.owner == org["r1"]


def test_full_width_credit_code_collides_with_the_half_width_one(api, org):
    client = api(org["r1"])
    first = client.post(
        "/api/v1/accounts/", {"name": "A", "uscc": "91350100M000100Y43"}, format="json"
    )
    assert first.status_code == 201
    full_width = "９１３５０１００Ｍ０００１００Ｙ４３"
    second = client.post("/api/v1/accounts/", {"name": "B", "uscc": full_width}, format="json")
    assert second.status_code == 400
    assert second.json() == {
        "uscc": ["Another account already has this unified social credit code."]
    }
    assert list(Account.objects.filter(name__in=["A", "B"]).values_list("uscc", flat=True)) == [
        "91350100M000100Y43"
    ]


def test_openapi_schema_is_valid_and_lists_the_account_filters(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    import yaml

    out = tmp_path / "schema.yaml"
    result = subprocess.run(
        [sys.executable, "manage.py", "spectacular", "--validate", "--fail-on-warn",
         "--file", str(out)],
        cwd=Path(__file__).resolve().parents[2],
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings.local"},
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    schema = yaml.safe_load(out.read_text())
    parameters = schema["paths"]["/api/v1/accounts/"]["get"]["parameters"]
    assert {p["name"] for p in parameters} == {
        "channel",
        "cursor",
        "import_batch",
        "industry",
        "lifecycle",
        "ordering",
        "owner",
        "page_size",
        "q",
        "source",
        "team",
        "territory",
        "tier",
        "to_enrich",
    }
