"""A manager opens the dashboard: the charts render, and a click on the quadrant 4 area of the
scatter opens the account list filtered to quadrant 4."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from scoring.models import TierRun
from scoring.services import tiers_recompute
from tests.browser.conftest import login, screenshot
from tests.factories import AccountFactory, OrderFactory, TeamFactory, UserFactory, VisitFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Pick the spot of the quadrant 4 area (high input, low output) farthest from every point, in
# canvas pixels, from the chart's own scales.
QUADRANT_4_SPOT = """() => {
  const chart = window.dashboardCharts["chart-scatter"];
  const data = JSON.parse(document.getElementById("dashboard-data").textContent).scatter;
  const a = chart.chartArea, xs = chart.scales.x, ys = chart.scales.y;
  const left = Math.max(xs.getPixelForValue(data.input), a.left) + 4;
  const top = Math.min(ys.getPixelForValue(data.output), a.bottom) + 4;
  const points = [];
  chart.data.datasets.forEach((ds, i) => chart.getDatasetMeta(i).data.forEach(p => points.push(p)));
  let best = null;
  for (let x = left; x < a.right - 2; x += 6) {
    for (let y = top; y < a.bottom - 2; y += 6) {
      const d = Math.min(...points.map(p => Math.hypot(p.x - x, p.y - y)));
      if (!best || d > best.d) best = { x, y, d };
    }
  }
  return best;
}"""


def test_manager_sees_the_charts_and_clicks_through_quadrant_4(live_server, chromium):
    manager = UserFactory(username="dash-browser-m", role="manager")
    team = TeamFactory(name="Browser team", manager=manager)
    rep = UserFactory(username="dash-browser-r", team=team)
    today = timezone.localdate()
    # output (revenue) and visits: quadrant 3 (high, high), 2 (high, low), 1 (low, low), 4
    spec = [
        ("Keep Co", 1000, 3),
        ("Protect Co", 800, 0),
        ("Grow Co", 600, 0),
        ("Quiet Co", 20, 0),
        ("Cheap Co", 15, 0),
        ("Costly Co", 10, 2),
    ]
    for name, revenue, visits in spec:
        account = AccountFactory(owner=rep, name=name, channel="direct")
        OrderFactory(account=account, date=today, amount=Decimal(revenue))
        OrderFactory(account=account, date=today - datetime.timedelta(days=40), amount=Decimal(5))
        for _ in range(visits):
            VisitFactory(account=account, visit_date=today, duration_minutes=60, logged_by=rep)
    AccountFactory(name="Somebody else's Co")
    tiers_recompute(trigger=TierRun.Trigger.CLI, as_of=today)

    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        login(page, live_server, "dash-browser-m", "pw-Secret-123")
        page.click("nav >> text=Dashboard")
        page.wait_for_url(f"{live_server.url}/dashboard/")
        page.wait_for_function(
            "() => window.dashboardCharts && window.dashboardCharts['chart-scatter']"
        )
        drawn = page.evaluate(
            """() => Object.keys(window.dashboardCharts).filter(id => {
                 const c = document.getElementById(id);
                 const px = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
                 for (let i = 3; i < px.length; i += 4) if (px[i] !== 0) return true;
                 return false;
               })"""
        )
        assert {"chart-tiers", "chart-pareto", "chart-scatter", "chart-effort"} <= set(drawn)
        # every chart has its numbers as a table
        for table in ("table-tiers", "table-quadrants", "table-effort", "table-growth"):
            assert page.locator(f"#{table}").count() == 1
        assert page.locator("text=Somebody else's Co").count() == 0
        screenshot(page, "manager-dashboard")

        spot = page.evaluate(QUADRANT_4_SPOT)
        assert spot and spot["d"] > 8, spot
        # A click on the canvas at that spot (scrolled into view first): an area, not a point.
        page.locator("#chart-scatter").click(position={"x": spot["x"], "y": spot["y"]})
        page.wait_for_url(lambda url: "/scoring/accounts/" in url and "quadrant=4" in url)
        names = page.locator("table.table tbody").inner_text()
        assert "Costly Co" in names
        assert "Keep Co" not in names and "Protect Co" not in names
        screenshot(page, "manager-dashboard-quadrant-4")
    finally:
        context.close()
