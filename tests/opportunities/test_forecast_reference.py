"""The forecast's set-based SQL against a straightforward computation on random data: every
deal and every change read one by one in Python, for an admin, a team, an owner, a manager
and a rep (hypothesis)."""

import datetime as dt
from collections import defaultdict
from dataclasses import astuple
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework import serializers

from accounts.models import Account, AccountTeamMember
from crm.models import User
from opportunities.api.forecast import CellSerializer
from opportunities.forecast import (
    CHANGE_LIST_LIMIT,
    Cell,
    Figures,
    changes_since,
    forecast,
    population_for,
)
from opportunities.models import Opportunity, OpportunityChange
from tests.factories import AccountFactory, AccountTeamMemberFactory, StageFactory

APR, JUL = dt.date(2026, 4, 1), dt.date(2026, 7, 1)
CLOSE_DAYS = [
    dt.date(2026, 3, 31),
    APR,
    dt.date(2026, 5, 15),
    dt.date(2026, 6, 30),
    JUL,
    dt.date(2026, 9, 1),
]
CENT = Decimal("0.01")
SINCE = timezone.make_aware(dt.datetime(2026, 5, 1))


@pytest.fixture
def stages(db):
    return [
        StageFactory(position=1, probability=10),
        StageFactory(position=2, probability=55),
        StageFactory(position=3, probability=100, is_won=True),
        StageFactory(position=4, probability=0, is_lost=True),
    ]


@pytest.fixture
def book(org):
    """The org's accounts, one of r3's accounts with r2 on its account team (a manager of r2
    sees it), and one of r4's where deals are owned by r1 (r1's manager sees those)."""
    shared = AccountFactory(owner=org["r3"], name="Shared")
    AccountTeamMemberFactory(account=shared, user=org["r2"])
    return [*org["accounts"].values(), shared, AccountFactory(owner=org["r4"], name="Other")]


state = st.tuples(
    st.integers(0, 3),  # stage index
    st.decimals(min_value=0, max_value=10**5, places=2),
    st.sampled_from(CLOSE_DAYS),
)
# Hours from SINCE: before it, at it, after it (ties between changes included).
moment = st.sampled_from([-300, -24, -1, 0, 1, 5, 5, 48])
deal_spec = st.tuples(
    st.integers(0, 5),  # account index in `book`
    st.booleans(),  # owned by r1 whatever the account
    st.sampled_from(["commit", "best_case", "pipeline", "omitted"]),
    st.one_of(st.none(), st.integers(0, 100)),
    st.lists(st.tuples(moment, state), min_size=1, max_size=4),  # creation, then changes
)
PROPERTY = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _write(org, stages, book, specs) -> None:
    """Deals whose current state is their history's last one; the history rows chain the
    states (each change's before is the previous state), at sorted moments."""
    Opportunity.objects.all().delete()
    for account_index, by_r1, category, probability, history in specs:
        account = book[account_index]
        owner = org["r1"] if by_r1 else account.owner
        history = sorted(history, key=lambda step: step[0])
        stage_index, amount, close = history[-1][1]
        stage = stages[stage_index]
        deal = Opportunity.objects.create(
            account=account,
            owner=owner,
            name=f"Deal of {owner.username}",
            amount=amount,
            close_date=close,
            stage=stage,
            status=stage.status,
            closed_on=close if stage.is_closed else None,
            category=category,
            probability=probability,
        )
        previous = None
        for hours, (s, amt, day) in history:
            OpportunityChange.objects.create(
                opportunity=deal,
                kind="created" if previous is None else "changed",
                changed_at=SINCE + dt.timedelta(hours=hours),
                stage_before=None if previous is None else stages[previous[0]],
                stage_after=stages[s],
                status_before="" if previous is None else stages[previous[0]].status,
                status_after=stages[s].status,
                amount_before=None if previous is None else previous[1],
                amount_after=amt,
                close_date_before=None if previous is None else previous[2],
                close_date_after=day,
            )
            previous = (s, amt, day)


def _deals(user: User, team=None, owner=None) -> list[Opportunity]:
    """The visibility rule written out, deal by deal, then the narrowing."""
    if user.role == User.Role.MANAGER:
        owners = {user.pk, *User.objects.filter(team__manager=user).values_list("pk", flat=True)}
    else:
        owners = {user.pk}
    members = set(
        AccountTeamMember.objects.filter(user_id__in=owners).values_list("account_id", flat=True)
    )
    account_owner = dict(Account.objects.values_list("pk", "owner_id"))
    deals = [
        d
        for d in Opportunity.objects.select_related("stage", "owner")
        if user.is_admin
        or d.owner_id in owners
        or account_owner[d.account_id] in owners
        or d.account_id in members
    ]
    if team is not None:
        deals = [d for d in deals if d.owner.team_id == team.pk]
    if owner is not None:
        deals = [d for d in deals if d.owner_id == owner.pk]
    return deals


