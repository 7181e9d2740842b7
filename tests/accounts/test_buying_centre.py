"""The buying centre: reports-to, stance, influence, leaving; the derived last-contact date;
the warnings at their edges; the card's org chart; the access rule."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.buying_centre import (
    WarningCode,
    accounts_last_contact,
    buying_centre_chart,
    buying_centre_warnings,
)
from accounts.models import AccountSettings, Contact
from accounts.services import contact_create, contact_set_active, contact_update
from commitments.models import Commitment
from tests.factories import (
    AccountFactory,
    CommitmentFactory,
    ContactFactory,
    OpportunityFactory,
    TouchFactory,
    VisitFactory,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 30)
DM = Contact.Role.DECISION_MAKER


def _chain(org):
    account = org["accounts"]["r1"]
    ceo = ContactFactory(account=account, name="CEO")
    cfo = ContactFactory(account=account, name="CFO", reports_to=ceo)
    buyer = ContactFactory(account=account, name="Buyer", reports_to=cfo)
    return account, ceo, cfo, buyer


# --- Writes and their failure cases ---------------------------------------------------------


def test_contact_takes_the_buying_centre_fields(org):
    account = org["accounts"]["r1"]
    boss = ContactFactory(account=account, name="Boss")
    made = contact_create(
        actor=org["r1"],
        data={
            "account": account,
            "name": "Wang",
            "reports_to": boss,
            "stance": "champion",
            "influence": "high",
        },
    )
    made.refresh_from_db()
    assert (made.reports_to_id, made.stance, made.influence, made.is_active) == (
        boss.pk,
        "champion",
        "high",
        True,
    )


def test_reporting_to_a_contact_of_another_account_is_refused(org):
    _account, _ceo, cfo, buyer = _chain(org)
    elsewhere = ContactFactory(account=AccountFactory(owner=org["r1"]))
    with pytest.raises(ValidationError) as err:
        contact_update(actor=org["r1"], contact=buyer, data={"reports_to": elsewhere})
    assert list(err.value.error_dict) == ["reports_to"]
    buyer.refresh_from_db()
    assert buyer.reports_to_id == cfo.pk


def test_reporting_to_oneself_is_refused(org):
    _account, ceo, cfo, _buyer = _chain(org)
    with pytest.raises(ValidationError) as err:
        contact_update(actor=org["r1"], contact=cfo, data={"reports_to": cfo})
    assert list(err.value.error_dict) == ["reports_to"]
    cfo.refresh_from_db()
    assert cfo.reports_to_id == ceo.pk


def test_a_cycle_is_refused_directly_and_through_others(org):
    account, ceo, cfo, buyer = _chain(org)
    with pytest.raises(ValidationError) as err:
        contact_update(actor=org["r1"], contact=ceo, data={"reports_to": buyer})
    assert "reports_to" in err.value.error_dict
    assert "cycle" in str(err.value)
    with pytest.raises(ValidationError):
        contact_update(actor=org["r1"], contact=cfo, data={"reports_to": buyer})
    assert dict(Contact.objects.filter(account=account).values_list("name", "reports_to")) == {
        "CEO": None,
        "CFO": ceo.pk,
        "Buyer": cfo.pk,
    }


def test_moving_up_the_chain_is_no_cycle(org):
    _account, ceo, _cfo, buyer = _chain(org)
    contact_update(actor=org["r1"], contact=buyer, data={"reports_to": ceo})
    buyer.refresh_from_db()
    assert buyer.reports_to_id == ceo.pk


def test_reporting_to_someone_who_left_is_refused(org):
    account, _ceo, cfo, buyer = _chain(org)
    gone = ContactFactory(account=account, name="Gone", is_active=False)
    with pytest.raises(ValidationError) as err:
        contact_update(actor=org["r1"], contact=buyer, data={"reports_to": gone})
    assert list(err.value.error_dict) == ["reports_to"]
    buyer.refresh_from_db()
    # A person whose manager since left can still be edited otherwise.
    contact_set_active(actor=org["r1"], contact=cfo, is_active=False)
    contact_update(actor=org["r1"], contact=buyer, data={"title": "Buyer"})
    buyer.refresh_from_db()
    assert (buyer.title, buyer.reports_to_id) == ("Buyer", cfo.pk)


def test_a_contact_with_reports_cannot_move_to_another_account(org):
    account, _ceo, cfo, _buyer = _chain(org)
    other = AccountFactory(owner=org["r1"])
    with pytest.raises(ValidationError) as err:
        contact_update(actor=org["r1"], contact=cfo, data={"account": other})
    assert list(err.value.error_dict) == ["account"]
    cfo.refresh_from_db()
    assert cfo.account_id == account.pk


def test_leaving_keeps_the_history(org):
    account, _ceo, cfo, _buyer = _chain(org)
    visit = VisitFactory(account=account)
    visit.contacts.add(cfo)
    contact_set_active(actor=org["r1"], contact=cfo, is_active=False)
    cfo.refresh_from_db()
    assert cfo.is_active is False
    assert list(visit.contacts.values_list("pk", flat=True)) == [cfo.pk]
    contact_set_active(actor=org["r1"], contact=cfo, is_active=True)
    cfo.refresh_from_db()
    assert cfo.is_active is True


def test_another_rep_cannot_change_the_chart(org):
    _account, ceo, cfo, buyer = _chain(org)
    with pytest.raises(ValidationError):
        contact_update(actor=org["r3"], contact=buyer, data={"reports_to": ceo})
    buyer.refresh_from_db()
    assert buyer.reports_to_id == cfo.pk


# --- The derived last-contact date ----------------------------------------------------------


def test_last_contact_is_the_latest_of_visits_touches_and_commitments_done(org):
    account = org["accounts"]["r1"]
    met, touched, served, never = (ContactFactory(account=account) for _ in range(4))
    for day in (dt.date(2026, 3, 1), dt.date(2026, 5, 2)):
        VisitFactory(account=account, visit_date=day).contacts.add(met)
    TouchFactory(account=account, contact=met, date=dt.date(2026, 4, 1))
    TouchFactory(account=account, contact=touched, date=dt.date(2026, 6, 3))
    done_at = timezone.make_aware(dt.datetime(2026, 6, 10, 15, 0))
    CommitmentFactory(
        account=account, contact=served, status=Commitment.Status.DONE, done_at=done_at
    )
    CommitmentFactory(account=account, contact=never, due_date=dt.date(2026, 6, 20))  # open
    TouchFactory(account=account, contact=served, date=dt.date(2026, 1, 1))
    other = ContactFactory(account=org["accounts"]["r3"])
    VisitFactory(account=other.account, visit_date=dt.date(2026, 6, 1)).contacts.add(other)

    assert accounts_last_contact([account.pk]) == {
        met.pk: dt.date(2026, 5, 2),
        touched.pk: dt.date(2026, 6, 3),
        served.pk: dt.date(2026, 6, 10),
    }
    both = accounts_last_contact([account.pk, other.account_id])
    assert both[other.pk] == dt.date(2026, 6, 1) and len(both) == 4


def test_last_contact_of_many_accounts_is_a_fixed_number_of_queries(
    org, django_assert_max_num_queries
):
    accounts = [AccountFactory(owner=org["r1"]) for _ in range(5)]
    for account in accounts:
        contact = ContactFactory(account=account)
        VisitFactory(account=account, visit_date=TODAY).contacts.add(contact)
    with django_assert_max_num_queries(3):
        assert len(accounts_last_contact([a.pk for a in accounts])) == 5


# --- Warnings at their edges ----------------------------------------------------------------


def _codes(found, account):
    return sorted(w.code for w in found.get(account.pk, []))


@pytest.mark.parametrize(
    ("tier", "days", "warned"),
    [
        ("A", 30, False),
        ("A", 31, True),
        ("B", 60, False),
        ("B", 61, True),
        ("", 90, False),
        ("C", 91, True),
    ],
)
def test_no_decision_maker_met_by_tier(org, tier, days, warned):
    account = AccountFactory(owner=org["r1"], tier=tier)
    maker = ContactFactory(account=account, role=DM)
    VisitFactory(account=account, visit_date=TODAY - dt.timedelta(days=days)).contacts.add(maker)
    found = buying_centre_warnings([account.pk], open_deal_account_ids=[], today=TODAY)
    assert _codes(found, account) == ([WarningCode.DECISION_MAKER_UNMET] if warned else [])


def test_no_decision_maker_at_all_or_only_one_who_left_warns(org):
    bare = AccountFactory(owner=org["r1"], tier="A")
    left = AccountFactory(owner=org["r1"], tier="A")
    gone = ContactFactory(account=left, role=DM, is_active=False)
    VisitFactory(account=left, visit_date=TODAY).contacts.add(gone)
    found = buying_centre_warnings([bare.pk, left.pk], open_deal_account_ids=[], today=TODAY)
    assert _codes(found, bare) == _codes(found, left) == [WarningCode.DECISION_MAKER_UNMET]


def test_the_tier_days_are_a_setting(org):
    settings = AccountSettings.load()
    settings.decision_maker_days_a = 10
    settings.save()
    account = AccountFactory(owner=org["r1"], tier="A")
    maker = ContactFactory(account=account, role=DM)
    VisitFactory(account=account, visit_date=TODAY - dt.timedelta(days=11)).contacts.add(maker)
    found = buying_centre_warnings([account.pk], open_deal_account_ids=[], today=TODAY)
    assert _codes(found, account) == [WarningCode.DECISION_MAKER_UNMET]


def _met(account):
    maker = ContactFactory(account=account, role=DM)
    VisitFactory(account=account, visit_date=TODAY).contacts.add(maker)


def test_blocker_with_high_influence_only_on_an_open_deal(org):
    account = AccountFactory(owner=org["r1"], tier="A")
    _met(account)
    blocker = ContactFactory(account=account, stance="blocker", influence="high")
    ContactFactory(account=account, stance="blocker", influence="medium")
    ContactFactory(account=account, stance="blocker", influence="high", is_active=False)
    assert buying_centre_warnings([account.pk], open_deal_account_ids=[], today=TODAY) == {}
    found = buying_centre_warnings([account.pk], open_deal_account_ids={account.pk}, today=TODAY)
    assert [(w.code, w.contact_id) for w in found[account.pk]] == [
        (WarningCode.BLOCKER_ON_OPEN_DEAL, blocker.pk)
    ]


def test_open_deal_read_through_the_registered_source(org):
    account = AccountFactory(owner=org["r1"], tier="A")
    _met(account)
    ContactFactory(account=account, stance="blocker", influence="high")
    assert buying_centre_warnings([account.pk], today=TODAY) == {}
    deal = OpportunityFactory(account=account)
    found = buying_centre_warnings([account.pk], today=TODAY)
    assert _codes(found, account) == [WarningCode.BLOCKER_ON_OPEN_DEAL]
    deal.status = "won"  # closed deals do not count
    type(deal).objects.filter(pk=deal.pk).update(status="won", closed_on=TODAY)
    assert buying_centre_warnings([account.pk], today=TODAY) == {}


def test_champion_who_left(org):
    account = AccountFactory(owner=org["r1"], tier="A")
    _met(account)
    champion = ContactFactory(account=account, stance="champion")
    assert buying_centre_warnings([account.pk], open_deal_account_ids=[], today=TODAY) == {}
    contact_set_active(actor=org["r1"], contact=champion, is_active=False)
    found = buying_centre_warnings([account.pk], open_deal_account_ids=[], today=TODAY)
    assert [(w.code, w.contact_id) for w in found[account.pk]] == [
        (WarningCode.CHAMPION_LEFT, champion.pk)
    ]


def test_warnings_of_many_accounts_in_a_fixed_number_of_queries(org, django_assert_max_num_queries):
    accounts = [AccountFactory(owner=org["r1"], tier="A") for _ in range(6)]
    for account in accounts:
        ContactFactory(account=account, role=DM)
        ContactFactory(account=account, stance="champion", is_active=False)
    AccountSettings.load()
    with django_assert_max_num_queries(8):
        found = buying_centre_warnings([a.pk for a in accounts], open_deal_account_ids=[])
    assert all(len(found[a.pk]) == 2 for a in accounts)


# --- The card -------------------------------------------------------------------------------


def test_chart_places_managers_above_their_reports(org):
    account, ceo, _cfo, _buyer = _chain(org)
    peer = ContactFactory(account=account, name="Peer", reports_to=ceo)
    chart = buying_centre_chart(account, today=TODAY)
    at = {n.contact.name: n for n in chart.nodes}
    assert at["CEO"].y < at["CFO"].y < at["Buyer"].y
    assert at["CFO"].y == at["Peer"].y
    assert at["CEO"].x == (at["CFO"].x + at["Peer"].x) // 2
    assert len(chart.edges) == 3
    assert peer.pk in {n.contact.pk for n in chart.nodes}


def test_card_draws_the_chart(client, org):
    account, ceo, cfo, _buyer = _chain(org)
    Contact.objects.filter(pk=ceo.pk).update(stance="champion", influence="high")
    Contact.objects.filter(pk=cfo.pk).update(stance="blocker")
    ContactFactory(account=account, name="Old friend", stance="champion", is_active=False)
    VisitFactory(account=account, visit_date=timezone.localdate()).contacts.add(ceo)
    client.force_login(org["r1"])
    html = client.get(f"/accounts/{account.pk}/").content.decode()
    assert '<svg class="bc-chart"' in html
    assert html.count('class="bc-node') == 3
    assert 'class="bc-node stance-champion"' in html  # met today: not marked
    assert 'class="bc-node stance-blocker unmet"' in html  # never met
    assert 'fill="#1a7f37"' in html and 'fill="#cf222e"' in html  # champion, blocker
    assert 'stroke-width="4"' in html  # high influence
    assert 'class="bc-left-person"' in html and "Old friend" in html
    assert 'data-code="champion_left"' in html
    assert 'name="reports_to"' in html and f'value="{ceo.pk}" selected' in html


def test_unmet_mark_follows_the_setting(client, org):
    account = org["accounts"]["r1"]
    contact = ContactFactory(account=account, name="Li")
    VisitFactory(account=account, visit_date=TODAY - dt.timedelta(days=90)).contacts.add(contact)
    assert buying_centre_chart(account, today=TODAY).nodes[0].unmet is False
    settings = AccountSettings.load()
    settings.contact_unmet_days = 89
    settings.save()
    assert buying_centre_chart(account, today=TODAY).nodes[0].unmet is True


def test_reports_to_endpoint_moves_a_person(client, org):
    _account, ceo, _cfo, buyer = _chain(org)
    client.force_login(org["r1"])
    url = f"/accounts/contacts/{buyer.pk}/reports-to/"
    response = client.post(url, {"reports_to": ceo.pk}, headers={"accept": "application/json"})
    assert response.status_code == 200
    assert response.json() == {"id": buyer.pk, "reports_to": ceo.pk}
    response = client.post(url, {"reports_to": ""})
    assert response.status_code == 302
    buyer.refresh_from_db()
    assert buyer.reports_to_id is None


def test_reports_to_endpoint_refuses_a_cycle_with_400(client, org):
    _account, ceo, _cfo, buyer = _chain(org)
    client.force_login(org["r1"])
    response = client.post(
        f"/accounts/contacts/{ceo.pk}/reports-to/",
        {"reports_to": buyer.pk},
        headers={"accept": "application/json"},
    )
    assert response.status_code == 400
    assert "cycle" in response.json()["errors"][0]
    ceo.refresh_from_db()
    assert ceo.reports_to_id is None


def test_another_books_contact_cannot_be_chosen(client, org, api):
    _account, _ceo, cfo, buyer = _chain(org)
    foreign = ContactFactory(account=org["accounts"]["r3"])
    client.force_login(org["r1"])
    response = client.post(
        f"/accounts/contacts/{buyer.pk}/reports-to/",
        {"reports_to": foreign.pk},
        headers={"accept": "application/json"},
    )
    assert response.status_code == 400
    # ... and another book's contact cannot be moved at all
    response = client.post(f"/accounts/contacts/{foreign.pk}/reports-to/", {"reports_to": ""})
    assert response.status_code == 404
    response = api(org["r1"]).patch(
        f"/api/v1/contacts/{buyer.pk}/", {"reports_to": foreign.pk}, format="json"
    )
    assert response.status_code == 400 and list(response.json()) == ["reports_to"]
    buyer.refresh_from_db()
    assert buyer.reports_to_id == cfo.pk


def test_api_takes_the_buying_centre_fields_and_refuses_with_the_field(org, api):
    _account, ceo, cfo, buyer = _chain(org)
    client = api(org["r1"])
    response = client.patch(
        f"/api/v1/contacts/{buyer.pk}/",
        {"reports_to": ceo.pk, "stance": "supporter", "influence": "low", "is_active": False},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["reports_to"], body["stance"], body["influence"], body["is_active"]) == (
        ceo.pk,
        "supporter",
        "low",
        False,
    )
    response = client.patch(f"/api/v1/contacts/{ceo.pk}/", {"reports_to": cfo.pk}, format="json")
    assert response.status_code == 400 and list(response.json()) == ["reports_to"]
    elsewhere = ContactFactory(account=AccountFactory(owner=org["r1"]))
    response = client.patch(
        f"/api/v1/contacts/{cfo.pk}/", {"reports_to": elsewhere.pk}, format="json"
    )
    assert response.status_code == 400 and list(response.json()) == ["reports_to"]
    response = client.patch(f"/api/v1/contacts/{cfo.pk}/", {"stance": "enemy"}, format="json")
    assert response.status_code == 400 and list(response.json()) == ["stance"]
    cfo.refresh_from_db()
    assert (cfo.reports_to_id, cfo.stance) == (ceo.pk, "")


def test_contact_form_offers_only_people_of_the_same_account(client, org):
    _account, _ceo, _cfo, buyer = _chain(org)
    ContactFactory(account=AccountFactory(owner=org["r1"]), name="Elsewhere")
    client.force_login(org["r1"])
    html = client.get(f"/accounts/contacts/{buyer.pk}/edit/").content.decode()
    assert "CEO" in html and "CFO" in html and "Elsewhere" not in html


def test_settings_page_is_for_admins(client, org):
    client.force_login(org["r1"])
    assert client.get("/accounts/settings/buying-centre/").status_code == 404
    client.force_login(org["admin"])
    response = client.post(
        "/accounts/settings/buying-centre/",
        {
            "contact_unmet_days": 45,
            "decision_maker_days_a": 20,
            "decision_maker_days_b": 40,
            "decision_maker_days_c": 0,
        },
    )
    assert response.status_code == 200  # 0 is refused
    assert AccountSettings.load().contact_unmet_days == 90
