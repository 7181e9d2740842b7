"""The deals' pages: the list (mine and open by default, filters, sorting, pages, totals, empty
state, exports), a deal's page, the create / edit / close / delete forms with their failure
cases, contacts of a deal, the customer card's section and the plan page's checklist item; a
rep never sees another's deal (404)."""

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.utils import timezone

from core.models import AuditEntry
from opportunities.models import Opportunity, OpportunityChange, OpportunityContact
from tests.factories import (
    OpportunityChangeFactory,
    OpportunityContactFactory,
    OpportunityFactory,
    VisitPlanFactory,
)
from visits.models import ChecklistItem

pytestmark = pytest.mark.django_db


def _names(response):
    assert response.status_code == 200
    return [d.name for d in response.context["page"].object_list]


def _deal(org, rep="r1", **kwargs):
    kwargs.setdefault("account", org["accounts"][rep])
    return OpportunityFactory(**kwargs)


def _form_data(account, stage, owner, **extra):
    data = {
        "account": account.pk,
        "name": "Line 3 retrofit",
        "kind": "new",
        "amount": "250000.00",
        "close_date": (timezone.localdate() + dt.timedelta(days=20)).isoformat(),
        "stage": stage.pk,
        "probability": "",
        "category": "pipeline",
        "owner": owner.pk,
        "source": "visit",
        "product_lines": "Pumps",
        "competitors": "Acme",
        "next_step": "",
        "next_step_date": "",
        "description": "",
    }
    data.update(extra)
    return data


def test_list_is_mine_and_open_by_default_with_filters_and_totals(client, org, stages):
    today = timezone.localdate()
    _deal(
        org,
        name="Soon",
        stage=stages["proposal"],
        amount=Decimal("1000.00"),
        close_date=today + dt.timedelta(days=5),
    )
    _deal(
        org,
        name="Later",
        stage=stages["first_contact"],
        amount=Decimal("3000.00"),
        close_date=today + dt.timedelta(days=40),
    )
    _deal(org, name="Won one", stage=stages["won"], status="won", closed_on=today)
    _deal(org, "r2", name="Colleague's", stage=stages["proposal"])
    client.force_login(org["r1"])
    response = client.get("/opportunities/")
    assert _names(response) == ["Soon", "Later"]
    totals = response.context["totals"]
    # 1,000 × 50% + 3,000 × 10%
    assert (totals.count, totals.amount, totals.weighted) == (
        2,
        Decimal("4000.00"),
        Decimal("800.00"),
    )
    assert _names(client.get("/opportunities/", {"sort": "-amount"})) == ["Later", "Soon"]
    assert _names(client.get("/opportunities/", {"sort": "-close"})) == ["Later", "Soon"]
    assert _names(client.get("/opportunities/", {"stage": stages["proposal"].pk})) == ["Soon"]
    assert _names(client.get("/opportunities/", {"status": "won"})) == ["Won one"]
    assert _names(client.get("/opportunities/", {"q": "lat"})) == ["Later"]
    assert _names(
        client.get("/opportunities/", {"close_to": (today + dt.timedelta(days=10)).isoformat()})
    ) == ["Soon"]
    assert _names(client.get("/opportunities/", {"account": org["accounts"]["r1"].pk})) == [
        "Soon",
        "Later",
    ]
    # The manager: nothing of their own, everyone's with the owner emptied.
    client.force_login(org["m1"])
    assert _names(client.get("/opportunities/", {"owner": ""})) == ["Soon", "Colleague's", "Later"]


def test_list_refuses_what_it_cannot_read_and_shows_the_empty_state(client, org, stages):
    _deal(org, "r3", name="Other team", stage=stages["proposal"])
    client.force_login(org["r1"])
    empty = client.get("/opportunities/")
    assert _names(empty) == [] and b"No deals match." in empty.content
    outside = client.get("/opportunities/", {"owner": org["r3"].pk})
    assert _names(outside) == [] and outside.context["filter"].errors
    bad = client.get("/opportunities/", {"close_from": "someday"})
    assert _names(bad) == [] and "close_from" in bad.context["filter"].errors
    assert _names(client.get("/opportunities/", {"owner": "", "q": "Other"})) == []


def test_list_pages(client, org, stages):
    for i in range(55):
        _deal(org, name=f"D{i:02}", stage=stages["proposal"])
    client.force_login(org["r1"])
    first = client.get("/opportunities/", {"sort": "name"})
    assert len(first.context["page"].object_list) == 50
    assert b"page=2" in first.content
    second = client.get("/opportunities/", {"sort": "name", "page": 2})
    assert _names(second) == ["D50", "D51", "D52", "D53", "D54"]


