"""The Today page: the day's order, a manager's team grouped by rep with what slipped
yesterday, the sections and their empty states, the landing after login, and a query count
that does not grow with the book."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from commitments.models import Commitment
from prospects.models import Prospect
from tests.factories import (
    AccountFactory,
    CommitmentFactory,
    ContactFactory,
    OccasionFactory,
    ProspectFactory,
    ReminderFactory,
    TeamFactory,
    UserFactory,
    VisitFactory,
    VisitPlanFactory,
)
from today.selectors import REP_LIMIT, TEAM_LIMIT, plans_of_day, today_board
from visits.models import Reminder, VisitPlan

pytestmark = pytest.mark.django_db
T = dt.time


def today() -> dt.date:
    return timezone.localdate()


def days(n: int) -> dt.date:
    return today() + dt.timedelta(days=n)


def quiet_account(owner, **kwargs):
    """An account visited today: not due by cadence, so it stays out of "due, not planned"."""
    account = AccountFactory(owner=owner, **kwargs)
    VisitFactory(account=account, visit_date=today(), logged_by=owner)
    return account


def plan(owner, name, tier, slot, time=None, day=None, **kwargs):
    account = quiet_account(owner, name=name, tier=tier)
    return VisitPlanFactory(
        account=account,
        planned_date=day or today(),
        slot=slot,
        planned_time=time,
        **kwargs,
    )


def plan_ids_in_page(html: str, section: str) -> list[int]:
    """The plans listed under a section's heading, in page order."""
    start = html.index(f'data-section="{section}"')
    end = html.find('class="today-h', start + 1)
    return [
        int(x) for x in re.findall(r'data-plan="(\d+)"', html[start : end if end > 0 else None])
    ]


# --- The order of the day -----------------------------------------------------------------


def test_a_accounts_in_the_morning_come_first_then_slot_and_time(client, org):
    rep = org["r1"]
    b_morning_9 = plan(rep, "B morning 9:00", "B", "morning", T(9, 0))
    a_afternoon = plan(rep, "A afternoon 14:30", "A", "afternoon", T(14, 30))
    a_morning_10 = plan(rep, "A morning 10:00", "A", "morning", T(10, 0))
    a_any_830 = plan(rep, "A any 8:30", "A", "any", T(8, 30))
    c_any = plan(rep, "C any, no time", "C", "any")
    b_afternoon_15 = plan(rep, "B afternoon 15:00", "B", "afternoon", T(15, 0))
    a_morning_untimed = plan(rep, "A morning, no time", "A", "morning")
    untiered_any_16 = plan(rep, "untiered any 16:00", "", "any", T(16, 0))
    # Not today's: done, cancelled, tomorrow's, and another rep's.
    plan(rep, "done", "A", "morning", T(8, 0), status=VisitPlan.Status.DONE)
    plan(rep, "cancelled", "A", "morning", T(8, 0), status=VisitPlan.Status.CANCELLED)
    plan(rep, "tomorrow", "A", "morning", T(8, 0), day=days(1))
    plan(org["r2"], "colleague", "A", "morning", T(8, 0))

    expected = [
        a_any_830.pk,  # A, "any time" but before the afternoon slot: a morning visit
        a_morning_10.pk,
        a_morning_untimed.pk,  # untimed after timed within the morning
        b_morning_9.pk,  # then the rest by slot and time
        a_afternoon.pk,
        b_afternoon_15.pk,
        untiered_any_16.pk,  # "any time" at 16:00 is an afternoon visit
        c_any.pk,  # no slot, no time: last
    ]
    rows = list(plans_of_day(rep, day=today(), limit=REP_LIMIT))
    assert [p.pk for p in rows] == expected
    assert {p.today_total for p in rows} == {len(expected)}

    client.force_login(rep)
    html = client.get("/today/").content.decode()
    assert plan_ids_in_page(html, "plans") == expected
    assert "colleague" not in html


