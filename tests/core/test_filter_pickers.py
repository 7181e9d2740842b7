"""The rep, owner, actor and account filters of the filter bars are type-ahead pickers
(core.filters.FilterSet.with_pickers, core.pickers): the accounts list's, the pipeline board's
and list's owner, the visits
calendar's and due list's rep, the audit page's who and account. A picked id narrows the
list; a value outside the book is the filter's error on the page (never a 404 or 500); the
API's FilterSets keep reading plain ids (an owner outside the book: an empty list; a value that
is no id: 400)."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from core.audit import audit_log
from tests.factories import AccountFactory, ProspectFactory, VisitPlanFactory

pytestmark = pytest.mark.django_db


class _Inputs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.inputs: list[dict[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "input":
            self.inputs.append(dict(attrs))


def picker_input(html: str, name: str) -> dict[str, str | None]:
    """The attributes of the one input named `name` in the page."""
    parser = _Inputs()
    parser.feed(html)
    found = [attrs for attrs in parser.inputs if attrs.get("name") == name]
    assert len(found) == 1, found
    return found[0]


def assert_is_picker(attrs, *, url: str, kind: str, label: str, placeholder: str) -> None:
    """The markup static/js/picker.js turns into a combobox (role=combobox, a listbox)."""
    assert attrs["type"] == "text"
    assert attrs["data-picker"] == url
    assert attrs["data-picker-kind"] == kind
    assert attrs["data-picker-label"] == label
    assert attrs["data-picker-empty"] == "Nothing found."
    assert attrs["placeholder"] == placeholder
    assert attrs["autocomplete"] == "off"


# --- Accounts list: owner --------------------------------------------------------------------


def test_accounts_list_owner_filter_is_a_picker_narrowing_to_the_picked_owner(client, org):
    client.force_login(org["m1"])
    page = client.get(reverse("accounts:list"), {"owner": org["r2"].pk})
    assert page.status_code == 200
    assert [a.name for a in page.context["page"].object_list] == ["Account of r2"]
    html = page.content.decode()
    owner = picker_input(html, "owner")
    assert_is_picker(owner, url="/api/v1/users/", kind="user", label="r2", placeholder="All owners")
    assert owner["value"] == str(org["r2"].pk)
    assert "data-picker-params" not in owner  # inactive owners too: their accounts are listed
    # The list's pager, sort links and bulk bar repeat the filter with the owner's id.
    assert page.context["query"] == f"owner={org['r2'].pk}"
    # No filter: the manager's whole book, the picker empty.
    everything = client.get(reverse("accounts:list"))
    assert [a.name for a in everything.context["page"].object_list] == [
        "Account of r1",
        "Account of r2",
    ]
    assert picker_input(everything.content.decode(), "owner")["data-picker-label"] == ""


def test_accounts_list_owner_typed_without_picking_is_resolved_for_links_and_exports(client, org):
    client.force_login(org["m1"])
    page = client.get(reverse("accounts:list"), {"owner": "", "owner__text": "r2"})
    assert [a.name for a in page.context["page"].object_list] == ["Account of r2"]
    assert page.context["query"] == f"owner={org['r2'].pk}"
    assert page.context["export_query"] == f"owner={org['r2'].pk}"
    html = page.content.decode()
    assert f'/accounts/export/accounts.csv?owner={org["r2"].pk}"' in html


@pytest.mark.parametrize("value", ["r3", "999999999", "0.5"])
def test_accounts_list_owner_outside_the_book_is_the_filters_error(client, org, value):
    client.force_login(org["m1"])
    if value == "r3":
        value = str(org["r3"].pk)
    page = client.get(reverse("accounts:list"), {"owner": value})
    assert page.status_code == 200
    assert list(page.context["page"].object_list) == []
    assert page.context["filter_errors"] == [f"Owner: No user you can choose matches “{value}”."]
    html = page.content.decode()
    assert '<ul class="errorlist" role="alert"><li>Owner: No user you can choose matches' in html
    assert "Account of r3" not in html


def test_accounts_api_keeps_plain_owner_ids(api, org):
    client = api(org["m1"])
    url = reverse("account-list")
    picked = client.get(url, {"owner": org["r2"].pk})
    assert [a["name"] for a in picked.json()["results"]] == ["Account of r2"]
    outside = client.get(url, {"owner": org["r3"].pk})
    assert (outside.status_code, outside.json()["results"]) == (200, [])
    assert client.get(url, {"owner": "0.5"}).status_code == 400
    # A picker's typed text means nothing to the API.
    typed = client.get(url, {"owner__text": "r3"})
    assert sorted(a["name"] for a in typed.json()["results"]) == ["Account of r1", "Account of r2"]


# --- Visits calendar and due list: rep -------------------------------------------------------


@pytest.fixture
def plans(org):
    today = timezone.localdate()
    return {
        r: VisitPlanFactory(account=org["accounts"][r], planned_date=today)
        for r in ("r1", "r2", "r3")
    }


def test_calendar_rep_filter_is_a_picker_narrowing_to_the_picked_rep(client, org, plans):
    client.force_login(org["m1"])
    page = client.get(reverse("visits:calendar"), {"rep": org["r2"].pk})
    assert page.status_code == 200
    html = page.content.decode()
    rep = picker_input(html, "rep")
    assert_is_picker(rep, url="/api/v1/users/", kind="user", label="r2", placeholder="Whole team")
    assert rep["data-picker-params"] == "is_active=true"
    assert f"/visits/plans/{plans['r2'].pk}/" in html
    assert f"/visits/plans/{plans['r1'].pk}/" not in html
    team = client.get(reverse("visits:calendar")).content.decode()
    assert f"/visits/plans/{plans['r1'].pk}/" in team and f"/visits/plans/{plans['r2'].pk}/" in team
    assert f"/visits/plans/{plans['r3'].pk}/" not in team


def test_calendar_rep_outside_the_book_is_the_filters_error(client, org, plans):
    client.force_login(org["m1"])
    page = client.get(reverse("visits:calendar"), {"rep": org["r3"].pk})
    assert page.status_code == 200
    assert page.context["filter_errors"] == [
        f"Rep: No user you can choose matches “{org['r3'].pk}”."
    ]
    html = page.content.decode()
    assert '<ul class="errorlist" role="alert"><li>Rep: No user you can choose' in html
    for plan in plans.values():
        assert f"/visits/plans/{plan.pk}/" not in html
    # A rep sees their own calendar and no rep filter; another rep is the same error.
    client.force_login(org["r1"])
    own = client.get(reverse("visits:calendar")).content.decode()
    assert 'name="rep"' not in own and f"/visits/plans/{plans['r1'].pk}/" in own
    other = client.get(reverse("visits:calendar"), {"rep": org["r2"].pk})
    assert (other.status_code, len(other.context["filter_errors"])) == (200, 1)


def test_due_list_rep_filter_is_a_picker_and_refuses_a_rep_outside(client, org):
    for name in ("r1", "r2", "r3"):
        account = org["accounts"][name]
        account.tier = "A"
        account.save(update_fields=["tier"])
    client.force_login(org["m1"])
    everyone = client.get(reverse("visits:due"))
    assert sorted(a.name for a in everyone.context["page"].object_list) == [
        "Account of r1",
        "Account of r2",
    ]
    page = client.get(reverse("visits:due"), {"rep": org["r2"].pk})
    assert [a.name for a in page.context["page"].object_list] == ["Account of r2"]
    rep = picker_input(page.content.decode(), "rep")
    assert_is_picker(rep, url="/api/v1/users/", kind="user", label="r2", placeholder="All owners")
    outside = client.get(reverse("visits:due"), {"rep": org["r3"].pk})
    assert outside.status_code == 200
    assert list(outside.context["page"].object_list) == []
    assert outside.context["filter_errors"] == [
        f"Rep: No user you can choose matches “{org['r3'].pk}”."
    ]
    assert "Account of r3" not in outside.content.decode()


# --- Audit page: account ---------------------------------------------------------------------


def test_audit_account_filter_is_a_picker_narrowing_to_the_picked_account(client, org):
    first, second = org["accounts"]["r1"], org["accounts"]["r3"]
    for account in (first, second):
        audit_log(actor=org["admin"], action="update", instance=account, account_id=account.pk)
    gone = AccountFactory(owner=org["r1"], name="Closed Ltd.")
    gone_pk = gone.pk
    audit_log(actor=org["admin"], action="delete", instance=gone, account_id=gone_pk)
    gone.delete()
    client.force_login(org["admin"])
    page = client.get(reverse("audit"), {"account": second.pk})
    assert page.status_code == 200
    assert [e.account_id for e in page.context["page"].object_list] == [second.pk]
    account = picker_input(page.content.decode(), "account")
    assert_is_picker(
        account,
        url="/api/v1/accounts/",
        kind="account",
        label="Account of r3",
        placeholder="All accounts",
    )
    # A deleted account's history stays reachable by its id.
    deleted = client.get(reverse("audit"), {"account": gone_pk})
    assert [e.account_id for e in deleted.context["page"].object_list] == [gone_pk]
    assert deleted.context["filter_errors"] == []
    # Typed without picking: the exact name.
    typed = client.get(reverse("audit"), {"account": "", "account__text": "Account of r1"})
    assert [e.account_id for e in typed.context["page"].object_list] == [first.pk]
    assert typed.context["query"] == f"account={first.pk}"


def test_audit_account_that_no_one_can_see_is_the_filters_error(client, org):
    audit_log(
        actor=org["admin"],
        action="update",
        instance=org["accounts"]["r1"],
        account_id=org["accounts"]["r1"].pk,
    )
    client.force_login(org["admin"])
    page = client.get(reverse("audit"), {"account": "999999999"})
    assert page.status_code == 200
    assert list(page.context["page"].object_list) == []
    assert page.context["filter_errors"] == ["Account: No account you can see matches “999999999”."]
    assert "Account: No account you can see matches" in page.content.decode()


def test_audit_who_filter_is_a_user_picker(client, org):
    for actor in (org["r1"], org["r3"]):
        audit_log(
            actor=actor,
            action="update",
            instance=org["accounts"][actor.username],
            account_id=org["accounts"][actor.username].pk,
        )
    client.force_login(org["admin"])
    page = client.get(reverse("audit"), {"actor": org["r3"].pk})
    assert [e.actor_id for e in page.context["page"].object_list] == [org["r3"].pk]
    actor = picker_input(page.content.decode(), "actor")
    assert_is_picker(actor, url="/api/v1/users/", kind="user", label="r3", placeholder="Everyone")
    typed = client.get(reverse("audit"), {"actor": "", "actor__text": "r1"})
    assert [e.actor_id for e in typed.context["page"].object_list] == [org["r1"].pk]
    unknown = client.get(reverse("audit"), {"actor": "999999999"})
    assert unknown.status_code == 200
    assert list(unknown.context["page"].object_list) == []
    assert unknown.context["filter_errors"] == ["Who: No user you can choose matches “999999999”."]


# --- Pipeline board and list: owner ----------------------------------------------------------


@pytest.mark.parametrize("url_name", ["prospects:list", "prospects:board"])
def test_prospect_owner_filter_is_a_picker_and_refuses_an_owner_outside(client, org, url_name):
    for name in ("r1", "r2", "r3"):
        ProspectFactory(account=org["accounts"][name])
    client.force_login(org["m1"])
    url = reverse(url_name)
    page = client.get(url, {"owner": org["r2"].pk})
    assert page.status_code == 200
    html = page.content.decode()
    owner = picker_input(html, "owner")
    assert_is_picker(owner, url="/api/v1/users/", kind="user", label="r2", placeholder="All owners")
    assert "Account of r2" in html and "Account of r1" not in html
    assert page.context["query"].startswith(f"owner={org['r2'].pk}")
    typed = client.get(url, {"owner": "", "owner__text": "r2"})
    assert f"owner={org['r2'].pk}" in typed.context["query"]
    assert "owner__text" not in typed.context["query"]
    outside = client.get(url, {"owner": org["r3"].pk})
    assert outside.status_code == 200
    html = outside.content.decode()
    assert f"Owner: No user you can choose matches “{org['r3'].pk}”." in html
    assert "Account of r3" not in html and "Account of r1" not in html


def test_prospects_api_keeps_the_owner_id_filter(api, org):
    for name in ("r1", "r2", "r3"):
        ProspectFactory(account=org["accounts"][name])
    client = api(org["m1"])
    url = reverse("prospect-list")
    picked = client.get(url, {"owner": org["r2"].pk})
    assert [p["account"] for p in picked.json()["results"]] == [org["accounts"]["r2"].pk]
    assert client.get(url, {"owner": org["r3"].pk}).status_code == 400
