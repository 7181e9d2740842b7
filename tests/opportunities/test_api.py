"""`/api/v1/opportunities/`, `/api/v1/opportunity-stages/`, `/api/v1/loss-reasons/`: the
visibility rule, filters, ordering, the move action, and every failure case."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from commitments.models import Commitment
from core.models import AuditEntry
from opportunities.models import LossReason, Opportunity, OpportunityChange, Stage
from tests.factories import ContactFactory, OpportunityFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/opportunities/"


def _ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def deals(org, stages):
    today = timezone.localdate()
    return {
        name: OpportunityFactory(
            account=org["accounts"][name],
            name=f"Deal of {name}",
            stage=stages["proposal"],
            amount=Decimal(amount),
            close_date=today + dt.timedelta(days=offset),
        )
        for name, offset, amount in (
            ("r1", -1, "100.00"),
            ("r2", 0, "400.00"),
            ("r3", 30, "300.00"),
            ("r4", 120, "200.00"),
        )
    }


def _state():
    return (
        list(Opportunity.objects.order_by("pk").values()),
        list(OpportunityChange.objects.order_by("pk").values()),
        AuditEntry.objects.count(),
    )


def test_list_and_detail_follow_the_visibility_rule(org, deals, api):
    assert _ids(api(org["r1"]).get(URL)) == [deals["r1"].pk]
    assert sorted(_ids(api(org["m1"]).get(URL))) == sorted([deals["r1"].pk, deals["r2"].pk])
    assert sorted(_ids(api(org["admin"]).get(URL))) == sorted(d.pk for d in deals.values())
    assert api(org["r1"]).get(f"{URL}{deals['r2'].pk}/").status_code == 404
    assert api().get(URL).status_code in (401, 403)
    body = api(org["r1"]).get(f"{URL}{deals['r1'].pk}/").json()
    assert (body["is_overdue"], body["status"], body["win_probability"]) == (True, "open", 50)
    assert len(body["warnings"]) == 1


def test_a_deal_owned_by_a_rep_on_a_colleagues_account_stays_theirs(org, stages, api):
    deal = OpportunityFactory(
        account=org["accounts"]["r2"], owner=org["r1"], stage=stages["proposal"]
    )
    assert _ids(api(org["r1"]).get(URL)) == [deal.pk]


def test_filters_and_ordering(org, deals, stages, api):
    client = api(org["admin"])
    today = timezone.localdate()
    assert _ids(client.get(URL, {"owner": org["r3"].pk})) == [deals["r3"].pk]
    assert _ids(client.get(URL, {"account": org["accounts"]["r4"].pk})) == [deals["r4"].pk]
    assert _ids(client.get(URL, {"status": "won"})) == []
    assert len(_ids(client.get(URL, {"status": "open", "stage": stages["proposal"].pk}))) == 4
    assert _ids(client.get(URL, {"stage": stages["won"].pk})) == []
    window = {"close_from": today, "close_to": today + dt.timedelta(days=30)}
    assert _ids(client.get(URL, window)) == [deals["r2"].pk, deals["r3"].pk]
    assert _ids(client.get(URL, {"overdue": "true"})) == [deals["r1"].pk]
    assert _ids(client.get(URL, {"q": "of r4"})) == [deals["r4"].pk]
    assert _ids(client.get(URL, {"q": "Account of r3"})) == [deals["r3"].pk]
    by_amount = _ids(client.get(URL, {"ordering": "-amount"}))
    assert by_amount == [deals[n].pk for n in ("r2", "r3", "r4", "r1")]
    for bad in (
        {"owner": "x"},
        {"status": "maybe"},
        {"close_from": "2026-13-01"},
        {"overdue": "2"},
    ):
        response = client.get(URL, bad)
        assert response.status_code == 400, bad
        assert set(response.json()) & set(bad), response.json()


def test_create_with_contacts_and_a_next_step(org, stages, api):
    account = org["accounts"]["r1"]
    contact = ContactFactory(account=account)
    due = timezone.localdate() + dt.timedelta(days=2)
    response = api(org["r1"]).post(
        URL,
        {
            "account": account.pk,
            "name": "Boiler upgrade",
            "amount": "1200.50",
            "close_date": (timezone.localdate() + dt.timedelta(days=20)).isoformat(),
            "stage": stages["needs_confirmed"].pk,
            "next_step": "Site survey",
            "next_step_date": due.isoformat(),
            "contacts": [{"contact": contact.pk, "role": "technical"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["owner"], body["status"], body["amount"]) == (org["r1"].pk, "open", "1200.50")
    assert body["contacts"] == [{"contact": contact.pk, "role": "technical"}]
    commitment = Commitment.objects.get(pk=body["next_step_commitment"])
    assert (commitment.title, commitment.due_date, commitment.owner) == (
        "Site survey",
        due,
        org["r1"],
    )
    assert OpportunityChange.objects.filter(opportunity_id=body["id"], kind="created").count() == 1


@pytest.mark.parametrize(
    "change, field",
    [
        ({"amount": "-5.00"}, "amount"),
        ({"stage": "inactive"}, "stage"),
        ({"stage": 999999}, "stage"),
        ({"account": "theirs"}, "account"),
        ({"owner": "theirs"}, "owner"),
        ({"stage": "lost"}, "loss_reason"),
        ({"loss_reason": "price"}, "loss_reason"),
        ({"contacts": "theirs"}, "contacts"),
        ({"probability": 150}, "probability"),
        ({"name": ""}, "name"),
        ({"status": "won", "name": ""}, "name"),
    ],
)
def test_create_refusals_change_nothing(org, stages, reasons, api, change, field):
    inactive = Stage.objects.create(name_en="Old", is_active=False)
    values = {
        ("stage", "inactive"): inactive.pk,
        ("stage", "lost"): stages["lost"].pk,
        ("account", "theirs"): org["accounts"]["r3"].pk,
        ("owner", "theirs"): org["r3"].pk,
        ("loss_reason", "price"): reasons["price"].pk,
        ("contacts", "theirs"): [
            {"contact": ContactFactory(account=org["accounts"]["r2"]).pk, "role": "user"}
        ],
    }
    body = {
        "account": org["accounts"]["r1"].pk,
        "name": "Deal",
        "amount": "10.00",
        "close_date": timezone.localdate().isoformat(),
        "stage": stages["proposal"].pk,
    }
    body.update({k: values.get((k, v), v) for k, v in change.items()})
    before = _state()
    response = api(org["r1"]).post(URL, body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert _state() == before


def test_a_past_close_date_is_saved_with_its_warning(org, stages, api):
    response = api(org["r1"]).post(
        URL,
        {
            "account": org["accounts"]["r1"].pk,
            "name": "Late",
            "amount": "1.00",
            "close_date": (timezone.localdate() - dt.timedelta(days=3)).isoformat(),
            "stage": stages["proposal"].pk,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["is_overdue"] is True and response.json()["warnings"]


def test_update_and_delete(org, deals, stages, api):
    client = api(org["r1"])
    deal = deals["r1"]
    response = client.patch(f"{URL}{deal.pk}/", {"amount": "150.00"}, format="json")
    assert response.status_code == 200, response.content
    change = OpportunityChange.objects.get(opportunity=deal, kind="changed")
    assert (change.amount_before, change.amount_after) == (Decimal("100.00"), Decimal("150.00"))
    before = _state()
    assert client.patch(f"{URL}{deal.pk}/", {"amount": "-1"}, format="json").status_code == 400
    assert client.patch(f"{URL}{deals['r2'].pk}/", {"name": "x"}, format="json").status_code == 404
    assert client.delete(f"{URL}{deals['r2'].pk}/").status_code == 404
    assert _state() == before
    assert client.delete(f"{URL}{deal.pk}/").status_code == 204
    assert not Opportunity.objects.filter(pk=deal.pk).exists()


def test_move_action(org, deals, stages, reasons, api):
    client = api(org["r1"])
    deal = deals["r1"]
    url = f"{URL}{deal.pk}/move/"
    before = _state()
    for body, field in (
        ({"stage": stages["lost"].pk}, "loss_reason"),
        ({"stage": 999999}, "stage"),
        ({}, "stage"),
        ({"stage": stages["proposal"].pk, "loss_reason": reasons["price"].pk}, "loss_reason"),
    ):
        response = client.post(url, body, format="json")
        assert response.status_code == 400, (body, response.content)
        assert field in response.json(), response.json()
    assert _state() == before
    hidden = f"{URL}{deals['r2'].pk}/move/"
    assert client.post(hidden, {"stage": stages["won"].pk}, format="json").status_code == 404
    assert client.post(hidden, {}, format="json").status_code == 404
    assert _state() == before
    response = client.post(
        url,
        {"stage": stages["lost"].pk, "loss_reason": reasons["price"].pk, "close_note": "Too dear"},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["loss_reason"], body["close_note"]) == (
        "lost",
        reasons["price"].pk,
        "Too dear",
    )
    assert body["closed_on"] == timezone.localdate().isoformat()
    response = client.post(url, {"stage": stages["negotiation"].pk}, format="json")
    assert (response.json()["status"], response.json()["closed_on"]) == ("open", None)


def test_stages_and_loss_reasons_are_read_only_lists(org, api):
    client = api(org["r1"])
    stages = client.get("/api/v1/opportunity-stages/").json()["results"]
    assert [s["code"] for s in stages][:6] == [
        "first_contact",
        "needs_confirmed",
        "proposal",
        "negotiation",
        "won",
        "lost",
    ]
    assert stages[4]["is_won"] is True and stages[5]["is_lost"] is True
    reasons = client.get("/api/v1/loss-reasons/").json()["results"]
    assert len(reasons) == LossReason.objects.count()
    assert client.post("/api/v1/loss-reasons/", {"name_en": "x"}, format="json").status_code == 405
    assert api().get("/api/v1/opportunity-stages/").status_code in (401, 403)


def test_the_pages_filter_reads_owner_and_account_through_pickers(org, deals):
    from opportunities.filters import opportunity_list_filter
    from opportunities.selectors import opportunities_visible_to

    manager = org["m1"]
    mine = opportunity_list_filter(
        manager,
        {"owner": str(org["r2"].pk)},
        queryset=opportunities_visible_to(manager),
    )
    assert mine.is_valid(), mine.errors
    assert list(mine.qs) == [deals["r2"]]
    outside = opportunity_list_filter(
        manager,
        {"account": str(org["accounts"]["r3"].pk)},
        queryset=opportunities_visible_to(manager),
    )
    assert not outside.is_valid()
    assert "account" in outside.errors
