"""The segmentation by loyalty to a competitor, proposed from the account's incumbent suppliers
(share held by competitors, contract end) and overridden only with a reason (issue 20)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import AccountCompetitor
from core.models import AuditEntry
from prospects import services
from prospects.models import Prospect, ProspectSettings
from prospects.selectors import loyalty_proposal
from tests.factories import CompetitorFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 1)


def _incumbent(account, share=None, days=None):
    return AccountCompetitor.objects.create(
        account=account,
        competitor=CompetitorFactory(),
        share=share,
        contract_end=None if days is None else TODAY + datetime.timedelta(days=days),
    )


def test_no_incumbent_proposes_low_without_facts(org):
    proposal = loyalty_proposal(org["accounts"]["r1"].pk, today=TODAY)
    assert (proposal.loyalty, proposal.has_facts) == ("low", False)
    assert proposal.reasons == ["No incumbent supplier is recorded on the account."]


def test_a_large_share_or_a_long_contract_proposes_high(org):
    account = org["accounts"]["r1"]
    _incumbent(account, share=Decimal("30"), days=100)
    low = loyalty_proposal(account.pk, today=TODAY)
    assert (low.loyalty, low.has_facts, low.share) == ("low", True, Decimal("30.00"))
    _incumbent(account, share=Decimal("20"))
    high = loyalty_proposal(account.pk, today=TODAY)
    assert high.loyalty == "high"
    assert high.reasons == ["Competitors hold 50% of the customer's spend (high from 50%)."]

    other = org["accounts"]["r2"]
    _incumbent(other, share=Decimal("10"), days=366)
    long = loyalty_proposal(other.pk, today=TODAY)
    assert long.loyalty == "high"
    assert "runs until 2027-06-02" in long.reasons[0]
    settings = ProspectSettings.load()
    settings.loyalty_high_contract_days = 400
    settings.save()
    assert loyalty_proposal(other.pk, today=TODAY).loyalty == "low"


def test_overriding_the_proposal_needs_a_reason(org):
    account = org["accounts"]["r1"]
    _incumbent(account, share=Decimal("80"))
    before = (list(Prospect.objects.values()), AuditEntry.objects.count())
    with pytest.raises(ValidationError) as refused:
        services.prospect_create(
            actor=org["r1"], account=account, data={"competitor_loyalty": "low"}
        )
    message = refused.value.message_dict["loyalty_override_reason"][0]
    assert "suggest High loyalty" in message and "80%" in message
    assert (list(Prospect.objects.values()), AuditEntry.objects.count()) == before

    prospect = services.prospect_create(
        actor=org["r1"],
        account=account,
        data={"competitor_loyalty": "low", "loyalty_override_reason": " unhappy with them "},
    )
    assert prospect.loyalty_override_reason == "unhappy with them"
    # Back to the proposal: the reason goes.
    services.prospect_update(
        actor=org["r1"], prospect=prospect, data={"competitor_loyalty": "high"}
    )
    prospect.refresh_from_db()
    assert (prospect.competitor_loyalty, prospect.loyalty_override_reason) == ("high", "")
    with pytest.raises(ValidationError) as refused:
        services.prospect_update(
            actor=org["r1"], prospect=prospect, data={"competitor_loyalty": "low"}
        )
    assert "loyalty_override_reason" in refused.value.message_dict
    prospect.refresh_from_db()
    assert prospect.competitor_loyalty == "high"


def test_without_recorded_incumbents_any_loyalty_needs_no_reason(org):
    prospect = services.prospect_create(
        actor=org["r1"], account=org["accounts"]["r1"], data={"competitor_loyalty": "high"}
    )
    assert prospect.competitor_loyalty == "high"


def test_the_edit_page_shows_the_proposal_and_takes_the_reason(org, client):
    account = org["accounts"]["r1"]
    _incumbent(account, share=Decimal("60"))
    prospect = services.prospect_create(
        actor=org["r1"], account=account, data={"competitor_loyalty": "high"}
    )
    client.force_login(org["r1"])
    url = reverse("prospects:edit", args=[prospect.pk])
    html = client.get(url).content.decode()
    assert "Proposed loyalty to a competitor: High" in html
    assert "Competitors hold 60% of the customer" in html
    data = {"competitor_loyalty": "low", "source": prospect.source, "notes": ""}
    refused = client.post(url, data)
    assert refused.status_code == 200
    assert refused.context["form"].errors["loyalty_override_reason"]
    saved = client.post(url, {**data, "loyalty_override_reason": "new buyer"})
    assert saved.status_code == 302
    prospect.refresh_from_db()
    assert prospect.loyalty_override_reason == "new buyer"
    detail = client.get(reverse("prospects:detail", args=[prospect.pk])).content.decode()
    assert "new buyer" in detail


def test_the_api_takes_the_reason(org, api):
    account = org["accounts"]["r1"]
    _incumbent(account, share=Decimal("90"))
    client = api(org["r1"])
    refused = client.post(
        "/api/v1/prospects/", {"account": account.pk, "competitor_loyalty": "low"}, format="json"
    )
    assert refused.status_code == 400 and "loyalty_override_reason" in refused.json()
    created = client.post(
        "/api/v1/prospects/",
        {"account": account.pk, "competitor_loyalty": "low", "loyalty_override_reason": "why"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["loyalty_override_reason"] == "why"
