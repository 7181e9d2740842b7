"""Reassigning accounts (one on its form, many from the list or the API): done work stays with
whoever did it, future plans and open reminders move, both reps are notified, the reason is in
the audit trail, and every refusal writes nothing."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import Account
from core.models import AuditEntry
from tests.factories import (
    AccountFactory,
    ChecklistItemFactory,
    ContactFactory,
    ReminderFactory,
    TouchFactory,
    VisitFactory,
    VisitPlanFactory,
)
from visits.models import ChecklistTick, Reminder, Touch, VisitPlan
from visits.selectors import reminder_text, reminders_inbox

pytestmark = pytest.mark.django_db


def _owners(*accounts: Account) -> list[str]:
    return [Account.objects.get(pk=a.pk).owner.username for a in accounts]


def _notifications(user) -> list[tuple[str, int]]:
    return sorted(
        Reminder.objects.filter(recipient=user, kind=Reminder.Kind.ACCOUNT_REASSIGNED)
        .order_by("account_id")
        .values_list("occasion_code", "account_id")
    )


@pytest.fixture
def worked(org):
    """r1's account with a visit r1 logged (its plan done), a plan for tomorrow, an overdue
    "visit tomorrow" reminder for r1 and a contact."""
    account = org["accounts"]["r1"]
    today = timezone.localdate()
    done_plan = VisitPlanFactory(
        account=account, planned_date=today - datetime.timedelta(days=3), status="done"
    )
    visit = VisitFactory(
        account=account,
        visit_date=today - datetime.timedelta(days=3),
        plan=done_plan,
        logged_by=org["r1"],
        purpose="Demo of the new line",
    )
    future = VisitPlanFactory(
        account=account, planned_date=today + datetime.timedelta(days=1), purpose="Follow-up"
    )
    reminder = ReminderFactory(
        account=account,
        recipient=org["r1"],
        kind=Reminder.Kind.VISIT_TOMORROW,
        subject=f"plan:{future.pk}",
        occasion_code="visit_tomorrow",
        plan=future,
        date=future.planned_date,
        remind_on=today,
    )
    return {
        "account": account,
        "visit": visit,
        "done_plan": done_plan,
        "future": future,
        "reminder": reminder,
    }


# --- (1) the done-work rule, on the one-account form --------------------------------------


def test_the_previous_rep_still_opens_the_visit_they_logged(client, org, worked):
    services.account_update(actor=org["m1"], account=worked["account"], data={"owner": org["r2"]})
    client.force_login(org["r1"])
    detail = client.get(reverse("visits:visit_detail", args=[worked["visit"].pk]))
    assert detail.status_code == 200
    assert "Demo of the new line" in detail.content.decode()
    # Read-only: no way to the account, its plans or the edit form.
    assert reverse("accounts:detail", args=[worked["account"].pk]) not in detail.content.decode()
    edit = client.get(reverse("visits:visit_edit", args=[worked["visit"].pk]))
    assert (edit.status_code, edit["Location"]) == (
        302,
        reverse("visits:visit_detail", args=[worked["visit"].pk]),
    )
    assert client.post(reverse("visits:visit_delete", args=[worked["visit"].pk])).status_code == 302
    assert worked["visit"].__class__.objects.filter(pk=worked["visit"].pk).exists()
    # The rest of the account is no longer theirs.
    contact = ContactFactory(account=worked["account"], name="Ms Secret", phone="13911112222")
    other_visit = VisitFactory(account=worked["account"], logged_by=org["r2"], purpose="r2's")
    for url in (
        reverse("accounts:detail", args=[worked["account"].pk]),
        reverse("accounts:contact_edit", args=[contact.pk]),
        reverse("visits:visit_detail", args=[other_visit.pk]),
        reverse("contact-detail", args=[contact.pk]),
        reverse("visits:plan_detail", args=[worked["future"].pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert "13911112222" not in detail.content.decode()
    listed = client.get(reverse("visits:visit_list")).content.decode()
    assert reverse("visits:visit_detail", args=[worked["visit"].pk]) in listed
    assert reverse("accounts:detail", args=[worked["account"].pk]) not in listed
    assert reverse("visits:visit_detail", args=[other_visit.pk]) not in listed
    api = client.get(reverse("visit-detail", args=[worked["visit"].pk]))
    assert api.status_code == 200
    refused = client.patch(
        reverse("visit-detail", args=[worked["visit"].pk]),
        {"purpose": "changed"},
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert worked["visit"].__class__.objects.get(pk=worked["visit"].pk).purpose == (
        "Demo of the new line"
    )


def _plan_state(plan: VisitPlan) -> tuple:
    plan = VisitPlan.objects.get(pk=plan.pk)
    ticks = sorted(ChecklistTick.objects.filter(plan=plan).values_list("item_id", flat=True))
    return plan.status, plan.planned_date, plan.purpose, ticks


def test_the_previous_rep_still_opens_the_plan_and_touch_they_did_read_only(client, org, worked):
    item = ChecklistItemFactory(text_en="Bring the samples")
    touch = TouchFactory(
        account=worked["account"], created_by=org["r1"], note="Mooncakes sent", type="gift"
    )
    other_touch = TouchFactory(account=worked["account"], created_by=org["r2"], note="r2's note")
    contact = ContactFactory(account=worked["account"], name="Ms Secret", role="decision_maker")
    services.account_update(actor=org["m1"], account=worked["account"], data={"owner": org["r2"]})
    client.force_login(org["r1"])
    done_url = reverse("visits:plan_detail", args=[worked["done_plan"].pk])
    page = client.get(done_url)
    assert page.status_code == 200
    html = page.content.decode()
    # Who did it, read-only: no edit, cancel, checklist form, card link or the account's contacts.
    assert "r1" in html and "Bring the samples" in html
    for hidden in (
        reverse("visits:plan_edit", args=[worked["done_plan"].pk]),
        reverse("visits:plan_cancel", args=[worked["done_plan"].pk]),
        reverse("visits:plan_checklist", args=[worked["done_plan"].pk]),
        reverse("accounts:detail", args=[worked["account"].pk]),
        "Ms Secret",
    ):
        assert hidden not in html, hidden
    before = _plan_state(worked["done_plan"])
    for name, data in (
        ("visits:plan_edit", {"planned_date": "2030-01-01", "purpose": "changed"}),
        ("visits:plan_cancel", {}),
        ("visits:plan_checklist", {"items": [item.pk]}),
    ):
        response = client.post(reverse(name, args=[worked["done_plan"].pk]), data)
        assert (response.status_code, response["Location"]) == (302, done_url), name
        assert _plan_state(worked["done_plan"]) == before, name
    # No visit can be logged for it from its address.
    assert client.get(reverse("visits:log"), {"plan": worked["done_plan"].pk}).status_code == 404
    # Their touch: listed (no card link, no contact), opened read-only; writes change nothing.
    touch_url = reverse("visits:touch_edit", args=[touch.pk])
    listed = client.get(reverse("visits:touch_list")).content.decode()
    assert touch_url in listed
    assert reverse("visits:touch_edit", args=[other_touch.pk]) not in listed
    assert reverse("accounts:detail", args=[worked["account"].pk]) not in listed
    opened = client.get(touch_url)
    assert opened.status_code == 200
    assert "Mooncakes sent" in opened.content.decode()
    assert 'name="note"' not in opened.content.decode()  # no edit form
    for url, data in (
        (touch_url, {"note": "changed", "type": "call"}),
        (
            reverse("visits:touch_delete", args=[touch.pk]),
            {},
        ),
    ):
        response = client.post(url, data)
        assert (response.status_code, response["Location"]) == (302, touch_url)
    assert Touch.objects.get(pk=touch.pk).note == "Mooncakes sent"
    # The rest of the account's plans and touches and its card are not theirs.
    for url in (
        reverse("visits:plan_detail", args=[worked["future"].pk]),
        reverse("visits:touch_edit", args=[other_touch.pk]),
        reverse("accounts:detail", args=[worked["account"].pk]),
        reverse("visit-plan-detail", args=[worked["future"].pk]),
        reverse("touch-detail", args=[other_touch.pk]),
        reverse("contact-detail", args=[contact.pk]),
    ):
        assert client.get(url).status_code == 404, url


def test_the_api_reads_the_previous_reps_done_plan_and_touch_and_refuses_writes(api, org, worked):
    item = ChecklistItemFactory(text_en="Bring the samples")
    touch = TouchFactory(account=worked["account"], created_by=org["r1"], note="Mooncakes sent")
    services.account_update(actor=org["m1"], account=worked["account"], data={"owner": org["r2"]})
    client = api(org["r1"])
    plan_url = reverse("visit-plan-detail", args=[worked["done_plan"].pk])
    got = client.get(plan_url)
    assert (got.status_code, got.json()["status"]) == (200, "done")
    listed = client.get(reverse("visit-plan-list")).json()["results"]
    assert [p["id"] for p in listed] == [worked["done_plan"].pk]
    before = _plan_state(worked["done_plan"])
    refused = [
        client.patch(plan_url, {"purpose": "changed"}, format="json"),
        client.delete(plan_url),
        client.put(
            reverse("visit-plan-checklist", args=[worked["done_plan"].pk]),
            {"items": [item.pk]},
            format="json",
        ),
    ]
    assert [r.status_code for r in refused] == [400, 400, 400]
    assert refused[0].json() == {"account": ["Select an account you can see."]}
    assert _plan_state(worked["done_plan"]) == before
    touch_url = reverse("touch-detail", args=[touch.pk])
    assert client.get(touch_url).json()["note"] == "Mooncakes sent"
    assert client.patch(touch_url, {"note": "changed"}, format="json").status_code == 400
    assert client.delete(touch_url).status_code == 400
    assert Touch.objects.get(pk=touch.pk).note == "Mooncakes sent"
    # A visit cannot be attached to the done plan through the API either.
    other = AccountFactory(owner=org["r1"])
    attach = client.post(
        reverse("visit-list"),
        {"account": other.pk, "visit_date": "2026-05-02", "plan": worked["done_plan"].pk},
        format="json",
    )
    assert attach.status_code == 400 and "plan" in attach.json()
    # The new owner gets the future plan (and the done one, in their book).
    mine = api(org["r2"]).get(reverse("visit-plan-list")).json()["results"]
    assert {p["id"] for p in mine} == {worked["done_plan"].pk, worked["future"].pk}
    assert (
        api(org["r2"])
        .patch(
            reverse("visit-plan-detail", args=[worked["future"].pk]),
            {"purpose": "Moved with the account"},
            format="json",
        )
        .status_code
        == 200
    )


def test_the_card_shows_who_did_the_done_work(client, org, worked):
    TouchFactory(account=worked["account"], created_by=org["r1"], note="Mooncakes sent")
    services.account_update(actor=org["m1"], account=worked["account"], data={"owner": org["r2"]})
    client.force_login(org["r2"])
    card = client.get(reverse("accounts:detail", args=[worked["account"].pk])).content.decode()
    assert card.count("by r1") == 2  # the visit and the touch
    page = client.get(reverse("visits:plan_detail", args=[worked["done_plan"].pk]))
    html = page.content.decode()
    assert reverse("visits:visit_detail", args=[worked["visit"].pk]) in html
    assert "r1" in html
    # The plan is in r2's book now, but done: no edit or cancel button.
    assert reverse("visits:plan_edit", args=[worked["done_plan"].pk]) not in html


def test_the_new_rep_gets_the_future_plans_and_open_reminders(client, org, worked):
    services.account_update(actor=org["m1"], account=worked["account"], data={"owner": org["r2"]})
    worked["reminder"].refresh_from_db()
    assert worked["reminder"].recipient == org["r2"]
    client.force_login(org["r2"])
    card = client.get(reverse("accounts:detail", args=[worked["account"].pk])).content.decode()
    assert reverse("visits:plan_detail", args=[worked["future"].pk]) in card
    # The done work shows who did it.
    assert "by r1" in card
    assert client.get(reverse("visits:plan_detail", args=[worked["future"].pk])).status_code == 200
    assert client.get(reverse("visits:visit_detail", args=[worked["visit"].pk])).status_code == 200
    assert _notifications(org["r2"]) == [("reassigned_to", worked["account"].pk)]
    assert _notifications(org["r1"]) == [("reassigned_from", worked["account"].pk)]


# --- (2) bulk reassignment: the service ----------------------------------------------------


def test_a_manager_reassigns_within_the_team_with_reason_audit_and_notifications(org, worked):
    second = AccountFactory(owner=org["r1"], name="Second of r1")
    mine = AccountFactory(owner=org["r2"], name="Already r2's")
    moves = services.accounts_bulk_reassign(
        actor=org["m1"],
        new_owner=org["r2"],
        reason="r1 moves to the key-account desk",
        account_ids=[worked["account"].pk, second.pk, mine.pk],
    )
    assert sorted(moves) == sorted(
        [(worked["account"].pk, org["r1"].pk), (second.pk, org["r1"].pk)]
    )
    assert _owners(worked["account"], second, mine) == ["r2", "r2", "r2"]
    entries = AuditEntry.objects.filter(action="reassign").order_by("account_id")
    assert [(e.actor, e.model, e.account_id, e.changes) for e in entries] == [
        (
            org["m1"],
            "accounts.Account",
            pk,
            {
                "owner": [org["r1"].pk, org["r2"].pk],
                "_extra": {"reason": "r1 moves to the key-account desk"},
            },
        )
        for pk in sorted([worked["account"].pk, second.pk])
    ]
    expected = sorted([worked["account"].pk, second.pk])
    assert _notifications(org["r2"]) == [("reassigned_to", pk) for pk in expected]
    assert _notifications(org["r1"]) == [("reassigned_from", pk) for pk in expected]
    # Both show in each rep's inbox (the previous rep's too, though the account left the book).
    inbox_r1 = [reminder_text(r) for r in reminders_inbox(org["r1"])]
    today = timezone.localdate().isoformat()
    assert f"Second of r1 was reassigned from you to another rep on {today}." in inbox_r1
    inbox_r2 = [reminder_text(r) for r in reminders_inbox(org["r2"])]
    assert f"Second of r1 was reassigned to you on {today}." in inbox_r2
    # The visit stays r1's work; the future plan's reminder went to r2.
    worked["visit"].refresh_from_db()
    worked["reminder"].refresh_from_db()
    assert (worked["visit"].logged_by, worked["reminder"].recipient) == (org["r1"], org["r2"])


def test_all_matching_a_filter_and_an_admin_anywhere(org):
    extra = AccountFactory(owner=org["r3"], industry="Mining")
    AccountFactory(owner=org["r3"], industry="Farming")
    moves = services.accounts_bulk_reassign(
        actor=org["admin"],
        new_owner=org["r1"],
        reason="Mining goes north",
        filters={"owner": str(org["r3"].pk), "industry": "Mining"},
    )
    assert moves == [(extra.pk, org["r3"].pk)]
    assert _owners(extra) == ["r1"]
    assert Account.objects.filter(owner=org["r3"]).count() == 2


def _state():
    return (
        list(Account.objects.order_by("pk").values_list("pk", "owner_id")),
        AuditEntry.objects.count(),
        Reminder.objects.count(),
    )


@pytest.mark.parametrize(
    "actor, kwargs, error",
    [
        (
            "m1",
            {"new_owner": "r2", "reason": "  ", "account_ids": ["r1"]},
            {"reason": ["Give the reason for the reassignment."]},
        ),
        (
            "m1",
            {"new_owner": "r3", "reason": "To the south", "account_ids": ["r1"]},
            {"new_owner": ["You cannot assign accounts to this user."]},
        ),
        (
            "m1",
            {"new_owner": "r2", "reason": "Grab", "account_ids": ["r1", "r3"]},
            {"account_ids": ["These accounts are not in your book: {r3}."]},
        ),
        (
            "m1",
            {"new_owner": "r2", "reason": "Nothing", "account_ids": []},
            {"account_ids": ["Select the accounts to reassign."]},
        ),
        (
            "m1",
            {"new_owner": "r2", "reason": "Bad filter", "filters": {"tier": "Z"}},
            {"filter": ["Tier: Select a valid choice. Z is not one of the available choices."]},
        ),
    ],
)
def test_a_refusal_names_the_field_and_writes_nothing(org, actor, kwargs, error):
    accounts = org["accounts"]
    args = dict(kwargs)
    args["new_owner"] = org[args["new_owner"]]
    if "account_ids" in args:
        args["account_ids"] = [accounts[name].pk for name in args["account_ids"]]
    expected = {
        field: [m.format(r3=accounts["r3"].pk) for m in messages]
        for field, messages in error.items()
    }
    before = _state()
    with pytest.raises(ValidationError) as refused:
        services.accounts_bulk_reassign(actor=org[actor], **args)
    assert refused.value.message_dict == expected
    assert _state() == before


def test_a_rep_cannot_reassign_even_to_themselves(org):
    before = _state()
    with pytest.raises(PermissionDenied):
        services.accounts_bulk_reassign(
            actor=org["r1"],
            new_owner=org["r1"],
            reason="Mine now",
            account_ids=[org["accounts"]["r1"].pk],
        )
    assert _state() == before


# --- (2) bulk reassignment: the page and the API -------------------------------------------


def test_the_list_page_reassigns_the_ticked_accounts(client, org):
    client.force_login(org["m1"])
    page = client.get(reverse("accounts:list")).content.decode()
    assert 'id="bulk-reassign"' in page
    assert page.count('name="account_ids"') == 2  # m1's book: r1's and r2's accounts
    response = client.post(
        reverse("accounts:bulk_reassign"),
        {
            "account_ids": [org["accounts"]["r1"].pk],
            "new_owner": org["r2"].pk,
            "reason": "Holiday cover",
            "filter_query": "industry=&sort=name",
        },
        follow=True,
    )
    assert response.redirect_chain == [(reverse("accounts:list") + "?industry=&sort=name", 302)]
    assert "1 account reassigned to r2." in response.content.decode()
    assert _owners(org["accounts"]["r1"]) == ["r2"]
    missing = client.post(
        reverse("accounts:bulk_reassign"),
        {"account_ids": [org["accounts"]["r2"].pk], "new_owner": org["r1"].pk},
        follow=True,
    )
    assert "Give the reason for the reassignment." in missing.content.decode()
    assert _owners(org["accounts"]["r2"]) == ["r2"]


def test_reps_see_no_reassign_bar_and_are_refused(client, org):
    client.force_login(org["r1"])
    assert 'id="bulk-reassign"' not in client.get(reverse("accounts:list")).content.decode()
    response = client.post(
        reverse("accounts:bulk_reassign"),
        {"account_ids": [org["accounts"]["r1"].pk], "new_owner": org["r1"].pk, "reason": "x"},
    )
    assert response.status_code in (302, 403)
    assert _owners(org["accounts"]["r1"]) == ["r1"]


def test_the_api_reassigns_and_refuses(api, org):
    url = reverse("account-bulk-reassign")
    assert url == "/api/v1/accounts/bulk-reassign/"
    body = {"account_ids": [org["accounts"]["r1"].pk], "new_owner": org["r2"].pk, "reason": "Cover"}
    assert api(org["r1"]).post(url, body, format="json").status_code == 403
    response = api(org["m1"]).post(url, {**body, "reason": ""}, format="json")
    assert (response.status_code, response.json()) == (
        400,
        {"reason": ["Give the reason for the reassignment."]},
    )
    response = api(org["m1"]).post(
        url, {**body, "account_ids": [org["accounts"]["r3"].pk]}, format="json"
    )
    assert response.status_code == 400 and "account_ids" in response.json()
    response = api(org["m1"]).post(url, body, format="json")
    assert (response.status_code, response.json()) == (
        200,
        {"reassigned": 1, "account_ids": [org["accounts"]["r1"].pk]},
    )
    response = api(org["m2"]).post(
        url,
        {"filter": {"owner": str(org["r3"].pk)}, "new_owner": org["r4"].pk, "reason": "Merge"},
        format="json",
    )
    assert response.json() == {"reassigned": 1, "account_ids": [org["accounts"]["r3"].pk]}
    assert _owners(org["accounts"]["r1"], org["accounts"]["r3"]) == ["r2", "r4"]