def test_overdue_plans_are_listed_oldest_first_with_their_date(client, org):
    rep = org["r1"]
    older = plan(rep, "Two days late", "B", "afternoon", day=days(-2))
    old = plan(rep, "One day late", "A", "morning", day=days(-1))
    plan(rep, "Logged late", "A", "morning", day=days(-1), status=VisitPlan.Status.DONE)
    client.force_login(rep)
    html = client.get("/today/").content.decode()
    assert plan_ids_in_page(html, "overdue") == [older.pk, old.pk]
    assert "Logged late" not in html


def test_a_long_section_shows_its_first_rows_and_how_many_more(client, org):
    rep = org["r1"]
    for i in range(REP_LIMIT + 3):
        plan(rep, f"Stop {i:02}", "B", "afternoon", T(13, 0))
    client.force_login(rep)
    html = client.get("/today/").content.decode()
    assert len(plan_ids_in_page(html, "plans")) == REP_LIMIT
    assert f"({REP_LIMIT + 3})" in html
    assert "and 3 more" in html
    assert f"{reverse('visits:calendar')}?date={today():%Y-%m-%d}" in html


# --- The other sections -------------------------------------------------------------------


def test_each_item_is_one_tap_from_its_action(client, org):
    rep = org["r1"]
    stop = plan(rep, "Morning stop", "A", "morning", T(9, 0))
    ContactFactory(account=stop.account, name="Boss", phone="138 0000 0001", role="decision_maker")
    commitment = CommitmentFactory(
        account=stop.account, owner=rep, title="Send the price list", due_date=days(-1)
    )
    CommitmentFactory(account=stop.account, owner=rep, title="Later promise", due_date=days(3))
    CommitmentFactory(
        account=stop.account,
        owner=rep,
        title="Kept promise",
        due_date=today(),
        status=Commitment.Status.DONE,
        done_at=timezone.now(),
    )
    birthday = OccasionFactory(name_en="Company anniversary")
    contact = ContactFactory(account=stop.account, name="Ms Li", phone="139-1111-2222")
    touch = ReminderFactory(
        account=stop.account,
        recipient=rep,
        kind=Reminder.Kind.GIFT,
        subject=f"contact:{contact.pk}",
        occasion=birthday,
        occasion_code=birthday.code,
        contact=contact,
        date=days(3),
        remind_on=today(),
    )
    ReminderFactory(  # too far ahead
        account=stop.account,
        recipient=rep,
        kind=Reminder.Kind.GREETING,
        subject=f"contact:{contact.pk}",
        occasion_code="far",
        contact=contact,
        date=days(10),
        remind_on=today(),
    )
    ReminderFactory(  # snoozed past today
        account=stop.account,
        recipient=rep,
        kind=Reminder.Kind.GREETING,
        subject=f"contact:{contact.pk}",
        occasion_code="snoozed",
        contact=contact,
        date=days(2),
        remind_on=today(),
        snoozed_until=days(1),
    )
    due = AccountFactory(owner=rep, name="Never visited", tier="A", phone="021-5555")

    client.force_login(rep)
    html = client.get("/today/").content.decode()
    next_q = "next=/today/"
    assert f'href="/visits/log/?plan={stop.pk}&amp;{next_q}"' in html
    assert 'href="tel:13800000001"' in html  # the decision maker's phone, spaces dropped
    assert stop.account.get_absolute_url() in html
    # Commitments due or overdue, not later or done ones.
    assert "Send the price list" in html
    assert "Later promise" not in html and "Kept promise" not in html
    assert f'action="{reverse("commitments:done", args=[commitment.pk])}"' in html
    # Touches: within 7 days, not snoozed past today; log, done, snooze, call.
    assert f'data-reminder="{touch.pk}"' in html
    assert html.count("data-reminder=") == 1
    assert f"/visits/touches/new/?reminder={touch.pk}" in html
    assert reverse("visits:reminder_done", args=[touch.pk]) in html
    assert reverse("visits:reminder_snooze", args=[touch.pk]) in html
    assert 'href="tel:139-1111-2222"' in html
    # Due, not planned: plan, log, call the account's own phone.
    assert f'data-account="{due.pk}"' in html
    assert f"/visits/plans/new/?account={due.pk}&amp;date={today():%Y-%m-%d}" in html
    assert 'href="tel:021-5555"' in html


