"""Health warnings: reminders to the owner and the manager, exactly once per account, kind
and week; on Today, in the digest's reminders and for the robots (they send reminders)."""

import datetime

import pytest
from django.urls import reverse

from health.models import HealthSnapshot
from health.services import health_warnings_generate, warning_period
from tests.factories import AccountFactory, TeamFactory, UserFactory
from tests.health.conftest import DAY
from visits.models import Reminder
from visits.selectors import reminder_text

pytestmark = pytest.mark.django_db


def _snapshot(account, *, score, week_ago=None, day=DAY, tier="A"):
    return HealthSnapshot.objects.create(
        account=account,
        day=day,
        score=score,
        tier=tier,
        score_week_ago=week_ago,
        created_at=datetime.datetime(2026, 6, 30, tzinfo=datetime.UTC),
    )


@pytest.fixture
def team():
    manager = UserFactory(username="health-manager", role="manager")
    team = TeamFactory(name="Health team", manager=manager)
    rep = UserFactory(username="health-owner", team=team)
    return {"manager": manager, "rep": rep}


def test_a_low_score_warns_the_owner_and_the_manager_once_per_week(team):
    account = AccountFactory(owner=team["rep"], tier="A", name="Low Co")
    _snapshot(account, score=30)
    assert health_warnings_generate(day=DAY) == {"health_low": 2, "health_drop": 0}
    # A second run, the same day or later the same week, adds nothing.
    assert health_warnings_generate(day=DAY) == {"health_low": 0, "health_drop": 0}
    monday = warning_period(DAY)
    rows = Reminder.objects.filter(kind="account_health").order_by("recipient__username")
    assert [(r.recipient, r.occasion_code, r.date, r.subject) for r in rows] == [
        (team["manager"], "health_low", monday, f"account:{account.pk}"),
        (team["rep"], "health_low", monday, f"account:{account.pk}"),
    ]
    assert reminder_text(rows[1]) == (
        f"Low Co: account health is low in the week of {monday.isoformat()}."
    )


def test_the_next_week_warns_again(team):
    account = AccountFactory(owner=team["rep"], tier="B")
    _snapshot(account, score=30)
    next_week = DAY + datetime.timedelta(days=7)
    _snapshot(account, score=30, day=next_week)
    health_warnings_generate(day=DAY)
    assert health_warnings_generate(day=next_week)["health_low"] == 2
    assert Reminder.objects.filter(kind="account_health").count() == 4


def test_a_big_drop_week_on_week_warns_and_a_small_one_does_not(team):
    dropped = AccountFactory(owner=team["rep"], tier="A", name="Dropped")
    slipped = AccountFactory(owner=team["rep"], tier="A", name="Slipped")
    _snapshot(dropped, score=70, week_ago=90)  # −20: the default drop
    _snapshot(slipped, score=75, week_ago=90)  # −15
    assert health_warnings_generate(day=DAY) == {"health_low": 0, "health_drop": 2}
    reminder = Reminder.objects.filter(recipient=team["rep"]).get()
    assert reminder.account == dropped
    assert "dropped sharply" in reminder_text(reminder)


def test_untiered_accounts_and_inactive_owners_get_no_warning(team):
    untiered = AccountFactory(owner=team["rep"], tier="")
    _snapshot(untiered, score=10, tier="")
    gone = UserFactory(username="gone", is_active=False, team=None)
    orphan = AccountFactory(owner=gone, tier="A")
    _snapshot(orphan, score=10)
    assert health_warnings_generate(day=DAY) == {"health_low": 0, "health_drop": 0}
    assert not Reminder.objects.exists()


def test_today_shows_the_warnings_to_the_owner_and_the_manager(team, client):
    today = datetime.date.today()
    account = AccountFactory(owner=team["rep"], tier="A", name="Warned Co")
    _snapshot(account, score=25, day=today)
    health_warnings_generate(day=today)
    for user in (team["rep"], team["manager"]):
        client.force_login(user)
        page = client.get(reverse("today:today")).content.decode()
        assert 'data-section="health"' in page
        assert "Warned Co: account health is low" in page
        assert "25/100" in page


def test_the_card_shows_the_factors_and_the_history(team, client, make_account, compute):
    account = make_account([(20 + 30 * k, "1000") for k in range(16)], owner=team["rep"])
    compute(DAY - datetime.timedelta(days=1))
    compute()
    client.force_login(team["rep"])
    page = client.get(reverse("accounts:detail", args=[account.pk])).content.decode()
    assert 'class="card health-panel"' in page
    for factor in ("lateness", "trend", "decision_maker", "visits", "receivables"):
        assert f'data-factor="{factor}"' in page
    assert "usually every 30.0 days" in page
    assert page.count("<li><span>") == 2  # two days of history
