"""The tier-drop forecast: the model on a hand-made book, the command, the page, the API
(through the visibility rule) and the backtest."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from health.backtest import backtest_tier_forecast
from health.forecast import forecast_params, tier_forecast
from tests.factories import AccountFactory, UserFactory
from tests.health.conftest import DAY, add_orders

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(db):
    """Four steady A customers (1000 a month for two years), one A customer whose orders
    stopped 100 days before DAY, and five small C customers (50 a month); two reps share them."""
    rep1, rep2 = UserFactory(username="fc-rep1"), UserFactory(username="fc-rep2")
    accounts = {}
    for i in range(4):
        owner = rep1 if i < 2 else rep2
        accounts[f"steady{i}"] = AccountFactory(owner=owner, tier="A", name=f"Steady {i}")
        add_orders(accounts[f"steady{i}"], [(15 + 30 * k, "1000") for k in range(24)])
    accounts["fader"] = AccountFactory(owner=rep1, tier="A", name="Fader")
    add_orders(accounts["fader"], [(100 + 30 * k, "1000") for k in range(20)])
    for i in range(5):
        accounts[f"small{i}"] = AccountFactory(owner=rep2, tier="C", name=f"Small {i}")
        add_orders(accounts[f"small{i}"], [(10 + 30 * k, "50") for k in range(24)])
    return {"rep1": rep1, "rep2": rep2, **accounts}


def _by_name(rows):
    return {row.name: row for row in rows}


def test_a_fading_a_customer_is_forecast_to_drop_with_its_reasons(book):
    rows = _by_name(tier_forecast(forecast_params(as_of=DAY, horizon_days=90)))
    # Only A and B accounts are forecast.
    assert set(rows) == {"Steady 0", "Steady 1", "Steady 2", "Steady 3", "Fader"}
    fader = rows["Fader"]
    # Projected: the orders 100 to 274 days back stay in the window at DAY + 90 (6 × 1000),
    # nothing more at the pace of the last 90 days; the steady ones keep 9 and add 3.
    assert fader.projected_revenue == 6000
    assert rows["Steady 0"].projected_revenue == 12000
    # 48 000 of 57 000 (the small ones project 600 each) is ranked above it: 84.2% before
    # it, 4.2 points past the A cut-off.
    assert round(fader.margin, 1) == 4.2
    assert fader.probability > 0.99
    assert fader.predicted_tier == "B"
    assert fader.reasons[0].startswith("Projected revenue 6000.00 puts it 4.2 points past")
    assert any("usual interval" in reason for reason in fader.reasons)
    steady = rows["Steady 0"]
    assert (steady.predicted_tier, steady.probability < 0.01) == ("A", True)
    assert "inside the A cut-off" in steady.reasons[0]


def test_a_tier_without_orders_in_the_window_is_forecast_to_drop(book):
    lapsed = AccountFactory(owner=book["rep1"], tier="B", name="Lapsed")
    add_orders(lapsed, [(500, "100")])
    row = _by_name(tier_forecast(forecast_params(as_of=DAY)))["Lapsed"]
    assert (row.predicted_tier, row.probability > 0.99) == ("C", True)
    assert "No order in the window." in row.reasons


def test_the_json_command_prints_one_object_per_account(book, capsys):
    call_command("forecast_tiers", "--as-of", DAY.isoformat(), "--horizon-days", "90", "--json")
    lines = capsys.readouterr().out.strip().splitlines()
    objects = [json.loads(line) for line in lines]
    assert len(objects) == 5
    fader = next(o for o in objects if o["name"] == "Fader")
    assert set(fader) == {"id", "name", "current_tier", "predicted_tier", "probability", "reasons"}
    # A past day's tiers are computed from its window: 48 000 of 60 000 ranked above the
    # fader, exactly the 80% cut-off, so it is B then, and projected to stay B.
    assert (fader["id"], fader["current_tier"], fader["predicted_tier"]) == (
        book["fader"].pk,
        "B",
        "B",
    )


def test_a_past_as_of_computes_the_tiers_of_that_day(book, capsys):
    # A year back, the fader was still ordering: the tiers are computed from that window.
    call_command("forecast_tiers", "--as-of", "2025-06-30", "--json")
    objects = [json.loads(line) for line in capsys.readouterr().out.strip().splitlines()]
    assert {o["name"]: o["current_tier"] for o in objects}["Fader"] == "A"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--horizon-days", "0"], "--horizon-days: give 1 to 730 days."),
        (["--horizon-days", "soon"], "--horizon-days: 'soon' is not a whole number."),
        (["--as-of", "30/06/2026"], "--as-of: '30/06/2026' is not a date"),
    ],
)
def test_the_command_refuses_bad_options(book, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("forecast_tiers", *args)


def test_the_api_lists_only_the_callers_book(book, api):
    client = api(book["rep1"])
    response = client.get("/api/v1/scoring/forecast/", {"as_of": DAY.isoformat()})
    assert response.status_code == 200
    body = response.json()
    assert (body["as_of"], body["horizon_days"], body["count"]) == (DAY.isoformat(), 90, 3)
    # Likeliest drop first; ranked on the whole company's revenue all the same.
    assert [r["name"] for r in body["results"]] == ["Fader", "Steady 0", "Steady 1"]
    assert body["results"][0]["predicted_tier"] == "B"


def test_the_api_refuses_a_bad_horizon_naming_the_field(book, api):
    response = api(book["rep1"]).get("/api/v1/scoring/forecast/", {"horizon_days": "0"})
    assert response.status_code == 400
    assert "horizon_days" in response.json()


def test_the_api_needs_a_signed_in_user(client):
    assert client.get("/api/v1/scoring/forecast/").status_code in (401, 403)


def test_the_page_shows_the_users_book(book, client):
    client.force_login(book["rep2"])
    page = client.get(reverse("health:forecast"), {"as_of": DAY.isoformat()}).content.decode()
    assert "Steady 2" in page and "Steady 3" in page
    assert "Fader" not in page and "Steady 0" not in page


def test_the_page_says_what_is_wrong_with_a_bad_filter(book, client):
    client.force_login(book["rep1"])
    response = client.get(reverse("health:forecast"), {"horizon_days": "9999"})
    assert response.status_code == 200
    assert "Fader" not in response.content.decode()
    assert "horizon_days" in response.content.decode()


def test_the_backtest_counts_the_drop_the_forecast_foresaw(book):
    # A second fader whose last eight orders shrank to 300 before they stopped 300 days
    # before DAY: between the first as-of date (a window after the first order) and the
    # last (a horizon before the last order) it leaves A, and its pace said so before.
    early = AccountFactory(owner=book["rep1"], tier="A", name="Early fader")
    add_orders(early, [(300 + 30 * k, "1000" if k >= 8 else "300") for k in range(20)])
    result = backtest_tier_forecast(horizon_days=90)
    assert result.as_of_dates
    assert result.a_accounts > 0
    assert result.baseline.tp == result.baseline.fp == 0
    assert result.baseline.f1 == 0.0
    assert result.drops == result.forecast.tp + result.forecast.fn
    assert result.forecast.tp >= 1  # the fader, foreseen before it left A
    assert result.forecast.f1 > result.baseline.f1


def test_the_backtest_command_without_history(db, capsys):
    call_command("backtest_tier_forecast")
    assert "Not enough order history" in capsys.readouterr().out