def test_prospects_whose_next_step_is_due_have_their_own_section(client, org):
    rep = org["r1"]
    prospect = ProspectFactory(account=AccountFactory(owner=rep, name="Pipeline Co"))
    VisitFactory(
        account=prospect.account,
        visit_date=days(-400),
        next_step="Bring the samples",
        logged_by=rep,
    )
    ProspectFactory(
        account=AccountFactory(owner=rep, name="Given up Co"),
        decision=Prospect.Decision.ABANDON,
        decision_reason="No budget",
    )
    planned = ProspectFactory(account=AccountFactory(owner=rep, name="Planned Co"))
    VisitPlanFactory(account=planned.account, planned_date=days(2))
    client.force_login(rep)
    html = client.get("/today/").content.decode()
    section = html[html.index('data-section="prospects"') :]
    due_section = html[html.index('data-section="due"') : html.index('data-section="prospects"')]
    assert "Pipeline Co" in section and "Bring the samples" in section
    assert reverse("prospects:detail", args=[prospect.pk]) in section
    assert "Pipeline Co" not in due_section  # not listed twice
    assert "Given up Co" not in html
    assert "Planned Co" not in section


def test_an_empty_day_says_so_in_every_section(client):
    rep = UserFactory(username="new-rep")
    client.force_login(rep)
    html = client.get("/today/").content.decode()
    for text in (
        "No visits planned today.",
        "No overdue visits.",
        "No commitments due.",
        "No birthdays or holidays in the next 7 days.",
        "Nothing is due without a plan.",
        "No prospect is waiting for its next step.",
    ):
        assert text in html


# --- A manager's team --------------------------------------------------------------------


def test_a_manager_sees_the_team_grouped_by_rep_with_what_slipped_yesterday(client, org):
    r1, r2 = org["r1"], org["r2"]
    r1_today = plan(r1, "R1 today", "A", "morning", T(9, 0))
    r2_today = plan(r2, "R2 today", "B", "afternoon", T(15, 0))
    slipped = plan(r1, "R1 slipped", "B", "morning", day=days(-1))
    plan(r1, "R1 logged yesterday", "B", "morning", day=days(-1), status=VisitPlan.Status.DONE)
    late_promise = CommitmentFactory(
        account=r2_today.account, owner=r2, title="Promised yesterday", due_date=days(-1)
    )
    CommitmentFactory(
        account=r2_today.account,
        owner=r2,
        title="Kept yesterday",
        due_date=days(-1),
        status=Commitment.Status.DONE,
        done_at=timezone.now(),
    )
    plan(org["r3"], "Other team", "A", "morning")

    board = today_board(org["m1"], day=today(), team_view=True)
    by_rep = {d.rep.username: d for d in board.reps}
    assert set(by_rep) == {"m1", "r1", "r2"}
    assert [p.pk for p in by_rep["r1"].section("plans").rows] == [r1_today.pk]
    assert [p.pk for p in by_rep["r1"].section("slipped_plans").rows] == [slipped.pk]
    assert [c.pk for c in by_rep["r2"].section("slipped_commitments").rows] == [late_promise.pk]
    assert by_rep["r2"].section("slipped_plans").total == 0
    assert by_rep["m1"].empty

    client.force_login(org["m1"])
    html = client.get("/today/").content.decode()
    r1_block = html[html.index('data-rep="r1"') : html.index('data-rep="r2"')]
    r2_block = html[html.index('data-rep="r2"') :]
    assert "R1 today" in r1_block and "R1 slipped" in r1_block and "R2 today" not in r1_block
    assert "Slipped yesterday: visits not logged" in r1_block
    assert "R2 today" in r2_block and "Promised yesterday" in r2_block
    assert (
        "Kept yesterday" not in html
        and "R1 logged yesterday"
        not in r1_block[r1_block.index("slipped_plans") : r1_block.index('data-section="plans"')]
    )
    assert "Other team" not in html
    assert "Nothing open." in html  # the manager's own empty day


