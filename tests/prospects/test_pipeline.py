"""Pipeline health: the minimum at its boundary (24/25/26) for the rep and the manager,
counts per rep, the coverage warning, and the settings page."""

import pytest
from django.urls import reverse

from accounts.models import Account, Contact
from prospects.models import Prospect, ProspectSettings
from prospects.selectors import (
    accounts_missing_decision_maker,
    pipeline_counts_by_rep,
    rep_pipeline_status,
)
from tests.factories import AccountFactory, ContactFactory, ProspectFactory, TerritoryFactory

pytestmark = pytest.mark.django_db


def give_prospects(owner, n, *, colour="green", decision="keep_visiting", reason=""):
    accounts = [
        AccountFactory(owner=owner, lifecycle=Account.Lifecycle.POTENTIAL) for _ in range(n)
    ]
    Prospect.objects.bulk_create(
        Prospect(account=a, colour=colour, decision=decision, decision_reason=reason)
        for a in accounts
    )
    return accounts


@pytest.mark.parametrize(("open_count", "below"), [(24, True), (25, False), (26, False)])
def test_minimum_warning_at_the_boundary(client, org, open_count, below):
    # Red (won) and abandoned prospects do not count toward the open pipeline.
    give_prospects(org["r1"], open_count - 4, colour="green")
    give_prospects(org["r1"], 4, colour="yellow")
    give_prospects(org["r1"], 3, colour="red")
    give_prospects(org["r1"], 2, decision="abandon", reason="no budget")
    status = rep_pipeline_status(org["r1"])
    assert (status["open"], status["minimum"], status["below"]) == (open_count, 25, below)
    assert status["shortfall"] == (1 if below else 0)
    assert (status["green"], status["yellow"], status["red"]) == (open_count - 4, 4, 3)

    client.force_login(org["r1"])
    for url in (reverse("prospects:board"), reverse("prospects:list")):
        page = client.get(url).content.decode()
        assert ('data-testid="pipeline-banner"' in page) is below
    card = client.get(reverse("accounts:detail", args=[org["accounts"]["r1"].pk])).content.decode()
    assert ("below the minimum of 25" in card) is below

    client.force_login(org["m1"])
    board = client.get(reverse("prospects:board")).content.decode()
    # r2 has no prospects at all, so the team is always short by at least one rep.
    assert ("2 reps are below the pipeline minimum." in board) is below
    assert ("1 rep is below the pipeline minimum." in board) is not below
    team = client.get(reverse("prospects:team"))
    rows = {r["username"]: r for r in team.context["rows"]}
    assert set(rows) == {"r1", "r2"}
    assert (rows["r1"]["open"], rows["r1"]["below"]) == (open_count, below)
    assert (rows["r2"]["open"], rows["r2"]["below"], rows["r2"]["shortfall"]) == (0, True, 25)
    assert f"{open_count} / 25" in team.content.decode()


def test_the_minimum_is_a_setting(org):
    give_prospects(org["r1"], 3)
    ProspectSettings.objects.update_or_create(pk=1, defaults={"pipeline_minimum": 3})
    assert rep_pipeline_status(org["r1"])["below"] is False
    ProspectSettings.objects.filter(pk=1).update(pipeline_minimum=4)
    assert rep_pipeline_status(org["r1"])["below"] is True


def test_counts_by_rep_follow_the_visibility_rule_and_filters(org):
    territory = TerritoryFactory(name="华东")
    org["r3"].territory = territory
    org["r3"].save()
    give_prospects(org["r1"], 2)
    give_prospects(org["r3"], 1, colour="yellow")
    assert [r["username"] for r in pipeline_counts_by_rep(user=org["r1"])] == ["r1"]
    assert [r["username"] for r in pipeline_counts_by_rep(user=org["m1"])] == ["r2", "r1"]
    assert [r["username"] for r in pipeline_counts_by_rep(user=org["admin"])] == [
        "r2",
        "r4",
        "r3",
        "r1",
    ]
    assert [r["username"] for r in pipeline_counts_by_rep(user=org["admin"], team=org["t2"])] == [
        "r4",
        "r3",
    ]
    assert [
        (r["username"], r["yellow"])
        for r in pipeline_counts_by_rep(user=org["admin"], territory=territory)
    ] == [("r3", 1)]
    assert pipeline_counts_by_rep(user=org["m1"], owner=org["r3"]) == []
    assert rep_pipeline_status(org["m1"]) is None


def test_coverage_warning_for_a_tier_and_yellow_without_decision_maker(client, org):
    a_tier = AccountFactory(owner=org["r1"], name="A tier no DM", tier="A")
    a_tier_ok = AccountFactory(owner=org["r1"], name="A tier with DM", tier="A")
    ContactFactory(account=a_tier_ok, role=Contact.Role.DECISION_MAKER)
    yellow = AccountFactory(owner=org["r1"], name="Yellow no DM", tier="C")
    ContactFactory(account=yellow, role=Contact.Role.HANDLER)
    ProspectFactory(account=yellow, colour="yellow")
    green = AccountFactory(owner=org["r1"], name="Green no DM")
    ProspectFactory(account=green, colour="green")
    abandoned = AccountFactory(owner=org["r1"], name="Yellow abandoned")
    ProspectFactory(account=abandoned, colour="yellow", decision="abandon", decision_reason="x")
    AccountFactory(owner=org["r3"], name="Not mine A", tier="A")
    missing = accounts_missing_decision_maker(user=org["r1"])
    assert [(a.name, a.prospect_colour) for a in missing] == [
        ("A tier no DM", None),
        ("Yellow no DM", "yellow"),
    ]
    assert accounts_missing_decision_maker(user=org["admin"], team=org["t2"]).count() == 1
    client.force_login(org["r1"])
    page = client.get(reverse("prospects:coverage")).content.decode()
    assert "A tier no DM" in page and "Yellow no DM" in page and "Not mine A" not in page
    card = client.get(reverse("accounts:detail", args=[a_tier.pk])).content.decode()
    assert "No contact at this account is marked decision maker." in card
    card = client.get(reverse("accounts:detail", args=[a_tier_ok.pk])).content.decode()
    assert "No contact at this account is marked decision maker." not in card


def test_settings_page_is_for_admins_and_validates(client, org):
    url = reverse("prospects:settings")
    for name in ("r1", "m1"):
        client.force_login(org[name])
        assert client.get(url).status_code == 404
        assert client.post(url, {"pipeline_minimum": 5}).status_code == 404
    assert ProspectSettings.load().pipeline_minimum == 25
    client.force_login(org["admin"])
    hub = client.get(reverse("settings")).content.decode()
    assert url in hub
    bad = client.post(url, {"pipeline_minimum": 0})
    assert bad.status_code == 200 and "pipeline_minimum" in bad.context["form"].errors
    assert ProspectSettings.load().pipeline_minimum == 25
    assert client.post(url, {"pipeline_minimum": 30}).status_code == 302
    assert ProspectSettings.load().pipeline_minimum == 30
