"""Type-ahead pickers (core.pickers): every account, contact and user field of a form takes a
record the user may see, by id or by code; anything else is a field error on the same form,
the other fields kept. And the API searches the pickers read, through the one book rule."""

import pytest
from django.utils import timezone

from accounts.forms import AccountForm
from accounts.models import Account
from core.pickers import TEXT_SUFFIX
from imports.forms import ConfigForm
from tests.factories import (
    AccountFactory,
    ContactFactory,
    ImportBatchFactory,
    UserFactory,
    VisitPlanFactory,
)
from visits.forms import GenerateForm, PlanForm, TouchForm, VisitForm
from visits.models import Touch, Visit, VisitPlan

pytestmark = pytest.mark.django_db

GARBAGE = "no-such-thing 号"


@pytest.fixture
def book(org):
    """r1's account with a customer code, credit code and a contact; r3's (another team)."""
    mine = org["accounts"]["r1"]
    Account.objects.filter(pk=mine.pk).update(external_code="C-0001", uscc="91310000MA1FL8TQ0X")
    mine.refresh_from_db()
    return {
        "mine": mine,
        "contact": ContactFactory(account=mine, name="王伟", phone="13800000001"),
        "foreign": org["accounts"]["r3"],
        "foreign_contact": ContactFactory(account=org["accounts"]["r3"], name="李娜"),
    }


def _visit_data(account, **extra) -> dict:
    return {
        "account": account,
        "visit_date": "2026-03-02",
        "visit_time": "10:00",
        "purpose": "新品推广",
        "outcome": "约下次",
        "duration_minutes": "45",
        "expenses": "0",
        **extra,
    }


# --- forms: a valid pick, an id outside the book, garbage ----------------------------------


@pytest.mark.parametrize("value", ["pk", "C-0001", "91310000ma1fl8tq0x", "Account of r1"], ids=str)
def test_visit_form_takes_an_account_by_id_customer_code_credit_code_or_exact_name(
    org, book, value
):
    value = book["mine"].pk if value == "pk" else value
    form = VisitForm(_visit_data(value), user=org["r1"])
    assert form.is_valid(), form.errors
    assert form.cleaned_data["account"] == book["mine"]


@pytest.mark.parametrize("form_class", [VisitForm, PlanForm, TouchForm])
@pytest.mark.parametrize("value", ["foreign", "999999999", GARBAGE])
def test_an_account_outside_the_book_or_garbage_is_a_field_error(org, book, form_class, value):
    value = str(book["foreign"].pk) if value == "foreign" else value
    data = {
        **_visit_data(value),
        "planned_date": "2026-03-02",
        "slot": "any",
        "type": "card",
        "date": "2026-03-02",
        "note": "kept",
    }
    form = form_class(data, user=org["r1"])
    assert not form.is_valid()
    assert form.errors["account"] == [f"No account you can see matches “{value}”."]
    assert list(form.errors) == ["account"]
    # The other fields keep what was typed.
    assert form["purpose"].value() == "新品推广" if "purpose" in form.fields else True
    if "note" in form.fields:
        assert form["note"].value() == "kept"