def test_a_team_shows_a_few_rows_per_rep_and_links_the_rest(client, org):
    for i in range(TEAM_LIMIT + 2):
        plan(org["r1"], f"Stop {i}", "B", "afternoon", T(13, i))
    client.force_login(org["m1"])
    html = client.get("/today/").content.decode()
    block = html[html.index('data-rep="r1"') : html.index('data-rep="r2"')]
    assert len(plan_ids_in_page(block, "plans")) == TEAM_LIMIT
    assert "and 2 more" in block
    assert f"rep={org['r1'].pk}" in block


def test_an_admin_chooses_a_team_first(client, org):
    plan(org["r1"], "North stop", "A", "morning")
    plan(org["r3"], "South stop", "A", "morning")
    client.force_login(org["admin"])
    html = client.get("/today/").content.decode()
    assert 'data-testid="today-choose-team"' in html
    assert "North stop" not in html and "South stop" not in html
    html = client.get(f"/today/?team={org['t1'].pk}").content.decode()
    assert "North stop" in html and "South stop" not in html
    assert 'data-rep="m1"' in html  # the team's manager belongs to its day


def test_a_team_outside_the_scope_or_not_a_number_answers_404(client, org):
    client.force_login(org["m1"])
    assert client.get(f"/today/?team={org['t2'].pk}").status_code == 404
    assert client.get("/today/?team=abc").status_code == 404
    assert client.get(f"/today/?team={org['t1'].pk}").status_code == 200
    client.force_login(org["r1"])  # a rep's Today ignores the chooser: their own day
    assert client.get(f"/today/?team={org['t2'].pk}").status_code == 200


def test_today_needs_a_signed_in_user_and_only_answers_get(client, org):
    response = client.get("/today/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    client.force_login(org["r1"])
    assert client.post("/today/").status_code == 405


# --- Landing after login ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "landing"), [("r1", "/today/"), ("m1", "/today/"), ("boss", "/accounts/")]
)
def test_signing_in_lands_reps_and_managers_on_today(client, org, username, landing):
    user = org["admin"] if username == "boss" else org[username]
    user.set_password("a-long-password-1")
    user.save()
    response = client.post(
        "/login/", {"username": username, "password": "a-long-password-1"}, follow=True
    )
    assert response.redirect_chain[-1][0] == landing
    assert response.status_code == 200


def test_the_nav_links_today_first(client, org):
    client.force_login(org["r1"])
    html = client.get("/accounts/").content.decode()
    nav = html[html.index('class="nav"') :]
    assert nav.index('href="/today/"') < nav.index('href="/dashboard/"')


# --- Query count --------------------------------------------------------------------------


def _book(owner, size: int, *, team_rep=None) -> None:
    """`size` accounts, each with something in every section."""
    occasion = OccasionFactory()
    for i in range(size):
        account = AccountFactory(owner=owner, tier="ABC"[i % 3], name=f"{owner.username} {i}")
        contact = ContactFactory(account=account, phone=f"1380000{i:04}")
        VisitPlanFactory(account=account, planned_date=today() if i % 2 else days(-1))
        CommitmentFactory(account=account, owner=owner, due_date=days(-(i % 3)))
        ReminderFactory(
            account=account,
            recipient=owner,
            kind=Reminder.Kind.GIFT,
            subject=f"contact:{contact.pk}",
            occasion=occasion,
            occasion_code=occasion.code,
            contact=contact,
            date=days(i % 7),
        )
        if i % 4 == 0:
            ProspectFactory(account=AccountFactory(owner=owner, name=f"P {owner.username} {i}"))
        AccountFactory(owner=owner)  # due, not planned


def _queries(client, user) -> int:
    client.force_login(user)
    client.get("/today/")  # warm: the session, settings rows and template loading
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/today/")
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_query_count_does_not_grow_with_the_book(client):
    small, large = UserFactory(username="small"), UserFactory(username="large")
    _book(small, 5)
    _book(large, 50)
    assert _queries(client, small) == _queries(client, large)


