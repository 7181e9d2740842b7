"""What a dashboard request asks: who, about which accounts (a population, through the one
visibility rule), over which period, as of which day; and the reads the figures share, computed
once per query and cached.

Periods: `date_from`..`date_to`, both included; by default the last 30 days ending today (a
rolling month reads the same on every Monday, unlike a calendar month that is nearly empty on
its first days). The previous period is the one of the same length just before it ("change").
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TypedDict, TypeVar, cast

from django.core.cache import cache
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import Account
from crm.models import Team, Territory, User
from scoring import selectors as scoring
from scoring.dashboard import sql
from scoring.models import TierRun

DEFAULT_PERIOD_DAYS = 30
MAX_PERIOD_DAYS = 3660
# The first part of every cache key of the dashboard: bump it when a cached value changes its
# type, so that a deploy never reads what the former code cached.
CACHE_PREFIX = "dashboard2"

T = TypeVar("T")


@dataclass(frozen=True)
class Period:
    date_from: datetime.date
    date_to: datetime.date

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    @property
    def previous(self) -> Period:
        end = self.date_from - datetime.timedelta(days=1)
        return Period(end - datetime.timedelta(days=self.days - 1), end)


def default_period(today: datetime.date | None = None) -> Period:
    today = today or timezone.localdate()
    return Period(today - datetime.timedelta(days=DEFAULT_PERIOD_DAYS - 1), today)


def week_of(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """Monday to Sunday of the week of `day`."""
    start = day - datetime.timedelta(days=day.weekday())
    return start, start + datetime.timedelta(days=6)


def month_of(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first and the last day of the calendar month of `day`."""
    start = day.replace(day=1)
    following = (start + datetime.timedelta(days=32)).replace(day=1)
    return start, following - datetime.timedelta(days=1)


def orders_generation() -> int:
    """The generation of the order lines (see `scoring.dashboard.sql.orders_generation`)."""
    return sql.orders_generation(connection)


class PopulationFilters(TypedDict):
    """The population's narrowing, as the scoring selectors take it (ids or None)."""

    team: int | None
    territory: int | None
    owner: int | None


class DashboardQuery:
    """Who asks, about which accounts, over which period; figures computed once per query."""

    def __init__(
        self,
        *,
        user: User,
        team: Team | int | None = None,
        territory: Territory | int | None = None,
        owner: User | int | None = None,
        period: Period | None = None,
        today: datetime.date | None = None,
    ):
        self.user = user
        self.today = today or timezone.localdate()
        self.period = period or default_period(self.today)
        self.population = scoring.population(user=user, team=team, territory=territory, owner=owner)
        self.filters: PopulationFilters = {
            "team": self.population.team,
            "territory": self.population.territory,
            "owner": self.population.owner,
        }

    def accounts(self) -> QuerySet[Account]:
        return self.population.accounts()

    def account_filter(self, path: str = "account__") -> Q:
        """The population's narrowing (team, territory, owner; as `Population.accounts`) as
        a Q over `path`, for reads that already go through the visibility rule and join the
        account: the same accounts without a second pass over them."""
        pop = self.population
        narrowing = Q()
        if pop.team:
            narrowing &= Q(**{f"{path}owner__team_id": pop.team})
        if pop.territory:
            narrowing &= Q(**{f"{path}territory_id": pop.territory})
        if pop.owner:
            narrowing &= Q(**{f"{path}owner_id": pop.owner})
        return narrowing

    @cached_property
    def run(self) -> TierRun | None:
        return scoring.latest_run()

    @cached_property
    def tier_figures(self) -> scoring.TierFigures | None:
        if self.run is None:
            return None
        return scoring.tier_distribution(user=self.user, run=self.run, **self.filters)

    def cached(
        self, kind: str, compute: Callable[[], T], *, run: TierRun | None, extra: tuple = ()
    ) -> T:
        """`compute()`, cached for `scoring.FIGURES_CACHE_SECONDS` under a key of this
        population (the user's role and team included), `kind`, `run` and `extra`. Figures of
        a run pass it: a finished recompute (a new run) gives new keys; others pass None and
        whatever else decides their value (the period, a generation) as `extra`."""
        key = self.population.cache_key(f"{CACHE_PREFIX}-{kind}", run, *extra)
        # get_or_set returns what compute() gave (django-stubs allow None for a None default).
        return cast(T, cache.get_or_set(key, compute, scoring.FIGURES_CACHE_SECONDS))

    @cached_property
    def order_groups(self) -> list[sql.OrderGroup]:
        """Customers of this and the previous period, per channel and status (see
        `scoring.dashboard.sql.order_groups`).

        Cached per population and period under the generation of the order lines (see
        `orders_generation`): any write to the orders, however it is made, gives new keys.
        The generation is bumped when the writing statement runs, before its transaction
        commits; a request in between may cache the figures of before the write under the
        new generation, so the entry also expires after FIGURES_CACHE_SECONDS. Reassigned
        accounts or a changed channel are picked up by that expiry too."""
        period = self.period
        extra = (f"g{orders_generation()}", period.date_from, period.date_to)
        return self.cached("orders", self._order_groups, run=None, extra=extra)

    def _order_groups(self) -> list[sql.OrderGroup]:
        population = None if self.population.unrestricted else self.population.accounts_sql()
        return sql.order_groups(
            connection,
            date_from=self.period.date_from,
            date_to=self.period.date_to,
            previous_from=self.period.previous.date_from,
            population_sql=population,
        )