def test_text_typed_without_picking_is_matched_by_code_never_as_an_id(org, book):
    other = AccountFactory(owner=org["r1"], name="Second", external_code=str(book["mine"].pk))
    form = VisitForm(
        _visit_data("", **{"account" + TEXT_SUFFIX: str(book["mine"].pk)}), user=org["r1"]
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["account"] == other


def test_a_name_several_accounts_share_asks_to_pick_one(org, book):
    AccountFactory(owner=org["r1"], name="Twin")
    AccountFactory(owner=org["r1"], name="Twin")
    form = VisitForm(_visit_data("", account__text="Twin"), user=org["r1"])
    assert form.errors["account"] == ["Several accounts match “Twin”; pick one from the list."]


def test_a_manager_picks_a_team_members_account_not_another_teams(org, book):
    assert PlanForm(
        {"account": org["accounts"]["r2"].pk, "planned_date": "2026-03-02", "slot": "any"},
        user=org["m1"],
    ).is_valid()
    form = PlanForm(
        {"account": book["foreign"].pk, "planned_date": "2026-03-02", "slot": "any"}, user=org["m1"]
    )
    assert form.errors == {"account": [f"No account you can see matches “{book['foreign'].pk}”."]}


def test_touch_form_contact_picker(org, book):
    mine, contact = book["mine"], book["contact"]
    base = {"account": mine.pk, "type": "card", "date": "2026-03-02"}
    form = TouchForm({**base, "contact": contact.pk}, user=org["r1"])
    assert form.is_valid(), form.errors
    assert form.cleaned_data["contact"] == contact
    assert TouchForm({**base, "contact": "13800000001"}, user=org["r1"]).is_valid()
    foreign = book["foreign_contact"].pk
    form = TouchForm({**base, "contact": foreign, "note": "kept"}, user=org["r1"])
    assert form.errors == {"contact": [f"No contact you can see matches “{foreign}”."]}
    assert form["note"].value() == "kept"
    form = TouchForm({**base, "contact": GARBAGE}, user=org["r1"])
    assert form.errors == {"contact": [f"No contact you can see matches “{GARBAGE}”."]}
    # On a page opened for one account, only that account's contacts.
    other = ContactFactory(account=AccountFactory(owner=org["r1"]))
    form = TouchForm({**base, "contact": other.pk}, user=org["r1"], account=mine)
    assert form.errors == {"contact": [f"No contact you can see matches “{other.pk}”."]}


def test_visit_form_lists_the_contacts_of_the_account_it_names(org, book):
    data = _visit_data(book["mine"].pk, contacts=[book["contact"].pk])
    form = VisitForm(data, user=org["r1"])
    assert form.is_valid(), form.errors
    assert list(form.cleaned_data["contacts"]) == [book["contact"]]
    form = VisitForm(
        _visit_data(book["mine"].pk, contacts=[book["foreign_contact"].pk]), user=org["r1"]
    )
    assert list(form.errors) == ["contacts"]


@pytest.mark.parametrize("value", ["pk", "r1"], ids=str)
def test_generate_form_rep_picker_takes_an_assignable_rep(org, value):
    value = org["r1"].pk if value == "pk" else value
    form = GenerateForm({"rep": value, "period": "week", "day": "2026-03-02"}, user=org["m1"])
    assert form.is_valid(), form.errors
    assert form.cleaned_data["rep"] == org["r1"]


@pytest.mark.parametrize("value", ["r3", "inactive", GARBAGE])
def test_generate_form_refuses_a_rep_outside_the_team_a_leaver_or_garbage(org, value):
    if value == "inactive":
        UserFactory(username="inactive", team=org["t1"], is_active=False)
    form = GenerateForm({"rep": value, "period": "month", "day": "2026-03-02"}, user=org["m1"])
    assert form.errors == {"rep": [f"No user you can choose matches “{value}”."]}
    assert form["period"].value() == "month"


def test_account_form_owner_picker(org):
    data = {"name": "New Co.", "lifecycle": "existing", "channel": "direct", "source": "other"}
    form = AccountForm({**data, "owner": org["r2"].pk}, user=org["m1"])
    assert "owner" not in form.errors, form.errors
    assert form.cleaned_data["owner"] == org["r2"]
    for value in (org["r3"].pk, GARBAGE):
        form = AccountForm({**data, "owner": value}, user=org["m1"])
        assert form.errors["owner"] == ["You cannot assign accounts to this user."]
        assert form["name"].value() == "New Co."


def test_import_config_form_owner_picker(org):
    batch = ImportBatchFactory(created_by=org["m1"])
    data = {"mode": "create", "on_error": "all_or_nothing"}
    form = ConfigForm({**data, "owner": "r2"}, batch=batch, user=org["m1"])
    form.is_valid()
    assert "owner" not in form.errors
    assert form.cleaned_data["owner"] == org["r2"]
    for value in (str(org["r3"].pk), GARBAGE):
        form = ConfigForm({**data, "owner": value}, batch=batch, user=org["m1"])
        assert form.errors["owner"] == [f"No user you can choose matches “{value}”."]


def test_the_picker_renders_the_label_of_its_value_and_its_search(org, book):
    html = str(VisitForm(initial={"account": book["mine"].pk}, user=org["r1"])["account"])
    assert 'data-picker="/api/v1/accounts/"' in html
    assert 'data-picker-label="Account of r1"' in html
    assert f'value="{book["mine"].pk}"' in html
    html = str(TouchForm(user=org["r1"], account=book["mine"])["contact"])
    assert 'data-picker="/api/v1/contacts/"' in html
    assert 'data-picker-narrow="account"' in html
    html = str(GenerateForm(user=org["m1"])["rep"])
    assert 'data-picker="/api/v1/users/"' in html
    assert 'data-picker-params="is_active=true"' in html
    assert 'data-picker-label="m1"' in html


# --- the pages: a field error on the same page, not a 404 ----------------------------------


@pytest.mark.parametrize("value", ["foreign", "999999999", GARBAGE])
def test_visits_log_keeps_the_form_on_an_account_outside_the_book(client, org, book, value):
    value = str(book["foreign"].pk) if value == "foreign" else value
    client.force_login(org["r1"])
    response = client.post("/visits/log/", _visit_data(value))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors == {"account": [f"No account you can see matches “{value}”."]}
    html = response.content.decode()
    assert 'value="新品推广"' in html
    assert "约下次" in html
    assert Visit.objects.count() == 0


def test_visits_log_saves_a_picked_account_with_its_contacts(client, org, book):
    client.force_login(org["r1"])
    data = _visit_data(book["mine"].pk, contacts=[book["contact"].pk])
    response = client.post("/visits/log/", data)
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert (visit.account, visit.purpose) == (book["mine"], "新品推广")
    assert list(visit.contacts.all()) == [book["contact"]]


def test_plan_and_touch_pages_keep_the_form_on_a_foreign_account(client, org, book):
    client.force_login(org["r1"])
    foreign = book["foreign"].pk
    response = client.post(
        "/visits/plans/new/",
        {"account": foreign, "planned_date": "2026-03-02", "slot": "any", "purpose": "试"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "account": [f"No account you can see matches “{foreign}”."]
    }
    response = client.post(
        "/visits/touches/new/", {"account": foreign, "type": "card", "date": "2026-03-02"}
    )
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["account"]
    assert VisitPlan.objects.count() == Touch.objects.count() == 0


def test_a_page_opened_for_an_account_refuses_another_posted_one(client, org, book):
    client.force_login(org["r1"])
    other = AccountFactory(owner=org["r1"])
    url = f"/visits/log/?account={book['mine'].pk}"
    assert client.post(url, _visit_data(other.pk)).status_code == 404
    assert client.post(url, _visit_data(book["mine"].pk)).status_code == 302
    plan = VisitPlanFactory(account=book["mine"], planned_date=timezone.localdate())
    response = client.post("/visits/log/", _visit_data(other.pk, plan=plan.pk))
    assert response.status_code == 404
    assert Visit.objects.count() == 1


# --- the searches the pickers read ----------------------------------------------------------


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content[:300]
    return {row["id"] for row in response.json()["results"]}


def test_account_search_holds_the_book_only(api, org, book):
    for n in ("r1", "r2", "r3"):
        AccountFactory(owner=org[n], name=f"华信 {n}")
    by_name = {a.name: a.pk for a in Account.objects.all()}
    assert _ids(api(org["r1"]).get("/api/v1/accounts/", {"q": "华信"})) == {by_name["华信 r1"]}
    assert _ids(api(org["m1"]).get("/api/v1/accounts/", {"q": "华信"})) == {
        by_name["华信 r1"],
        by_name["华信 r2"],
    }
    assert _ids(api(org["r1"]).get("/api/v1/accounts/", {"q": "C-0001"})) == {book["mine"].pk}
    assert _ids(api(org["r3"]).get("/api/v1/accounts/", {"q": "C-0001"})) == set()


def test_contact_search_by_name_or_phone_narrowed_to_an_account(api, org, book):
    rep = api(org["r1"])
    assert _ids(rep.get("/api/v1/contacts/", {"q": "王"})) == {book["contact"].pk}
    assert _ids(rep.get("/api/v1/contacts/", {"q": "0001"})) == {book["contact"].pk}
    narrowed = {"q": "王", "account": org["accounts"]["r2"].pk}
    assert _ids(api(org["m1"]).get("/api/v1/contacts/", narrowed)) == set()
    assert _ids(rep.get("/api/v1/contacts/", {"q": "李"})) == set()


def test_user_search_by_name_or_username_within_who_one_sees(api, org):
    UserFactory(username="r5", first_name="小", last_name="明", team=org["t1"], is_active=False)
    by_name = {u.username: u.pk for u in org["t1"].members.all()}
    manager = api(org["m1"])
    assert _ids(manager.get("/api/v1/users/", {"q": "r"})) == {
        by_name["r1"],
        by_name["r2"],
        by_name["r5"],
    }
    assert _ids(manager.get("/api/v1/users/", {"q": "r", "is_active": "true"})) == {
        by_name["r1"],
        by_name["r2"],
    }
    assert _ids(manager.get("/api/v1/users/", {"q": "小 明"})) == {by_name["r5"]}
    assert _ids(api(org["r1"]).get("/api/v1/users/", {"q": "r"})) == {org["r1"].pk}
    assert _ids(api(org["m2"]).get("/api/v1/users/", {"q": "r1"})) == set()
    assert api(org["m1"]).get("/api/v1/users/", {"is_active": "maybe"}).status_code == 400


def test_a_record_deleted_before_the_form_is_sent_is_a_field_error(client, org, book):
    gone = AccountFactory(owner=org["r1"], name="Gone Co.")
    gone_pk = gone.pk
    gone.delete()
    client.force_login(org["r1"])
    response = client.post("/visits/log/", _visit_data(gone_pk))
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "account": [f"No account you can see matches “{gone_pk}”."]
    }
    assert 'value="新品推广"' in response.content.decode()
    assert Visit.objects.count() == 0
