"""Cadence maths, plan periods, Feb 29 birthdays and lunar holidays (pure functions)."""

import datetime as dt

import pytest

from visits.dates import (
    birthday_in_year,
    birthday_keys_on,
    mid_autumn,
    month_bounds,
    next_due,
    plan_dates,
    spring_festival,
    week_bounds,
    yearly_dates,
)

D = dt.date


@pytest.mark.parametrize(
    ("last", "cadence", "due"),
    [
        (D(2025, 1, 31), 30, D(2025, 3, 2)),  # January's end, February of 28 days
        (D(2024, 1, 31), 30, D(2024, 3, 1)),  # leap year: February has 29 days
        (D(2024, 2, 22), 7, D(2024, 2, 29)),  # lands on the leap day
        (D(2025, 2, 22), 7, D(2025, 3, 1)),
        (D(2024, 12, 28), 7, D(2025, 1, 4)),  # across the year end
        (D(2023, 12, 1), 90, D(2024, 2, 29)),
        (D(2024, 11, 30), 90, D(2025, 2, 28)),
    ],
)
def test_next_due_adds_the_cadence_in_days(last, cadence, due):
    assert next_due(last, cadence, created=D(2020, 1, 1)) == due


def test_never_visited_account_is_due_from_its_creation_day():
    assert next_due(None, 7, created=D(2026, 3, 5)) == D(2026, 3, 5)


@pytest.mark.parametrize(
    ("day", "bounds"),
    [
        (D(2024, 2, 29), (D(2024, 2, 26), D(2024, 3, 3))),
        (D(2025, 12, 31), (D(2025, 12, 29), D(2026, 1, 4))),
        (D(2026, 3, 1), (D(2026, 2, 23), D(2026, 3, 1))),  # a Sunday ends its week
    ],
)
def test_week_runs_monday_to_sunday(day, bounds):
    assert week_bounds(day) == bounds


@pytest.mark.parametrize(
    ("day", "bounds"),
    [
        (D(2024, 2, 10), (D(2024, 2, 1), D(2024, 2, 29))),
        (D(2025, 2, 10), (D(2025, 2, 1), D(2025, 2, 28))),
        (D(2026, 4, 30), (D(2026, 4, 1), D(2026, 4, 30))),
        (D(2026, 12, 1), (D(2026, 12, 1), D(2026, 12, 31))),
    ],
)
def test_month_bounds(day, bounds):
    assert month_bounds(day) == bounds


def test_plan_dates_repeat_the_cadence_inside_the_period():
    start, end = month_bounds(D(2024, 2, 1))
    assert plan_dates(due=D(2024, 2, 8), cadence_days=7, start=start, end=end) == [
        D(2024, 2, 8),
        D(2024, 2, 15),
        D(2024, 2, 22),
        D(2024, 2, 29),
    ]
    # Overdue: the first visit goes on the first day of the period.
    assert plan_dates(due=D(2024, 1, 3), cadence_days=30, start=start, end=end) == [D(2024, 2, 1)]
    assert plan_dates(due=D(2024, 3, 1), cadence_days=30, start=start, end=end) == []


def test_feb_29_birthdays_are_celebrated_on_feb_28_in_common_years():
    assert birthday_in_year(2, 29, 2024) == D(2024, 2, 29)
    assert birthday_in_year(2, 29, 2025) == D(2025, 2, 28)
    assert birthday_in_year(2, 29, 2100) == D(2100, 2, 28)  # not a leap year
    assert birthday_keys_on(D(2025, 2, 28)) == [(2, 28), (2, 29)]
    assert birthday_keys_on(D(2024, 2, 28)) == [(2, 28)]
    assert birthday_keys_on(D(2024, 2, 29)) == [(2, 29)]


@pytest.mark.parametrize(
    ("year", "day"),
    [
        (2024, D(2024, 2, 10)),
        (2025, D(2025, 1, 29)),
        (2026, D(2026, 2, 17)),
        (2027, D(2027, 2, 6)),
        (2028, D(2028, 1, 26)),
        (2030, D(2030, 2, 3)),
    ],
)
def test_spring_festival_from_the_lunar_calendar(year, day):
    assert spring_festival(year) == day


@pytest.mark.parametrize(
    ("year", "day"),
    [
        (2024, D(2024, 9, 17)),
        (2025, D(2025, 10, 6)),
        (2026, D(2026, 9, 25)),
        (2027, D(2027, 9, 15)),
        (2028, D(2028, 10, 3)),
    ],
)
def test_mid_autumn_from_the_lunar_calendar(year, day):
    assert mid_autumn(year) == day


def test_yearly_dates_find_lunar_and_solar_dates_in_a_window():
    # A window across the year end catches New Year once and Spring Festival of 2025.
    window = (D(2024, 12, 25), D(2025, 2, 5))
    assert yearly_dates("solar", 1, 1, *window) == [D(2025, 1, 1)]
    assert yearly_dates("lunar", 1, 1, *window) == [D(2025, 1, 29)]
    assert yearly_dates("lunar", 8, 15, *window) == []
    # Lunar New Year's Eve (12/30) in a year whose 12th month has 29 days: the 29th.
    assert yearly_dates("lunar", 12, 30, D(2025, 1, 1), D(2025, 2, 28)) == [D(2025, 1, 28)]