def _expected_grid(deals: list[Opportunity], start: dt.date, end: dt.date):
    """(owner, month) -> Figures, the weighted amount rounded per category as the page
    shows it (a cent at most apart from rounding the cell's sum)."""
    cells: dict = defaultdict(lambda: defaultdict(Decimal))
    weights: dict = defaultdict(Decimal)
    for deal in deals:
        if not start <= deal.close_date < end:
            continue
        key = (deal.owner_id, deal.close_date.replace(day=1))
        cell = cells[key]
        cell["deals"] += 1
        cell["total"] += deal.amount
        if deal.status in ("won", "lost"):
            cell[deal.status] += deal.amount
            cell[f"{deal.status}_count"] += 1
            continue
        cell["open"] += deal.amount
        cell["open_count"] += 1
        category = deal.category if deal.category != "pipeline" else "pipeline_only"
        cell[category] += deal.amount
        if deal.category != "omitted":
            probability = deal.probability
            if probability is None:
                probability = deal.stage.probability
            weights[(*key, deal.category)] += deal.amount * probability / 100
    for (owner, month, _category), weight in weights.items():
        cells[(owner, month)]["weighted"] += weight.quantize(CENT, ROUND_HALF_UP)
    return {key: Figures(**values) for key, values in cells.items()}


def _got_grid(result) -> dict:
    got = {}
    for team in result.teams:
        for rep in team.reps:
            for month, cell in zip(result.months, rep.months, strict=True):
                if cell.figures != Figures():
                    got[(rep.key, month)] = cell.figures
    return got


def _expected_changes(deals: list[Opportunity], start: dt.date, end: dt.date):
    """Each deal's state at SINCE from its first change after it, classified as the
    forecast's docstring says."""
    first_after: dict[int, OpportunityChange] = {}
    for change in OpportunityChange.objects.filter(changed_at__gt=SINCE).order_by(
        "-changed_at", "-pk"
    ):
        first_after[change.opportunity_id] = change  # the earliest one is written last
    found = []
    for deal in deals:
        first = first_after.get(deal.pk)
        then_close = getattr(first, "close_date_before", None) or deal.close_date
        then_amount = getattr(first, "amount_before", None)
        then_amount = deal.amount if then_amount is None else then_amount
        then_status = getattr(first, "status_before", "") or deal.status
        then = (then_amount, then_close)
        if first is not None and first.kind == "created":
            if start <= deal.close_date < end and deal.status != "lost":
                found.append(("new", deal, then))
            continue
        in_now, in_then = start <= deal.close_date < end, start <= then_close < end
        kind = ""
        if in_now and not in_then and deal.status != "lost":
            kind = "moved_in"
        elif in_then and then_status == "open" and deal.close_date >= end:
            kind = "slipped_out"
        elif in_then and then_status == "open" and deal.status == "lost":
            kind = "lost"
        elif in_then and in_now and deal.status != "lost" and then_amount != deal.amount:
            kind = "amount_changed"
        if kind:
            found.append((kind, deal, then))
    return found


def _check(user: User, team=None, owner=None) -> None:
    population = population_for(user, team=team and team.pk, owner=owner and owner.pk)
    assert population is not None
    deals = _deals(user, team, owner)
    for period, day in (("quarter", APR), ("month", dt.date(2026, 6, 3))):
        result = forecast(population, period=period, day=day)
        assert _got_grid(result) == _expected_grid(deals, result.start, result.end)
        changes = changes_since(population, period=period, day=day, since=SINCE)
        expected = _expected_changes(deals, result.start, result.end)
        counts: dict = defaultdict(int)
        amounts: dict = defaultdict(Decimal)
        by_owner: dict = defaultdict(lambda: defaultdict(int))
        for kind, deal, _then in expected:
            counts[kind] += 1
            amounts[kind] += deal.amount
            by_owner[deal.owner_id][kind] += 1
        assert {k: v for k, v in changes.counts.items() if v} == dict(counts)
        assert {k: v for k, v in changes.amounts.items() if v} == {
            k: v for k, v in amounts.items() if v
        }
        assert {o: {k: n for k, n in c.items() if n} for o, c in changes.by_owner.items()} == {
            o: dict(c) for o, c in by_owner.items()
        }
        listed = sorted(expected, key=lambda row: (-row[1].amount, row[1].pk))
        assert [astuple(r)[:2] + astuple(r)[3:] for r in changes.rows] == [
            (kind, deal.pk, deal.owner_id, then[0], deal.amount, then[1], deal.close_date)
            for kind, deal, then in listed[:CHANGE_LIST_LIMIT]
        ]


@PROPERTY
@given(specs=st.lists(deal_spec, max_size=14))
def test_the_forecast_and_its_changes_equal_a_deal_by_deal_reading(org, stages, book, specs):
    _write(org, stages, book, specs)
    _check(org["admin"])
    _check(org["admin"], team=org["t1"])
    _check(org["admin"], owner=org["r3"])
    _check(org["m1"])
    _check(org["m2"])
    _check(org["r1"])
    _check(org["r2"])


money = st.decimals(min_value=0, max_value=10**12, places=2)


@settings(max_examples=50, deadline=None)
@given(
    amounts=st.lists(money, min_size=9, max_size=9),
    counts=st.lists(st.integers(0, 10**6), min_size=4, max_size=4),
    target=st.one_of(st.none(), money),
)
def test_a_cell_reads_as_the_declared_fields_write_it(amounts, counts, target):
    total, won, lost, open_, commit, best, pipeline, omitted, weighted = amounts
    figures = Figures(
        counts[0], total, won, counts[1], lost, counts[2], open_, counts[3],
        commit, best, pipeline, omitted, weighted,
    )  # fmt: skip
    cell = Cell(figures, target)
    generic = serializers.Serializer.to_representation(CellSerializer(), cell)
    assert CellSerializer(cell).data == generic