def test_the_query_count_does_not_grow_with_the_team(client):
    small_boss = UserFactory(username="boss-small", role="manager")
    large_boss = UserFactory(username="boss-large", role="manager")
    small_team = TeamFactory(name="Small", manager=small_boss)
    large_team = TeamFactory(name="Large", manager=large_boss)
    _book(UserFactory(username="s1", team=small_team), 3)
    for n in range(6):
        _book(UserFactory(username=f"l{n}", team=large_team), 8)
    assert _queries(client, small_boss) == _queries(client, large_boss)


# --- Only the viewer's book ---------------------------------------------------------------


def _everything_for(rep) -> list[str]:
    """One item of every section for `rep`, each naming its account; the names returned."""
    tag = rep.username.upper()
    stop = plan(rep, f"{tag}-TODAY", "A", "morning")
    late = plan(rep, f"{tag}-LATE", "B", "any", day=days(-3))
    promised = quiet_account(rep, name=f"{tag}-PROMISE")
    CommitmentFactory(account=promised, owner=rep, title=f"{tag}-PROMISE-TITLE", due_date=today())
    CommitmentFactory(account=promised, owner=rep, title=f"{tag}-SLIPPED", due_date=days(-1))
    feted = quiet_account(rep, name=f"{tag}-BIRTHDAY")
    contact = ContactFactory(account=feted, name=f"{tag}-CONTACT")
    occasion = OccasionFactory()
    ReminderFactory(
        account=feted,
        recipient=rep,
        kind=Reminder.Kind.GREETING,
        subject=f"contact:{contact.pk}",
        occasion=occasion,
        occasion_code=occasion.code,
        contact=contact,
        date=days(1),
    )
    AccountFactory(owner=rep, name=f"{tag}-DUE")
    ProspectFactory(account=AccountFactory(owner=rep, name=f"{tag}-PROSPECT"))
    shown = [stop.account.name, late.account.name, promised.name, feted.name]
    return [*shown, f"{tag}-PROMISE-TITLE", f"{tag}-SLIPPED", f"{tag}-DUE", f"{tag}-PROSPECT"]


@pytest.mark.parametrize(
    ("viewer", "query", "sees"),
    [
        ("r1", "", {"r1"}),
        ("r3", "", {"r3"}),
        ("m1", "", {"r1", "r2"}),
        ("m2", "", {"r3", "r4"}),
        ("admin", "?team=t1", {"r1", "r2"}),
        ("admin", "?team=t2", {"r3", "r4"}),
    ],
)
def test_today_shows_exactly_the_viewers_book_or_team(client, org, viewer, query, sees):
    names = {r: _everything_for(org[r]) for r in ("r1", "r2", "r3", "r4")}
    if query:
        query = f"?team={org[query.removeprefix('?team=')].pk}"
    client.force_login(org[viewer])
    html = client.get(f"/today/{query}").content.decode()
    for rep, rep_names in names.items():
        for name in rep_names:
            assert (name in html) == (rep in sees), (viewer, name)


def test_a_user_who_chose_chinese_reads_today_in_chinese(client, org):
    org["r1"].language = "zh-hans"
    org["r1"].save()
    client.force_login(org["r1"])
    html = client.get("/today/").content.decode()
    assert "今天的拜访" in html and "今天没有计划拜访。" in html


def test_done_on_a_commitment_returns_to_today_without_it(client, org):
    rep = org["r1"]
    promise = CommitmentFactory(
        account=quiet_account(rep, name="Promised Co"),
        owner=rep,
        title="Call back",
        due_date=today(),
    )
    client.force_login(rep)
    html = client.get("/today/").content.decode()
    done_url = reverse("commitments:done", args=[promise.pk])
    assert f'action="{done_url}"' in html
    response = client.post(done_url, {"next": "/today/"})
    assert response.status_code == 302 and response["Location"] == "/today/"
    promise.refresh_from_db()
    assert promise.status == Commitment.Status.DONE
    assert "Call back" not in client.get("/today/").content.decode()


# --- The "due" sections' single pass ---------------------------------------------------------