def test_exports_follow_the_filter_and_escape_formulas(client, org, stages):
    _deal(org, name="=HYPERLINK(1)", stage=stages["proposal"], amount=Decimal("10.00"))
    _deal(org, name="Plain", stage=stages["first_contact"], amount=Decimal("20.00"))
    _deal(org, "r3", name="Hidden", stage=stages["proposal"])
    client.force_login(org["r1"])
    response = client.get("/opportunities/export.csv", {"stage": stages["proposal"].pk})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:2] == ["ID", "Deal"]
    assert [r[1] for r in rows[1:]] == ["'=HYPERLINK(1)"]
    xlsx = client.get("/opportunities/export.xlsx", {"owner": ""})
    book = openpyxl.load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)))
    cells = [(row[1].value, bool(row[1].quotePrefix)) for row in book.active.iter_rows(min_row=2)]
    # The formula-like name is a quote-prefixed text cell, never a formula.
    assert sorted(cells) == [("=HYPERLINK(1)", True), ("Plain", False)]
    assert client.get("/opportunities/export.csv", {"close_to": "x"}).status_code == 400


def test_a_rep_never_sees_another_reps_deal(client, org, stages):
    other = _deal(org, "r2", stage=stages["proposal"])
    client.force_login(org["r1"])
    before = Opportunity.objects.values().get(pk=other.pk)
    for url in ("", "edit/", "close/", "delete/"):
        assert client.get(f"/opportunities/{other.pk}/{url}").status_code == 404
    for url, data in (
        ("move/", {"stage": stages["won"].pk}),
        ("delete/", {}),
        ("edit/", {"name": "x"}),
        ("close/", {"outcome": "won"}),
        ("contacts/", {"contact": 1, "role": "user"}),
    ):
        assert client.post(f"/opportunities/{other.pk}/{url}", data).status_code == 404
    assert Opportunity.objects.values().get(pk=other.pk) == before
    assert client.get(f"/opportunities/new/?account={org['accounts']['r2'].pk}").status_code == 404
    client.logout()
    assert client.get("/opportunities/").status_code == 302


