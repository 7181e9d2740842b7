"""The deals board: columns of the active open stages, won and lost, each with its count,
amount and weighted amount; moves by POST (the script's JSON, the card's menu), refused moves
changing nothing; a query count that does not grow with the number of deals."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from opportunities.models import Opportunity, OpportunityChange
from tests.factories import OpportunityFactory

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json"}


def _columns(response):
    assert response.status_code == 200
    return {c.key: c for c in response.context["columns"]}


def test_board_columns_and_their_sums(client, org, stages):
    account = org["accounts"]["r1"]
    today = timezone.localdate()
    OpportunityFactory(account=account, stage=stages["proposal"], amount=Decimal("1000.00"))
    OpportunityFactory(
        account=account, stage=stages["proposal"], amount=Decimal("500.00"), probability=20
    )
    OpportunityFactory(account=account, stage=stages["won"], status="won", closed_on=today)
    OpportunityFactory(
        account=account,
        stage=stages["won"],
        status="won",
        closed_on=today - dt.timedelta(days=200),
    )
    OpportunityFactory(account=org["accounts"]["r2"], stage=stages["proposal"])
    client.force_login(org["r1"])
    columns = _columns(client.get("/opportunities/board/"))
    open_keys = [
        str(stages[c].pk) for c in ("first_contact", "needs_confirmed", "proposal", "negotiation")
    ]
    assert list(columns) == [*open_keys, "won", "lost"]
    proposal = columns[str(stages["proposal"].pk)]
    # 1,000 × 50% + 500 × 20%
    assert (proposal.count, proposal.amount, proposal.weighted) == (
        2,
        Decimal("1500.00"),
        Decimal("600.00"),
    )
    assert len(proposal.cards) == 2
    # Won shows the last 90 days only.
    assert columns["won"].count == 1 and columns["won"].stage == stages["won"]
    assert columns["lost"].count == 0


def test_move_by_json_returns_what_the_totals_need(client, org, stages):
    deal = OpportunityFactory(
        account=org["accounts"]["r1"], stage=stages["first_contact"], amount=Decimal("1000.00")
    )
    client.force_login(org["r1"])
    response = client.post(
        f"/opportunities/{deal.pk}/move/", {"stage": stages["negotiation"].pk}, **JSON
    )
    assert response.status_code == 200
    assert response.json() == {
        "ok": True,
        "id": deal.pk,
        "column": str(stages["negotiation"].pk),
        "stage": "Commercial negotiation",
        "amount_cents": 100000,
        "weighted_before_cents": 10000,
        "weighted_cents": 75000,
        "message": f"{deal.name} moved to Commercial negotiation.",
    }
    deal.refresh_from_db()
    assert deal.stage == stages["negotiation"]
    assert OpportunityChange.objects.filter(
        opportunity=deal, stage_after=stages["negotiation"]
    ).exists()


def test_move_to_lost_needs_a_reason(client, org, stages, reasons, db_state):
    deal = OpportunityFactory(account=org["accounts"]["r1"], stage=stages["proposal"])
    client.force_login(org["r1"])
    before = db_state()
    refused = client.post(f"/opportunities/{deal.pk}/move/", {"stage": stages["lost"].pk}, **JSON)
    assert refused.status_code == 400 and refused.json()["ok"] is False
    assert "lost" in refused.json()["error"]
    # Without the script the menu's move asks on the close page.
    menu = client.post(f"/opportunities/{deal.pk}/move/", {"stage": stages["lost"].pk})
    assert menu.status_code == 302
    assert menu["Location"] == f"/opportunities/{deal.pk}/close/?outcome=lost"
    assert db_state() == before
    moved = client.post(
        f"/opportunities/{deal.pk}/move/",
        {"stage": stages["lost"].pk, "loss_reason": reasons["price"].pk},
        **JSON,
    )
    assert moved.status_code == 200 and moved.json()["column"] == "lost"
    deal.refresh_from_db()
    assert (deal.status, deal.loss_reason, deal.closed_on) == (
        "lost",
        reasons["price"],
        timezone.localdate(),
    )


def test_refused_moves_change_nothing(client, org, stages, db_state):
    deal = OpportunityFactory(account=org["accounts"]["r1"], stage=stages["proposal"])
    other = OpportunityFactory(account=org["accounts"]["r3"], stage=stages["proposal"])
    stages["needs_confirmed"].is_active = False
    stages["needs_confirmed"].save()
    client.force_login(org["r1"])
    before = db_state()
    inactive = client.post(
        f"/opportunities/{deal.pk}/move/", {"stage": stages["needs_confirmed"].pk}, **JSON
    )
    assert inactive.status_code == 400 and inactive.json()["error"]
    unknown = client.post(f"/opportunities/{deal.pk}/move/", {"stage": 999999}, **JSON)
    assert unknown.status_code == 400
    hidden = client.post(f"/opportunities/{other.pk}/move/", {"stage": stages["won"].pk}, **JSON)
    assert hidden.status_code == 404
    assert client.get(f"/opportunities/{deal.pk}/move/").status_code == 405
    menu = client.post(
        f"/opportunities/{deal.pk}/move/",
        {"stage": stages["needs_confirmed"].pk, "next": "/opportunities/board/"},
    )
    assert menu.status_code == 302 and menu["Location"] == "/opportunities/board/"
    assert db_state() == before
    assert Opportunity.objects.get(pk=deal.pk).stage == stages["proposal"]


def _board_queries(client, user) -> int:
    client.get("/opportunities/board/")
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/opportunities/board/").status_code == 200
    return len(ctx.captured_queries)


def test_board_queries_do_not_grow_with_the_deals(client, org, stages):
    account = org["accounts"]["r1"]
    open_stages = [
        stages[c] for c in ("first_contact", "needs_confirmed", "proposal", "negotiation")
    ]
    client.force_login(org["r1"])
    for i in range(5):
        OpportunityFactory(account=account, stage=open_stages[i % 4])
    few = _board_queries(client, org["r1"])
    for i in range(45):
        OpportunityFactory(account=account, stage=open_stages[i % 4])
    many = _board_queries(client, org["r1"])
    assert few == many
