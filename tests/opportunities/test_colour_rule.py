"""The colour rule: red a customer (won or ordering), yellow an open deal closing within the
horizon, green potential; set-based for many accounts; a rep's other colour needs a reason; the
prospect's card and page show both."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Account
from core.models import AuditEntry
from opportunities import services
from opportunities.colour import GREEN, RED, YELLOW, colour_by_rule
from opportunities.models import Opportunity, OpportunitySettings
from prospects.models import Prospect
from prospects.services import prospect_move
from tests.factories import AccountFactory, OpportunityFactory, OrderFactory, ProspectFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
DAY = dt.timedelta(days=1)


def _potential(org, name="r1", **kwargs):
    return AccountFactory(owner=org[name], lifecycle=Account.Lifecycle.POTENTIAL, **kwargs)


def _deal(account, stages, code, days):
    stage = stages[code]
    return OpportunityFactory(
        account=account,
        stage=stage,
        status=stage.status,
        closed_on=TODAY() if stage.is_closed else None,
        close_date=TODAY() + days * DAY,
    )


@pytest.fixture
def accounts(org, stages, reasons):
    """One account per case of the rule."""
    made = {
        "none": _potential(org),
        "soon": _potential(org),
        "at_horizon": _potential(org),
        "past_horizon": _potential(org),
        "late": _potential(org),
        "won": _potential(org),
        "won_and_soon": _potential(org),
        "ordering": _potential(org),
        "existing": AccountFactory(owner=org["r1"], lifecycle=Account.Lifecycle.EXISTING),
        "lost_only": _potential(org),
    }
    _deal(made["soon"], stages, "proposal", 10)
    _deal(made["at_horizon"], stages, "proposal", 90)
    _deal(made["past_horizon"], stages, "proposal", 91)
    _deal(made["late"], stages, "negotiation", -5)
    _deal(made["won"], stages, "won", -30)
    _deal(made["won_and_soon"], stages, "won", -30)
    _deal(made["won_and_soon"], stages, "proposal", 5)
    OrderFactory(account=made["ordering"])
    lost = _deal(made["lost_only"], stages, "lost", 5)
    Opportunity.objects.filter(pk=lost.pk).update(loss_reason=reasons["price"])
    return made


EXPECTED = {
    "none": GREEN,
    "soon": YELLOW,
    "at_horizon": YELLOW,
    "past_horizon": GREEN,
    "late": YELLOW,
    "won": RED,
    "won_and_soon": RED,
    "ordering": RED,
    "existing": RED,
    "lost_only": GREEN,
}


def test_the_rule_for_every_case(accounts):
    colours = colour_by_rule(a.pk for a in accounts.values())
    assert {name: colours[a.pk] for name, a in accounts.items()} == EXPECTED


def test_the_horizon_is_a_setting(accounts):
    settings = OpportunitySettings.load()
    assert settings.yellow_horizon_days == 90
    settings.yellow_horizon_days = 9
    settings.save()
    colours = colour_by_rule([accounts["soon"].pk, accounts["late"].pk])
    assert colours == {accounts["soon"].pk: GREEN, accounts["late"].pk: YELLOW}
    assert colour_by_rule([accounts["past_horizon"].pk], horizon_days=91) == {
        accounts["past_horizon"].pk: YELLOW
    }


def test_the_rule_takes_the_same_queries_for_many_accounts(org, stages, accounts):
    OpportunitySettings.load()  # made on first read: not the rule's cost
    with CaptureQueriesContext(connection) as few:
        colour_by_rule([accounts["soon"].pk])
    many = [_potential(org).pk for _ in range(30)]
    for pk in many[:10]:
        _deal(Account.objects.get(pk=pk), stages, "proposal", 3)
    with CaptureQueriesContext(connection) as lots:
        colours = colour_by_rule(many + [a.pk for a in accounts.values()])
    assert len(lots) == len(few) == 2  # the settings, then one query for every account
    assert sum(1 for pk in many if colours[pk] == YELLOW) == 10
    assert colour_by_rule([]) == {}


# --- a rep's colour against the rule ------------------------------------------------------------


def test_the_rules_colour_needs_no_reason_and_clears_one(org, accounts):
    prospect = ProspectFactory(account=accounts["soon"], colour_override_reason="old")
    services.prospect_colour_set(actor=org["r1"], prospect=prospect, colour="yellow")
    prospect.refresh_from_db()
    assert (prospect.colour, prospect.colour_override_reason) == ("yellow", "")


def test_another_colour_without_a_reason_is_refused(org, accounts):
    prospect = ProspectFactory(account=accounts["soon"])
    before = (list(Prospect.objects.values()), AuditEntry.objects.count())
    for reason in ("", "   "):
        with pytest.raises(ValidationError) as refused:
            services.prospect_colour_set(
                actor=org["r1"], prospect=prospect, colour="green", reason=reason
            )
        assert "colour_override_reason" in refused.value.message_dict
    assert (list(Prospect.objects.values()), AuditEntry.objects.count()) == before


def test_another_colour_with_a_reason_is_kept_and_audited(org, accounts):
    prospect = ProspectFactory(account=accounts["none"])
    services.prospect_colour_set(
        actor=org["r1"], prospect=prospect, colour="yellow", reason="Tender opens next week"
    )
    prospect.refresh_from_db()
    assert (prospect.colour, prospect.colour_override_reason) == (
        "yellow",
        "Tender opens next week",
    )
    entry = AuditEntry.objects.get(model="prospects.Prospect", action="move")
    assert entry.changes["colour_override_reason"] == ["", "Tender opens next week"]


def test_a_prospect_outside_the_book_is_refused(org, stages):
    account = _potential(org, "r3")
    prospect = ProspectFactory(account=account)
    with pytest.raises(ValidationError):
        services.prospect_colour_set(
            actor=org["r1"], prospect=prospect, colour="yellow", reason="mine now"
        )
    prospect.refresh_from_db()
    assert (prospect.colour, prospect.colour_override_reason) == ("green", "")


def test_a_move_on_the_prospects_pages_clears_the_old_reason(org, accounts):
    prospect = ProspectFactory(account=accounts["none"])
    services.prospect_colour_set(actor=org["r1"], prospect=prospect, colour="yellow", reason="r")
    prospect_move(actor=org["r1"], prospect=prospect, colour="green")
    prospect.refresh_from_db()
    assert (prospect.colour, prospect.colour_override_reason) == ("green", "")


# --- the card and the page ----------------------------------------------------------------------


def test_the_prospect_page_and_card_show_both_colours_and_the_reason(org, accounts, client):
    prospect = ProspectFactory(account=accounts["soon"])
    services.prospect_colour_set(
        actor=org["r1"], prospect=prospect, colour="green", reason="Budget frozen until spring"
    )
    client.force_login(org["r1"])
    for url in (
        reverse("prospects:detail", args=[prospect.pk]),
        reverse("accounts:detail", args=[accounts["soon"].pk]),
    ):
        html = client.get(url).content.decode()
        assert 'data-rule="yellow" data-chosen="green"' in html, url
        assert "Budget frozen until spring" in html, url


def test_the_colour_page_sets_a_colour_with_a_reason(org, accounts, client):
    prospect = ProspectFactory(account=accounts["won"])
    url = reverse("opportunities:prospect_colour", args=[prospect.pk])
    client.force_login(org["r1"])
    assert 'data-rule="red"' in client.get(url).content.decode()
    response = client.post(url, {"colour": "yellow", "colour_override_reason": ""})
    assert response.status_code == 200
    assert response.context["form"].errors
    prospect.refresh_from_db()
    assert prospect.colour == "green"
    response = client.post(url, {"colour": "yellow", "colour_override_reason": "Second plant"})
    assert response.status_code == 302
    prospect.refresh_from_db()
    assert (prospect.colour, prospect.colour_override_reason) == ("yellow", "Second plant")
    client.force_login(org["r3"])
    assert client.get(url).status_code == 404
    assert client.post(url, {"colour": "red"}).status_code == 404


def test_admins_edit_the_horizon(org, client):
    client.force_login(org["admin"])
    url = reverse("opportunities:settings")
    assert client.post(url, {"yellow_horizon_days": "0"}).status_code == 200
    assert OpportunitySettings.load().yellow_horizon_days == 90
    assert client.post(url, {"yellow_horizon_days": "60"}).status_code == 302
    assert OpportunitySettings.load().yellow_horizon_days == 60
    client.force_login(org["m1"])
    assert client.get(url).status_code == 404
