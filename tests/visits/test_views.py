"""The visits pages: the book rule (404 outside it), logging from a reminder, the checklist,
the card section, the bell, admin-only settings, and Chinese for a user who chose it."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import ReminderFactory
from visits.models import ChecklistItem, Occasion, Reminder, Visit, VisitPlan, VisitSettings

D = dt.date
pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def plan(org, plan_factory):
    return plan_factory(account=org["accounts"]["r1"], planned_date=timezone.localdate())


@pytest.fixture
def reminder(org, plan):
    today = timezone.localdate()
    return ReminderFactory(
        recipient=org["r1"],
        kind="visit_tomorrow",
        subject=f"plan:{plan.pk}",
        occasion_code="visit_tomorrow",
        date=plan.planned_date,
        account=plan.account,
        plan=plan,
        remind_on=today,
    )


PAGES = [
    "/visits/",
    "/visits/?view=month",
    "/visits/due/",
    "/visits/log/",
    "/visits/visits/",
    "/visits/touches/",
    "/visits/touches/new/",
    "/visits/reminders/",
    "/visits/reminders/?show=done",
    "/visits/reminders/?show=snoozed",
    "/visits/plans/new/",
    "/visits/plans/generate/",
]


@pytest.mark.parametrize("who", ["r1", "m1", "admin"])
def test_pages_answer_for_every_role(client, org, plan, reminder, who):
    login(client, org[who])
    for path in PAGES:
        assert client.get(path).status_code == 200, path
    assert client.get(f"/accounts/{org['accounts']['r1'].pk}/").status_code == 200


def test_records_outside_the_book_answer_404(
    client, org, plan, reminder, visit_factory, touch_factory
):
    visit = visit_factory(account=org["accounts"]["r1"])
    touch = touch_factory(account=org["accounts"]["r1"])
    login(client, org["r3"])
    for path in [
        f"/visits/plans/{plan.pk}/",
        f"/visits/plans/{plan.pk}/edit/",
        f"/visits/plans/{plan.pk}/cancel/",
        f"/visits/visits/{visit.pk}/",
        f"/visits/visits/{visit.pk}/edit/",
        f"/visits/visits/{visit.pk}/delete/",
        f"/visits/touches/{touch.pk}/edit/",
        f"/visits/log/?plan={plan.pk}",
        f"/visits/log/?account={plan.account_id}",
        f"/visits/log/?reminder={reminder.pk}",
    ]:
        assert client.get(path).status_code == 404, path
    # The calendar's rep filter is a picker: a rep outside the book is its error, no plans.
    calendar = client.get(f"/visits/?rep={org['r1'].pk}")
    assert calendar.status_code == 200
    assert calendar.context["filter_errors"] == [
        f"Rep: No user you can choose matches “{org['r1'].pk}”."
    ]
    assert f"/visits/plans/{plan.pk}/" not in calendar.content.decode()
    assert client.post(f"/visits/reminders/{reminder.pk}/done/").status_code == 404
    assert client.post(f"/visits/plans/{plan.pk}/checklist/", {"items": []}).status_code == 404
    assert Reminder.objects.get().status == "open"


def test_calendar_shows_the_week_and_the_team(client, org, plan, plan_factory):
    other = plan_factory(account=org["accounts"]["r2"], planned_date=plan.planned_date)
    login(client, org["r1"])
    page = client.get("/visits/").content.decode()
    assert "Account of r1" in page and "Account of r2" not in page
    login(client, org["m1"])
    team = client.get("/visits/?view=month").content.decode()
    assert "Account of r1" in team and "Account of r2" in team
    one = client.get(f"/visits/?rep={org['r2'].pk}").content.decode()
    assert f"/visits/plans/{other.pk}/" in one and f"/visits/plans/{plan.pk}/" not in one


def test_log_a_visit_from_a_reminder(client, org, plan, reminder, contact_factory):
    dm = contact_factory(account=plan.account, name="王总", role="decision_maker")
    login(client, org["r1"])
    form = client.get(f"/visits/log/?reminder={reminder.pk}").content.decode()
    assert "王总" in form and f'name="plan" value="{plan.pk}"' in form
    response = client.post(
        "/visits/log/",
        {
            "reminder": reminder.pk,
            "account": plan.account_id,
            "plan": plan.pk,
            "visit_date": plan.planned_date.isoformat(),
            "visit_time": "10:00",
            "contacts": [dm.pk],
            "purpose": "回访",
            "duration_minutes": "30",
            "expenses": "0",
        },
    )
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert (visit.plan, list(visit.contacts.all()), visit.duration_minutes) == (plan, [dm], 30)
    reminder.refresh_from_db()
    plan.refresh_from_db()
    assert (reminder.status, plan.status) == ("done", "done")


def test_a_bad_visit_form_names_the_field_and_saves_nothing(client, org, plan):
    login(client, org["r1"])
    response = client.post(
        "/visits/log/",
        {"account": plan.account_id, "visit_date": "", "duration_minutes": "-5", "expenses": "x"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"visit_date", "duration_minutes", "expenses"}
    assert Visit.objects.count() == 0


def test_checklist_ticks_and_contact_facts(client, org, plan, contact_factory):
    contact_factory(account=plan.account, name="李总", role="decision_maker", interests="高尔夫")
    login(client, org["r1"])
    page = client.get(f"/visits/plans/{plan.pk}/").content.decode()
    assert "李总" in page and "高尔夫" in page and "0/17" in page
    assert "js/visits.js" in page and "<script>" not in page
    items = list(ChecklistItem.objects.order_by("position").values_list("pk", flat=True))
    client.post(f"/visits/plans/{plan.pk}/checklist/", {"items": items[:4]})
    assert plan.ticks.count() == 4
    card = client.get(f"/accounts/{plan.account_id}/").content.decode()
    assert "Checklist 4/17" in card and "Next planned visit" in card


def test_card_timeline_has_visits_touches_and_orders(client, org, visit_factory, touch_factory):
    from tests.factories import OrderFactory

    account = org["accounts"]["r1"]
    visit_factory(account=account, visit_date=D(2026, 1, 3), purpose="Kick-off")
    touch_factory(account=account, date=D(2026, 1, 4), type="souvenir")
    OrderFactory(account=account, date=D(2026, 1, 2), product="控制器")
    login(client, org["r1"])
    page = client.get(f"/accounts/{account.pk}/").content.decode()
    page = page[page.index('id="visits-h"') :]
    souvenir, kickoff, order = (page.index(s) for s in ("Small souvenir", "Kick-off", "控制器"))
    assert souvenir < kickoff < order  # newest first


def test_bell_counts_my_reminders_showing_today(client, org, reminder):
    login(client, org["r1"])
    assert 'data-testid="bell-count">1<' in client.get("/visits/").content.decode()
    client.post(f"/visits/reminders/{reminder.pk}/snooze/", {"until": "2999-01-01"})
    reminder.refresh_from_db()
    assert reminder.snoozed_until is None  # more than 60 days: refused
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    client.post(f"/visits/reminders/{reminder.pk}/snooze/", {"until": tomorrow.isoformat()})
    assert "bell-count" not in client.get("/visits/").content.decode()
    login(client, org["m1"])
    assert "bell-count" not in client.get("/visits/").content.decode()


@pytest.mark.parametrize("who", ["r1", "m1"])
def test_settings_pages_are_for_admins_only(client, org, who):
    login(client, org[who])
    birthday = Occasion.objects.get(code="birthday")
    for path in [
        "/visits/settings/",
        "/visits/settings/checklist/",
        "/visits/settings/checklist/new/",
        "/visits/settings/occasions/",
        "/visits/settings/occasions/new/",
        f"/visits/settings/occasions/{birthday.pk}/",
    ]:
        assert client.get(path).status_code == 404, path


def test_admin_edits_cadences_checklist_and_occasions(client, org):
    login(client, org["admin"])
    hub = client.get("/settings/").content.decode()
    assert "/visits/settings/occasions/" in hub
    data = {
        "cadence_a_days": 5,
        "cadence_b_days": 30,
        "cadence_c_days": 90,
        "cadence_untiered_days": 0,
        "a_tier_morning": "on",
        "morning_time": "09:00",
        "afternoon_time": "14:00",
        "due_horizon_days": 3,
        "gift_lead_days": 10,
        "greeting_lead_days": 2,
        "digest_hour": 8,
        "digest_enabled": "on",
    }
    assert client.post("/visits/settings/", data).status_code == 302
    settings = VisitSettings.load()
    assert (settings.cadence_a_days, settings.gift_lead_days, settings.updated_by) == (
        5,
        10,
        org["admin"],
    )
    bad = client.post("/visits/settings/", {**data, "digest_hour": 30})
    assert "digest_hour" in bad.context["form"].errors
    assert VisitSettings.load().digest_hour == 8
    created = client.post(
        "/visits/settings/occasions/new/",
        {
            "kind": "lunar",
            "name_en": "Dragon Boat Festival",
            "name_zh_hans": "端午节",
            "month": 5,
            "day": 5,
            "active": "on",
            "gift_type": "souvenir",
            "greeting_type": "message",
            "greeting_tiers": ["A", "B"],
            "greeting_roles": ["decision_maker"],
        },
    )
    assert created.status_code == 302
    dragon = Occasion.objects.get(name_en="Dragon Boat Festival")
    assert (dragon.greeting_tiers, dragon.greeting_roles) == (["A", "B"], ["decision_maker"])
    item = ChecklistItem.objects.get(position=1)
    client.post(
        f"/visits/settings/checklist/{item.pk}/",
        {"position": 1, "text_en": "Dress right", "text_zh_hans": "着装得体", "shows": ""},
    )
    item.refresh_from_db()
    assert (item.text_en, item.active) == ("Dress right", False)


def test_a_chinese_user_sees_the_checklist_in_chinese(client, org, plan):
    org["r1"].language = "zh-hans"
    org["r1"].save()
    login(client, org["r1"])
    page = client.get(f"/visits/plans/{plan.pk}/").content.decode()
    assert "个人服装、形象是否得体" in page and "出发前检核" in page
    assert "Dress and appearance fit the visit" not in page


def test_cancel_asks_first(client, org, plan):
    login(client, org["r1"])
    assert "Cancel this visit?" in client.get(f"/visits/plans/{plan.pk}/cancel/").content.decode()
    assert VisitPlan.objects.get().status == "planned"
    client.post(f"/visits/plans/{plan.pk}/cancel/")
    assert VisitPlan.objects.get().status == "cancelled"


def test_generate_from_the_page(client, org):
    from accounts.models import Account

    Account.objects.update(tier="A", created_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    login(client, org["m1"])
    today = timezone.localdate()
    response = client.post(
        "/visits/plans/generate/", {"rep": org["r2"].pk, "period": "week", "day": today.isoformat()}
    )
    assert response.status_code == 302
    assert set(VisitPlan.objects.values_list("account__owner__username", flat=True)) == {"r2"}
    denied = client.post(
        "/visits/plans/generate/", {"rep": org["r3"].pk, "period": "week", "day": today.isoformat()}
    )
    assert "rep" in denied.context["form"].errors
