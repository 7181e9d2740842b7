"""Write paths of visits, plans, the checklist, touches, occasions and checklist items: what
they write, who may, and that every refusal leaves the database as it was."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import Account
from core.models import AuditEntry
from tests.factories import AccountFactory, ReminderFactory
from visits.models import ChecklistItem, Occasion, Reminder, Visit, VisitPlan
from visits.services import (
    checklist_item_create,
    checklist_set,
    occasion_create,
    occasion_delete,
    occasion_update,
    plan_cancel,
    plan_create,
    plan_update,
    touch_create,
    touch_update,
    visit_create,
    visit_delete,
    visit_update,
)

D = dt.date
pytestmark = pytest.mark.django_db


def _refused(fn, db_state, field=None, exc=ValidationError, **kwargs):
    before = db_state()
    with pytest.raises(exc) as err:
        fn(**kwargs)
    if field is not None:
        assert field in err.value.error_dict, err.value
    assert db_state() == before


@pytest.fixture
def r1_account(org):
    return org["accounts"]["r1"]


def test_log_a_visit_with_contacts_from_a_reminder_and_plan_the_next(
    org, r1_account, contact_factory
):
    Account.objects.filter(pk=r1_account.pk).update(tier="A")
    r1_account.refresh_from_db()
    dm = contact_factory(account=r1_account, name="DM", role="decision_maker")
    reminder = ReminderFactory(
        recipient=org["r1"],
        kind="visit_due",
        subject=f"account:{r1_account.pk}",
        occasion_code="visit_due",
        date=D(2026, 3, 1),
        account=r1_account,
        remind_on=D(2026, 3, 1),
    )
    visit = visit_create(
        actor=org["r1"],
        data={
            "account": r1_account,
            "visit_date": D(2026, 3, 2),
            "visit_time": dt.time(10, 0),
            "purpose": "需求调研",
            "outcome": "有兴趣",
            "next_step": "报价",
            "duration_minutes": 45,
            "expenses": Decimal("88.50"),
        },
        contacts=[dm],
        reminder=reminder,
        next_visit_date=D(2026, 3, 9),
    )
    assert list(visit.contacts.all()) == [dm]
    assert (visit.logged_by, visit.hours) == (org["r1"], Decimal("0.75"))
    reminder.refresh_from_db()
    assert reminder.status == "done"
    plan = VisitPlan.objects.get()
    assert (plan.planned_date, plan.slot, plan.planned_time) == (
        D(2026, 3, 9),
        "morning",
        dt.time(9, 30),
    )
    assert AuditEntry.objects.filter(model="visits.Visit", action="create").count() == 1


def test_visit_refusals_change_nothing(org, r1_account, contact_factory, plan_factory, db_state):
    r1 = org["r1"]
    foreign = contact_factory(account=org["accounts"]["r2"])
    other_plan = plan_factory(account=org["accounts"]["r2"])
    cancelled = plan_factory(account=r1_account, status="cancelled")
    base = {"account": r1_account, "visit_date": D(2026, 3, 2)}
    _refused(
        visit_create, db_state, "account", actor=r1, data={**base, "account": org["accounts"]["r2"]}
    )
    _refused(visit_create, db_state, "contacts", actor=r1, data=base, contacts=[foreign])
    _refused(visit_create, db_state, "plan", actor=r1, data={**base, "plan": other_plan})
    _refused(visit_create, db_state, "plan", actor=r1, data={**base, "plan": cancelled})
    _refused(visit_create, db_state, "expenses", actor=r1, data={**base, "expenses": Decimal("-1")})
    _refused(
        visit_create,
        db_state,
        "duration_minutes",
        actor=r1,
        data={**base, "duration_minutes": 1441},
    )
    _refused(visit_create, db_state, "outcome", actor=r1, data={**base, "outcome": None})
    _refused(visit_create, db_state, "owner", actor=r1, data={**base, "owner": org["r2"]})
    # The next visit before this one: the visit is not kept either.
    _refused(
        visit_create,
        db_state,
        "next_visit_date",
        actor=r1,
        data=base,
        next_visit_date=D(2026, 3, 1),
    )
    # A reminder of someone else.
    theirs = ReminderFactory(
        recipient=org["r2"],
        kind="visit_due",
        subject="account:1",
        occasion_code="visit_due",
        date=D(2026, 3, 1),
        account=r1_account,
        remind_on=D(2026, 3, 1),
    )
    _refused(visit_create, db_state, "reminder", actor=r1, data=base, reminder=theirs)


def test_a_plan_takes_one_visit_only(org, r1_account, plan_factory, db_state):
    plan = plan_factory(account=r1_account)
    visit_create(
        actor=org["r1"], data={"account": r1_account, "visit_date": D(2026, 1, 5), "plan": plan}
    )
    plan.refresh_from_db()
    assert plan.status == "done"
    _refused(
        visit_create,
        db_state,
        "plan",
        actor=org["r1"],
        data={"account": r1_account, "visit_date": D(2026, 1, 5), "plan": plan},
    )


def test_edit_and_delete_a_visit_within_the_book(
    org, r1_account, visit_factory, db_state, plan_factory
):
    plan = plan_factory(account=r1_account, status="done")
    visit = visit_factory(account=r1_account, plan=plan, logged_by=org["r1"])
    other = AccountFactory(name="r1 second", owner=org["r1"], lifecycle="potential")
    visit_update(
        actor=org["r1"], visit=visit, data={"account": other, "plan": None, "outcome": "ok"}
    )
    visit.refresh_from_db()
    assert (visit.account, visit.outcome) == (other, "ok")
    # Not into another rep's book, and not by someone who cannot see it.
    _refused(
        visit_update,
        db_state,
        "account",
        actor=org["r1"],
        visit=visit,
        data={"account": org["accounts"]["r2"]},
    )
    _refused(visit_update, db_state, "account", actor=org["r3"], visit=visit, data={"outcome": "x"})
    _refused(visit_delete, db_state, "account", actor=org["m2"], visit=visit)
    # The team's manager may delete; a plan the visit completed is planned again.
    visit2 = visit_factory(account=r1_account, plan=plan)
    visit_delete(actor=org["m1"], visit=visit2)
    plan.refresh_from_db()
    assert plan.status == "planned"
    assert not Visit.objects.filter(pk=visit2.pk).exists()


def test_plans_by_hand_default_slots_and_the_one_per_day_rule(org, r1_account, db_state):
    Account.objects.filter(pk=r1_account.pk).update(tier="A")
    r1_account.refresh_from_db()
    plan = plan_create(actor=org["r1"], data={"account": r1_account, "planned_date": D(2026, 4, 1)})
    assert (plan.slot, plan.planned_time, plan.source) == ("morning", dt.time(9, 30), "manual")
    b = org["accounts"]["r2"]
    Account.objects.filter(pk=b.pk).update(tier="B")
    b.refresh_from_db()
    p2 = plan_create(
        actor=org["m1"],
        data={"account": b, "planned_date": D(2026, 4, 1), "senior_manager": True},
    )
    assert (p2.slot, p2.planned_time, p2.senior_manager) == ("afternoon", dt.time(14, 30), True)
    _refused(
        plan_create,
        db_state,
        "planned_date",
        actor=org["r1"],
        data={"account": r1_account, "planned_date": D(2026, 4, 1)},
    )
    _refused(
        plan_create,
        db_state,
        "account",
        actor=org["r1"],
        data={"account": b, "planned_date": D(2026, 4, 2)},
    )
    _refused(plan_create, db_state, "planned_date", actor=org["r1"], data={"account": r1_account})


def test_moving_or_cancelling_a_plan_resolves_its_reminders(
    org, r1_account, plan_factory, db_state
):
    plan = plan_factory(account=r1_account, planned_date=D(2026, 4, 1))
    ReminderFactory(
        recipient=org["r1"],
        kind="visit_tomorrow",
        subject=f"plan:{plan.pk}",
        occasion_code="visit_tomorrow",
        date=D(2026, 4, 1),
        account=r1_account,
        plan=plan,
        remind_on=D(2026, 3, 31),
    )
    plan_update(actor=org["r1"], plan=plan, data={"planned_date": D(2026, 4, 3)})
    assert Reminder.objects.get().status == "done"
    _refused(
        plan_update,
        db_state,
        "account",
        actor=org["r1"],
        plan=plan,
        data={"account": org["accounts"]["r2"]},
    )
    plan_cancel(actor=org["r1"], plan=plan)
    plan.refresh_from_db()
    assert plan.status == "cancelled"
    _refused(plan_cancel, db_state, "status", actor=org["r1"], plan=plan)
    _refused(plan_update, db_state, "status", actor=org["r1"], plan=plan, data={"purpose": "x"})
    # A cancelled day is free again.
    plan_create(actor=org["r1"], data={"account": r1_account, "planned_date": D(2026, 4, 3)})


def test_checklist_ticks_are_exactly_the_given_items(org, r1_account, plan_factory, db_state):
    plan = plan_factory(account=r1_account)
    items = list(ChecklistItem.objects.order_by("position").values_list("pk", flat=True))
    assert len(items) == 17
    assert checklist_set(actor=org["r1"], plan=plan, item_ids=items[:5]) == 5
    assert checklist_set(actor=org["r1"], plan=plan, item_ids=[items[0], items[16]]) == 2
    assert sorted(plan.ticks.values_list("item_id", flat=True)) == [items[0], items[16]]
    _refused(checklist_set, db_state, "items", actor=org["r1"], plan=plan, item_ids=[999999])
    _refused(checklist_set, db_state, "account", actor=org["r3"], plan=plan, item_ids=[items[1]])
    ChecklistItem.objects.filter(pk=items[3]).update(active=False)
    _refused(checklist_set, db_state, "items", actor=org["r1"], plan=plan, item_ids=[items[3]])


def test_touches_stay_with_the_account_and_its_contacts(org, r1_account, contact_factory, db_state):
    mine = contact_factory(account=r1_account)
    theirs = contact_factory(account=org["accounts"]["r2"])
    touch = touch_create(
        actor=org["r1"],
        data={"account": r1_account, "contact": mine, "type": "brochure", "date": D(2026, 3, 3)},
    )
    assert (touch.created_by, touch.get_type_display()) == (
        org["r1"],
        "Brochure or promotion material",
    )
    base = {"account": r1_account, "type": "card", "date": D(2026, 3, 3)}
    _refused(touch_create, db_state, "contact", actor=org["r1"], data={**base, "contact": theirs})
    _refused(
        touch_create,
        db_state,
        "account",
        actor=org["r1"],
        data={**base, "account": org["accounts"]["r2"]},
    )
    _refused(touch_create, db_state, "type", actor=org["r1"], data={**base, "type": "fax"})
    _refused(touch_update, db_state, "account", actor=org["r4"], touch=touch, data={"note": "x"})


def test_occasions_and_checklist_items_are_for_admins(org, db_state):
    admin = org["admin"]
    data = {
        "kind": "solar",
        "name_en": "Company day",
        "name_zh_hans": "司庆",
        "month": 6,
        "day": 18,
        "greeting_tiers": ["A"],
        "greeting_roles": ["decision_maker"],
    }
    for actor in (org["r1"], org["m1"]):
        _refused(occasion_create, db_state, exc=PermissionDenied, actor=actor, data=data)
        _refused(
            checklist_item_create,
            db_state,
            exc=PermissionDenied,
            actor=actor,
            data={"position": 18, "text_en": "x"},
        )
    occasion = occasion_create(actor=admin, data=data)
    assert occasion.code.startswith("custom-") and occasion.name == "Company day"
    _refused(occasion_create, db_state, "day", actor=admin, data={**data, "month": 2, "day": 30})
    _refused(occasion_create, db_state, "kind", actor=admin, data={**data, "kind": "birthday"})
    _refused(
        occasion_create, db_state, "gift_tiers", actor=admin, data={**data, "gift_tiers": ["Z"]}
    )
    _refused(occasion_create, db_state, "date", actor=admin, data={**data, "kind": "once"})
    birthday = Occasion.objects.get(code="birthday")
    _refused(occasion_delete, db_state, "kind", actor=admin, occasion=birthday)
    _refused(
        occasion_update,
        db_state,
        "kind",
        actor=admin,
        occasion=birthday,
        data={"kind": "solar", "month": 1, "day": 1},
    )
    _refused(
        checklist_item_create,
        db_state,
        "position",
        actor=admin,
        data={"position": 1, "text_en": "Dup"},
    )
    _refused(
        checklist_item_create,
        db_state,
        "text_en",
        actor=admin,
        data={"position": 18, "text_en": ""},
    )
    occasion_delete(actor=admin, occasion=occasion)
    assert not Occasion.objects.filter(pk=occasion.pk).exists()


def test_deletes_and_item_edits_outside_ones_rights_change_nothing(
    org, r1_account, touch_factory, db_state
):
    from visits.services import checklist_item_delete, checklist_item_update, touch_delete

    touch = touch_factory(account=r1_account)
    item = ChecklistItem.objects.get(position=1)
    _refused(touch_delete, db_state, "account", actor=org["r3"], touch=touch)
    _refused(touch_delete, db_state, "account", actor=org["m2"], touch=touch)
    for actor in (org["r1"], org["m1"]):
        _refused(
            checklist_item_update,
            db_state,
            exc=PermissionDenied,
            actor=actor,
            item=item,
            data={"text_en": "x"},
        )
        _refused(checklist_item_delete, db_state, exc=PermissionDenied, actor=actor, item=item)
    _refused(
        checklist_item_update,
        db_state,
        "position",
        actor=org["admin"],
        item=item,
        data={"position": 2},
    )
    touch_delete(actor=org["m1"], touch=touch)
    checklist_item_delete(actor=org["admin"], item=item)
    assert not ChecklistItem.objects.filter(position=1).exists()