def _reference_due_ranks(user, *, day, limit, owners=None):
    """The "due" sections ranked the straightforward way (the ORM's `due_not_planned`, whose
    last visit is a correlated subquery, through `_ranked`): what `_ranked_due` must equal."""
    from django.db.models import Case, CharField, Exists, F, OuterRef, Value, When

    from today.selectors import DUE, PROSPECTS, _ranked, _tier_rank
    from visits.selectors import due_not_planned

    open_prospect = Exists(Prospect.objects.open().filter(account_id=OuterRef("pk")))
    qs = due_not_planned(user, day=day).annotate(is_prospect=open_prospect)
    qs = qs.exclude(is_prospect=True, due__gt=day)
    if owners is not None:
        qs = qs.filter(owner__in=owners)
    part = Case(
        When(is_prospect=True, then=Value(PROSPECTS)), default=Value(DUE), output_field=CharField()
    )
    order = [F("due"), _tier_rank(), F("name"), F("id")]
    return _ranked(qs, rep_path="owner_id", order=order, limit=limit, part=part)


def test_the_due_sections_single_pass_ranks_as_due_not_planned_does(org):
    """Every case of the rule at once, with a small limit so that ties and totals matter:
    never visited (due from creation, some created long ago), visited long ago or lately, each
    tier and none, equal names (the id decides), open prospects due today or within the
    horizon only (left out), abandoned ones, accounts with a plan, another rep's book."""
    from accounts.models import Account
    from today.selectors import _ranked_due, team_members
    from visits.models import VisitSettings
    from visits.selectors import unplanned_with_cadence

    created = {}
    for rep in (org["r1"], org["r2"], org["r3"]):
        for i, tier in enumerate(["A", "B", "C", "", "A", "B", "C", ""] * 2):
            account = AccountFactory(owner=rep, tier=tier, name=f"Same name {i % 3}")
            created[account.pk] = -(i * 37 % 200)
            if i % 4 == 1:
                VisitFactory(account=account, visit_date=days(-(i * 11)), logged_by=rep)
            if i % 4 == 2:
                VisitFactory(account=account, visit_date=days(-(i * 29)), logged_by=rep)
                VisitFactory(account=account, visit_date=days(-(i * 3)), logged_by=rep)
            if i % 5 == 0:
                ProspectFactory(account=account)
            elif i % 7 == 3:
                ProspectFactory(
                    account=account, decision=Prospect.Decision.ABANDON, decision_reason="No"
                )
            if i == 9:
                VisitPlanFactory(account=account, planned_date=days(1))
    rep = org["r1"]
    settings = VisitSettings.load()
    # Equal due dates: the tier decides (A before B before C before none), then the name.
    for tier, name in (("C", "Tie 1"), ("", "Tie 0"), ("A", "Tie 3"), ("B", "Tie 2")):
        created[AccountFactory(owner=rep, tier=tier, name=name).pk] = -100
    # Open prospects due tomorrow (within the horizon: left out) and today (listed).
    for shift in (1, 0):
        prospect = ProspectFactory(account=AccountFactory(owner=rep, tier="A", name="Next"))
        visit_day = days(shift - settings.cadence_for("A"))
        VisitFactory(account=prospect.account, visit_date=visit_day, logged_by=rep)
        created[prospect.account.pk] = -300
    for pk, shift in created.items():
        Account.objects.filter(pk=pk).update(created_at=timezone.now() + dt.timedelta(days=shift))
    until = today() + dt.timedelta(days=settings.due_horizon_days)
    for user, owners, limit in (
        (org["r1"], None, 3),
        (org["r1"], None, 50),
        (org["m1"], team_members(org["m1"]).values("pk"), 2),
        (org["admin"], team_members(org["admin"]).values("pk"), 4),
    ):
        candidates = unplanned_with_cadence(user)
        if owners is not None:
            candidates = candidates.filter(owner__in=owners)
        got = _ranked_due(candidates, day=today(), until=until, limit=limit)
        expected = _reference_due_ranks(user, day=today(), limit=limit, owners=owners)
        assert got == expected
        assert {r.part for r in got.values()} == {"due", "prospects"}
