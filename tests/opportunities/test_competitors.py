"""Competitors (issue 20): the admins' list (pages and API: everyone reads, admins write), the
incumbent suppliers of an account (card, services, API) with their refusals, the competitors in
play on a deal with the outcome against each (page, API), and a competitor's page: accounts of
the caller's book where it is incumbent, contracts ending within 90/180 days, our win rate over
the deals the caller sees."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.models import AccountCompetitor, Competitor
from core.models import AuditEntry
from opportunities import services
from opportunities.models import Opportunity, OpportunityCompetitor
from opportunities.selectors import competitor_win_rate
from tests.factories import CompetitorFactory, OpportunityFactory

pytestmark = pytest.mark.django_db


def _incumbents():
    return list(AccountCompetitor.objects.order_by("pk").values()), AuditEntry.objects.count()


# --- the admins' list -------------------------------------------------------------------------


def test_only_admins_edit_the_list_of_competitors(org):
    with pytest.raises(PermissionDenied):
        account_services.competitor_create(actor=org["m1"], data={"name": "Acme"})
    assert not Competitor.objects.exists()
    rival = account_services.competitor_create(actor=org["admin"], data={"name": " Acme "})
    assert rival.name == "Acme"
    with pytest.raises(ValidationError) as refused:
        account_services.competitor_create(actor=org["admin"], data={"name": "Acme"})
    assert "name" in refused.value.message_dict
    account_services.competitor_update(
        actor=org["admin"], competitor=rival, data={"is_active": False}
    )
    rival.refresh_from_db()
    assert rival.is_active is False


def test_a_competitor_named_by_accounts_or_deals_is_not_deleted(org):
    on_account = CompetitorFactory()
    on_deal = CompetitorFactory()
    unused = CompetitorFactory()
    AccountCompetitor.objects.create(account=org["accounts"]["r1"], competitor=on_account)
    deal = OpportunityFactory(account=org["accounts"]["r1"])
    OpportunityCompetitor.objects.create(opportunity=deal, competitor=on_deal)
    for competitor in (on_account, on_deal):
        with pytest.raises(ValidationError, match="deactivate it instead"):
            account_services.competitor_delete(actor=org["admin"], competitor=competitor)
    account_services.competitor_delete(actor=org["admin"], competitor=unused)
    assert set(Competitor.objects.all()) == {on_account, on_deal}


def test_the_competitors_api_is_read_by_all_and_written_by_admins(org, api):
    rival = CompetitorFactory(name="Rival A")
    for who in ("r1", "m1"):
        client = api(org[who])
        assert [c["name"] for c in client.get("/api/v1/competitors/").json()["results"]] == [
            "Rival A"
        ]
        assert client.post("/api/v1/competitors/", {"name": "X"}, format="json").status_code == 403
        url = f"/api/v1/competitors/{rival.pk}/"
        assert client.patch(url, {"name": "Y"}, format="json").status_code == 403
        assert client.delete(url).status_code == 403
    assert list(Competitor.objects.values_list("name", flat=True)) == ["Rival A"]
    admin = api(org["admin"])
    created = admin.post("/api/v1/competitors/", {"name": "Rival B"}, format="json")
    assert created.status_code == 201
    assert admin.post("/api/v1/competitors/", {"name": "Rival B"}, format="json").status_code == 400
    assert api().get("/api/v1/competitors/").status_code in (401, 403)


def test_the_competitor_pages_are_for_admins_to_edit(org, client):
    rival = CompetitorFactory(name="Rival A")
    client.force_login(org["r1"])
    assert client.get(reverse("competitors:list")).status_code == 200
    assert client.get(reverse("competitors:create")).status_code == 404
    assert (
        client.post(reverse("competitors:edit", args=[rival.pk]), {"name": "Z"}).status_code == 404
    )
    client.force_login(org["admin"])
    response = client.post(reverse("competitors:create"), {"name": "Rival B", "is_active": "on"})
    assert response.status_code == 302
    assert Competitor.objects.filter(name="Rival B", is_active=True).exists()
    again = client.post(reverse("competitors:create"), {"name": "Rival B"})
    assert again.status_code == 200 and again.context["form"].errors["name"]


# --- incumbents -------------------------------------------------------------------------------


def test_incumbents_are_recorded_with_clear_refusals(org):
    account = org["accounts"]["r1"]
    big, small, gone = CompetitorFactory(), CompetitorFactory(), CompetitorFactory(is_active=False)
    end = datetime.date(2027, 3, 31)
    first = account_services.account_competitor_create(
        actor=org["r1"],
        data={"account": account, "competitor": big, "share": Decimal("70"), "contract_end": end},
    )
    assert (first.share, first.contract_end) == (Decimal("70"), end)
    before = _incumbents()
    cases = [
        ({"account": account, "competitor": big}, "competitor", "already an incumbent"),
        ({"account": account, "competitor": small, "share": Decimal("40")}, "share", "110"),
        ({"account": account, "competitor": gone}, "competitor", "no longer on the list"),
        ({"account": account}, "competitor", "Choose a competitor"),
        ({"account": org["accounts"]["r3"], "competitor": small}, "account", "can see"),
        ({"account": account, "competitor": small, "share": Decimal("-1")}, "share", ""),
    ]
    for data, field, message in cases:
        with pytest.raises(ValidationError) as refused:
            account_services.account_competitor_create(actor=org["r1"], data=data)
        assert message in " ".join(refused.value.message_dict[field]), data
    assert _incumbents() == before
    with pytest.raises(ValidationError) as refused:
        account_services.account_competitor_update(
            actor=org["r1"], account_competitor=first, data={"account": org["accounts"]["r2"]}
        )
    assert "account" in refused.value.message_dict
    assert _incumbents() == before


def test_the_card_shows_and_edits_the_incumbents(org, client):
    account = org["accounts"]["r1"]
    rival = CompetitorFactory(name="Rival A")
    client.force_login(org["r1"])
    url = reverse("accounts:incumbent_create", args=[account.pk])
    response = client.post(
        url,
        {"competitor": rival.pk, "share": "45", "contract_end": "2027-01-31", "price_notes": "-5%"},
    )
    assert response.status_code == 302
    incumbent = AccountCompetitor.objects.get(account=account)
    card = client.get(reverse("accounts:detail", args=[account.pk])).content.decode()
    assert "Rival A" in card and "45 %" in card and "2027-01-31" in card
    refused = client.post(url, {"competitor": rival.pk, "share": "10"})
    assert refused.status_code == 200 and "already an incumbent" in refused.content.decode()
    client.post(
        reverse("accounts:incumbent_edit", args=[incumbent.pk]),
        {"competitor": rival.pk, "share": "50", "contract_end": "", "price_notes": ""},
    )
    incumbent.refresh_from_db()
    assert (incumbent.share, incumbent.contract_end) == (Decimal("50.00"), None)
    client.force_login(org["r3"])
    assert client.get(reverse("accounts:incumbent_edit", args=[incumbent.pk])).status_code == 404
    client.force_login(org["r1"])
    client.post(reverse("accounts:incumbent_delete", args=[incumbent.pk]))
    assert not AccountCompetitor.objects.exists()


def test_the_incumbents_api_writes_within_the_book(org, api):
    rival = CompetitorFactory()
    client = api(org["r1"])
    created = client.post(
        "/api/v1/account-competitors/",
        {"account": org["accounts"]["r1"].pk, "competitor": rival.pk, "share": "20"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    foreign = client.post(
        "/api/v1/account-competitors/",
        {"account": org["accounts"]["r3"].pk, "competitor": rival.pk},
        format="json",
    )
    assert foreign.status_code == 400 and "account" in foreign.json()
    assert (
        api(org["r3"]).get(f"/api/v1/account-competitors/{created.json()['id']}/").status_code
        == 404
    )


def test_the_incumbents_api_filters_by_account_competitor_and_contract_end(org, api):
    rival, other = CompetitorFactory(), CompetitorFactory()
    mine, theirs = org["accounts"]["r1"], org["accounts"]["r3"]
    soon = timezone.localdate() + datetime.timedelta(days=30)
    late = timezone.localdate() + datetime.timedelta(days=400)
    a = AccountCompetitor.objects.create(account=mine, competitor=rival, contract_end=soon)
    b = AccountCompetitor.objects.create(account=mine, competitor=other, contract_end=late)
    AccountCompetitor.objects.create(account=theirs, competitor=rival, contract_end=soon)
    client = api(org["r1"])

    def ids(**params):
        response = client.get("/api/v1/account-competitors/", params)
        assert response.status_code == 200, response.content
        return sorted(row["id"] for row in response.json()["results"])

    assert ids(account=mine.pk) == sorted([a.pk, b.pk])
    assert ids(competitor=rival.pk) == [a.pk]  # the other book's incumbency stays hidden
    assert ids(contract_end_before=(soon + datetime.timedelta(days=1)).isoformat()) == [a.pk]
    # Another book's account and a missing one answer alike: an empty list.
    assert ids(account=theirs.pk) == ids(account=10**9) == []
    bad = client.get("/api/v1/account-competitors/", {"account": "x"})
    assert bad.status_code == 400 and "account" in bad.json()


# --- deals and the competitor's page ----------------------------------------------------------


def test_competitors_in_play_are_set_with_clear_refusals(org):
    deal = OpportunityFactory(account=org["accounts"]["r1"])
    a, b, gone = CompetitorFactory(), CompetitorFactory(), CompetitorFactory(is_active=False)
    play = services.CompetitorInPlay
    services.opportunity_competitors_set(
        actor=org["r1"], opportunity=deal, competitors=[play(a), play(b, "lost", "cheaper")]
    )
    assert set(deal.competitors_in_play.values_list("competitor_id", "outcome")) == {
        (a.pk, "open"),
        (b.pk, "lost"),
    }
    before = list(OpportunityCompetitor.objects.order_by("pk").values())
    for rows in ([play(a), play(a)], [play(gone)], [play(a, "draw")], [play(None)]):
        with pytest.raises(ValidationError) as refused:
            services.opportunity_competitors_set(
                actor=org["r1"], opportunity=deal, competitors=rows
            )
        assert "competitors" in refused.value.message_dict
    assert list(OpportunityCompetitor.objects.order_by("pk").values()) == before
    from django.http import Http404

    with pytest.raises(Http404):
        services.opportunity_competitors_set(actor=org["r3"], opportunity=deal, competitors=[])
    assert list(OpportunityCompetitor.objects.order_by("pk").values()) == before


def test_the_deal_api_and_page_name_the_competitors(org, api, client):
    deal = OpportunityFactory(account=org["accounts"]["r1"])
    rival = CompetitorFactory(name="Rival A")
    url = f"/api/v1/opportunities/{deal.pk}/competitors/"
    response = api(org["r1"]).put(url, [{"competitor": rival.pk, "outcome": "won"}], format="json")
    assert response.status_code == 200
    assert response.json() == [
        {
            "competitor": rival.pk,
            "competitor_name": "Rival A",
            "outcome": "won",
            "notes": "",
            "result": "won",
        }
    ]
    bad = api(org["r1"]).put(url, [{"competitor": rival.pk, "outcome": "draw"}], format="json")
    assert bad.status_code == 400
    assert api(org["r3"]).get(url).status_code == 404
    client.force_login(org["r1"])
    page = client.get(reverse("opportunities:detail", args=[deal.pk])).content.decode()
    assert "Rival A" in page and "Won against it" in page
    client.post(
        reverse("opportunities:competitor_remove", args=[deal.pk]), {"competitor": rival.pk}
    )
    assert not deal.competitors_in_play.exists()
    client.post(
        reverse("opportunities:competitor_set", args=[deal.pk]),
        {"competitor": rival.pk, "outcome": "lost", "notes": "price"},
    )
    assert list(deal.competitors_in_play.values_list("outcome", "notes")) == [("lost", "price")]


def test_the_win_rate_counts_the_deals_the_user_sees(org, stages):
    rival = CompetitorFactory()
    mine = org["accounts"]["r1"]
    today = timezone.localdate()

    def deal(account, status, outcome="open"):
        stage = {"won": "won", "lost": "lost", "open": "proposal"}[status]
        opportunity = OpportunityFactory(
            account=account,
            stage=stages[stage],
            status=status,
            closed_on=None if status == "open" else today,
        )
        OpportunityCompetitor.objects.create(
            opportunity=opportunity, competitor=rival, outcome=outcome
        )

    deal(mine, Opportunity.Status.WON)  # left open on a won deal: won against it
    deal(mine, Opportunity.Status.LOST)
    deal(mine, Opportunity.Status.LOST, outcome="won")  # lost, but not to this one
    deal(mine, Opportunity.Status.OPEN)
    deal(org["accounts"]["r3"], Opportunity.Status.LOST)  # another book
    rate = competitor_win_rate(org["r1"], rival.pk)
    assert (rate.won, rate.lost, rate.open, rate.rate) == (2, 1, 1, Decimal("66.7"))
    other = competitor_win_rate(org["r3"], rival.pk)
    assert (other.won, other.lost, other.rate) == (0, 1, Decimal("0.0"))
    assert competitor_win_rate(org["r2"], rival.pk).rate is None


def test_a_competitors_page_shows_only_the_book(org, client):
    rival = CompetitorFactory(name="Rival A")
    today = timezone.localdate()
    ends = {"r1": 30, "r2": 120, "r3": 40}
    for name, days in ends.items():
        AccountCompetitor.objects.create(
            account=org["accounts"][name],
            competitor=rival,
            share=Decimal("60"),
            contract_end=today + datetime.timedelta(days=days),
        )
    client.force_login(org["m1"])  # sees r1's and r2's accounts, not r3's
    response = client.get(reverse("competitors:detail", args=[rival.pk]))
    html = response.content.decode()
    assert "Account of r1" in html and "Account of r2" in html
    assert "Account of r3" not in html
    ending = dict(response.context["ending"])
    assert [i.account_name for i in ending[90]] == ["Account of r1"]
    assert [i.account_name for i in ending[180]] == ["Account of r1", "Account of r2"]
    listing = client.get(reverse("competitors:list"))
    assert [c.accounts for c in listing.context["competitors"]] == [2]
    client.force_login(org["r3"])
    html = client.get(reverse("competitors:detail", args=[rival.pk])).content.decode()
    assert "Account of r3" in html and "Account of r1" not in html
    assert client.get(reverse("competitors:detail", args=[987654])).status_code == 404
