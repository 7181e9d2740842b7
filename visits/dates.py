"""Date rules of visits and occasions, as plain functions (the SQL in services follows them).

- Cadence: the next visit is due `cadence` days after the last one; an account never visited
  is due from the day it was created.
- Plan periods: a week runs Monday to Sunday; a month from its first to its last day.
- Birthdays on 29 February are celebrated on 28 February in years that are not leap years.
- Spring Festival (lunar 1/1) and Mid-Autumn (lunar 8/15) come from the Chinese lunar calendar
  (library `lunar_python`); a lunar day 30 in a month of 29 days falls on the 29th.
"""

import calendar
import datetime
from collections.abc import Iterator

from lunar_python import Lunar, LunarYear

ONE_DAY = datetime.timedelta(days=1)


def week_bounds(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    start = day - datetime.timedelta(days=day.weekday())
    return start, start + datetime.timedelta(days=6)


def month_bounds(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    last = calendar.monthrange(day.year, day.month)[1]
    return day.replace(day=1), day.replace(day=last)


def days(start: datetime.date, end: datetime.date) -> Iterator[datetime.date]:
    day = start
    while day <= end:
        yield day
        day += ONE_DAY


def next_due(
    last_visit: datetime.date | None, cadence_days: int, *, created: datetime.date
) -> datetime.date:
    if last_visit is None:
        return created
    return last_visit + datetime.timedelta(days=cadence_days)


def plan_dates(
    *,
    due: datetime.date,
    cadence_days: int,
    start: datetime.date,
    end: datetime.date,
) -> list[datetime.date]:
    """Days in [start, end] on which an account due on `due` should be visited: the first on
    the due day (or on `start` when already overdue), then every `cadence_days`."""
    first = max(due, start)
    out = []
    while first <= end:
        out.append(first)
        first += datetime.timedelta(days=cadence_days)
    return out


def birthday_in_year(month: int, day: int, year: int) -> datetime.date:
    if month == 2 and day == 29 and not calendar.isleap(year):
        return datetime.date(year, 2, 28)
    return datetime.date(year, month, day)


def birthday_keys_on(day: datetime.date) -> list[tuple[int, int]]:
    """(month, day) pairs of birthdays celebrated on `day`."""
    keys = [(day.month, day.day)]
    if day.month == 2 and day.day == 28 and not calendar.isleap(day.year):
        keys.append((2, 29))
    return keys


def lunar_to_solar(year: int, month: int, day: int) -> datetime.date:
    """The solar date of lunar `month`/`day` in lunar `year` (never a leap month)."""
    day = min(day, LunarYear.fromYear(year).getMonth(month).getDayCount())
    solar = Lunar.fromYmd(year, month, day).getSolar()
    return datetime.date(solar.getYear(), solar.getMonth(), solar.getDay())


def spring_festival(year: int) -> datetime.date:
    return lunar_to_solar(year, 1, 1)


def mid_autumn(year: int) -> datetime.date:
    return lunar_to_solar(year, 8, 15)


def yearly_dates(
    kind: str, month: int, day: int, start: datetime.date, end: datetime.date
) -> list[datetime.date]:
    """Dates of a yearly occasion ("lunar" or "solar") that fall in [start, end]."""
    out = []
    for year in range(start.year - 1, end.year + 1):
        if kind == "lunar":
            when = lunar_to_solar(year, month, day)
        else:
            when = birthday_in_year(month, day, year)
        if start <= when <= end:
            out.append(when)
    return sorted(out)