def test_deal_page_shows_contacts_history_next_step_and_the_overdue_flag(client, org, stages):
    deal = _deal(
        org,
        name="Overdue deal",
        stage=stages["negotiation"],
        close_date=timezone.localdate() - dt.timedelta(days=3),
        next_step="Send the quote",
    )
    OpportunityContactFactory(opportunity=deal, contact__name="Ms Wang", role="champion")
    OpportunityChangeFactory(opportunity=deal, stage_after=stages["first_contact"])
    OpportunityChangeFactory(
        opportunity=deal,
        kind="changed",
        stage_before=stages["first_contact"],
        stage_after=stages["negotiation"],
    )
    client.force_login(org["r1"])
    response = client.get(f"/opportunities/{deal.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert response.context["overdue"] is True
    assert 'data-testid="deal-overdue"' in body
    assert "Ms Wang" in body and "Champion" in body
    assert "Created in First contact" in body
    assert "First contact → Commercial negotiation" in body
    assert "Send the quote" in body


def test_create_edit_close_and_delete(client, org, stages, reasons):
    account = org["accounts"]["r1"]
    client.force_login(org["r1"])
    page = client.get(f"/opportunities/new/?account={account.pk}")
    assert page.status_code == 200
    data = _form_data(
        account,
        stages["first_contact"],
        org["r1"],
        fixed_account="1",
        next_step="Call the buyer",
        next_step_date=(timezone.localdate() + dt.timedelta(days=2)).isoformat(),
    )
    response = client.post("/opportunities/new/", data)
    deal = Opportunity.objects.get(name="Line 3 retrofit")
    assert response.status_code == 302 and response["Location"] == f"/opportunities/{deal.pk}/"
    assert (deal.account, deal.amount, deal.status) == (account, Decimal("250000.00"), "open")
    assert deal.next_step_commitment is not None
    detail = client.get(f"/opportunities/{deal.pk}/").content.decode()
    assert f"/commitments/{deal.next_step_commitment_id}/edit/" in detail

    edit = dict(data, amount="300000.00", stage=stages["proposal"].pk)
    assert client.post(f"/opportunities/{deal.pk}/edit/", edit).status_code == 302
    deal.refresh_from_db()
    assert (deal.amount, deal.stage) == (Decimal("300000.00"), stages["proposal"])
    assert OpportunityChange.objects.filter(opportunity=deal).count() == 2

    lost = client.post(
        f"/opportunities/{deal.pk}/close/",
        {"outcome": "lost", "loss_reason": reasons["price"].pk, "close_note": "Too dear"},
    )
    assert lost.status_code == 302
    deal.refresh_from_db()
    assert (deal.status, deal.loss_reason, deal.close_note) == (
        "lost",
        reasons["price"],
        "Too dear",
    )

    assert client.get(f"/opportunities/{deal.pk}/delete/").status_code == 200
    assert client.post(f"/opportunities/{deal.pk}/delete/").status_code == 302
    assert not Opportunity.objects.filter(pk=deal.pk).exists()


def test_create_refuses_a_negative_amount_a_foreign_account_and_a_closed_stage(
    client, org, stages, db_state
):
    client.force_login(org["r1"])
    before = db_state()
    mine, theirs = org["accounts"]["r1"], org["accounts"]["r3"]
    negative = client.post(
        "/opportunities/new/", _form_data(mine, stages["proposal"], org["r1"], amount="-5")
    )
    assert negative.status_code == 200 and negative.context["form"].errors
    foreign = client.post("/opportunities/new/", _form_data(theirs, stages["proposal"], org["r1"]))
    assert foreign.status_code == 200 and "account" in foreign.context["form"].errors
    closed = client.post("/opportunities/new/", _form_data(mine, stages["won"], org["r1"]))
    assert closed.status_code == 200 and "stage" in closed.context["form"].errors
    undated = client.post(
        "/opportunities/new/",
        _form_data(
            mine, stages["proposal"], org["r1"], next_step_date=timezone.localdate().isoformat()
        ),
    )
    # The service's refusal is mapped onto the form's field (core.http.run_service).
    assert undated.status_code == 200 and "next_step" in undated.context["form"].errors
    fixed_elsewhere = client.post(
        "/opportunities/new/", _form_data(theirs, stages["proposal"], org["r1"], fixed_account="1")
    )
    assert fixed_elsewhere.status_code == 404
    assert db_state() == before


def test_edit_and_close_refusals_change_nothing(client, org, stages, db_state):
    deal = _deal(org, stage=stages["proposal"])
    client.force_login(org["r1"])
    before = db_state()
    bad = client.post(
        f"/opportunities/{deal.pk}/edit/",
        _form_data(deal.account, stages["proposal"], org["r3"]),
    )
    assert bad.status_code == 200 and "owner" in bad.context["form"].errors
    no_reason = client.post(f"/opportunities/{deal.pk}/close/", {"outcome": "lost"})
    assert no_reason.status_code == 200 and "loss_reason" in no_reason.context["form"].errors
    assert db_state() == before


def test_contacts_of_a_deal_added_and_removed(client, org, stages, contacts):
    deal = _deal(org, stage=stages["proposal"])
    client.force_login(org["r1"])
    mine = contacts["r1"]
    response = client.post(
        f"/opportunities/{deal.pk}/contacts/", {"contact": mine.pk, "role": "technical"}
    )
    assert response.status_code == 302
    assert list(deal.contact_roles.values_list("contact_id", "role")) == [(mine.pk, "technical")]
    # A contact of another account is refused and nothing changes.
    audit = AuditEntry.objects.count()
    refused = client.post(
        f"/opportunities/{deal.pk}/contacts/", {"contact": contacts["r2"].pk, "role": "user"}
    )
    assert refused.status_code == 400
    assert list(deal.contact_roles.values_list("contact_id", "role")) == [(mine.pk, "technical")]
    assert AuditEntry.objects.count() == audit
    removed = client.post(f"/opportunities/{deal.pk}/contacts/remove/", {"contact": mine.pk})
    assert (
        removed.status_code == 302
        and not OpportunityContact.objects.filter(opportunity=deal).exists()
    )
    again = client.post(f"/opportunities/{deal.pk}/contacts/remove/", {"contact": mine.pk})
    assert again.status_code == 404


def test_the_customer_card_lists_the_accounts_open_deals(client, org, stages):
    account = org["accounts"]["r1"]
    _deal(org, name="Card deal", stage=stages["proposal"], amount=Decimal("500.00"))
    _deal(
        org, name="Closed deal", stage=stages["won"], status="won", closed_on=timezone.localdate()
    )
    client.force_login(org["r1"])
    body = client.get(account.get_absolute_url()).content.decode()
    assert 'data-testid="card-opportunities"' in body
    assert "Card deal" in body and "Closed deal" not in body
    assert f"/opportunities/new/?account={account.pk}" in body


def test_the_plan_pages_chances_item_shows_the_open_deals(client, org, stages):
    account = org["accounts"]["r1"]
    _deal(org, name="Big order chance", stage=stages["proposal"])
    plan = VisitPlanFactory(account=account)
    item = ChecklistItem.objects.get(text_en="All likely big-order chances listed")
    assert item.shows == "opportunities"
    client.force_login(org["r1"])
    body = client.get(f"/visits/plans/{plan.pk}/").content.decode()
    assert 'data-testid="checklist-deals"' in body and "Big order chance" in body


def test_nav_links_the_opportunities(client, org):
    client.force_login(org["r1"])
    assert b'href="/opportunities/"' in client.get("/opportunities/board/").content
