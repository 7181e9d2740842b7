"""The dashboard page, its API and its downloads: roles, empty states, bad input, the number of
queries, and the page and the API agreeing."""

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from scoring.dashboard.api.serializers import SERIALIZERS
from scoring.dashboard.selectors import FIGURES
from scoring.dashboard.views import PARETO_TABLE_ROWS, _pareto_rows
from scoring.models import TierRun
from scoring.services import tiers_recompute
from tests.dashboard.conftest import PERIOD_PARAMS, TODAY
from tests.factories import AccountFactory, OrderFactory, UserFactory, VisitFactory

pytestmark = pytest.mark.django_db


def _page(client, user, **params):
    client.force_login(user)
    return client.get(reverse("dashboard"), {**PERIOD_PARAMS, **params})


def _api(user, figure: str, **params):
    api = APIClient()
    api.force_authenticate(user)
    return api.get(reverse(f"dashboard-api:{figure}"), {**PERIOD_PARAMS, **params})


def test_anonymous_is_sent_to_the_login(client):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_api_refuses_anonymous():
    assert APIClient().get(reverse("dashboard-api:kpis")).status_code in (401, 403)


@pytest.mark.parametrize(
    ("who", "sales", "names"),
    [
        ("admin", "2,000.00", {"a1", "a2", "a3", "a4", "a5", "a6"}),
        ("m1", "1,000.00", {"a1", "a2", "a3", "a4", "a6"}),
        ("m2", "1,000.00", {"a5"}),
        ("r1", "900.00", {"a1", "a2", "a6"}),
    ],
)
def test_every_role_sees_the_figures_of_its_own_book(client, scored, who, sales, names):
    response = _page(client, getattr(scored, who))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-kpi="sales">{sales}<' in html
    shown = {
        p["name"].removeprefix("Dash ") for p in response.context["figures"]["quadrants"]["points"]
    }
    assert shown == names
    for other in {"a1", "a2", "a3", "a4", "a5", "a6"} - names:
        assert f"Dash {other}<" not in html and f'"Dash {other}"' not in html


def test_the_nav_links_the_dashboard(client, book):
    client.force_login(book.r1)
    html = client.get(reverse("accounts:list")).content.decode()
    assert f'href="{reverse("dashboard")}"' in html


@pytest.mark.parametrize("field", ["owner", "team"])
def test_a_rep_cannot_pick_another_reps_population(client, book, field):
    # r1 asks for r3's book (or South's team): not theirs, answered as not found
    value = book.r3.pk if field == "owner" else book.south.pk
    assert _page(client, book.r1, **{field: value}).status_code == 404
    assert _api(book.r1, "kpis", **{field: value}).status_code == 404
    client.force_login(book.r1)
    assert client.get(reverse("dashboard_csv"), {field: value}).status_code == 404


def test_a_manager_cannot_pick_another_team(client, book):
    assert _page(client, book.m1, team=book.south.pk).status_code == 404
    assert _page(client, book.m1, owner=book.r3.pk).status_code == 404
    assert _page(client, book.m1, owner=book.r2.pk).status_code == 200


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"date_from": "2026-11-30", "date_to": "2026-11-01"}, "date_from"),
        ({"date_from": "30/11/2026"}, "date_from"),
        ({"date_to": "not a date"}, "date_to"),
        ({"date_from": "2000-01-01", "date_to": "2026-11-30"}, "date_to"),
        ({"date_from": "0005-01-01", "date_to": "2026-11-30"}, "date_from"),
    ],
)
def test_a_bad_period_is_a_400_naming_the_field(client, book, params, field):
    response = _api(book.m1, "kpis", **params)
    assert response.status_code == 400
    assert list(response.json()) == [field]
    client.force_login(book.m1)
    page = client.get(reverse("dashboard"), params)
    assert page.status_code == 400
    assert field in page.context["form"].errors
    assert 'role="alert"' in page.content.decode()


def test_default_period_is_the_last_30_days(book):
    body = _api(book.m1, "kpis", date_from="", date_to="").json()
    today = datetime.date.today()
    assert body["period"]["date_to"] == today.isoformat()
    assert body["period"]["date_from"] == (today - datetime.timedelta(days=29)).isoformat()
    assert body["period"]["days"] == 30


def test_empty_states_before_any_order_visit_or_run(client, db):
    rep = UserFactory(username="dash-new")
    AccountFactory(owner=rep, name="Dash empty")
    response = _page(client, rep)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-empty="orders"' in html
    assert 'data-empty="visits"' in html
    assert 'id="no-run"' in html
    assert response.context["figures"]["tiers"]["run"] is None
    for figure in FIGURES:
        assert _api(rep, figure).status_code == 200, figure


def test_no_orders_in_the_period_but_a_run(client, scored):
    response = _page(client, scored.m1, date_from="2020-01-01", date_to="2020-01-31")
    html = response.content.decode()
    assert 'data-empty="orders"' in html and 'data-empty="visits"' in html
    assert 'id="chart-scatter"' in html  # the snapshot's figures stay


def test_api_and_page_give_the_same_numbers(client, scored):
    page = _page(client, scored.m1, owner=scored.r1.pk).context["figures"]
    for figure in FIGURES:
        response = _api(scored.m1, figure, owner=scored.r1.pk)
        assert response.status_code == 200, figure
        assert response.json() == SERIALIZERS[figure](page[figure]).data, figure
    index = APIClient()
    index.force_authenticate(scored.m1)
    names = [f["name"] for f in index.get(reverse("dashboard-api:index")).json()["figures"]]
    assert names == list(FIGURES)


def test_scatter_and_cells_link_to_the_filtered_account_list(client, scored):
    html = _page(client, scored.m1).content.decode()
    accounts = reverse("scoring:accounts")
    assert f'href="{accounts}?quadrant=4"' in html
    assert f'href="{accounts}?priority=A%2B"' in html
    assert f'href="{accounts}?tier=A"' in html
    # the filtered list holds exactly the quadrant's accounts
    listing = client.get(accounts, {"quadrant": 4}).content.decode()
    assert "Dash a6" in listing and "Dash a1" not in listing


def test_each_scatter_point_links_to_its_accounts_card(client, scored):
    chart = _page(client, scored.m1).context["chart"]["scatter"]["points"]
    names = {a.name: a.pk for a in scored.accounts.values()}
    assert len(chart) == 5
    for point in chart:
        assert point["url"] == reverse("accounts:detail", args=[names[point["name"]]])


def test_csv_export_holds_the_dashboards_tables(client, scored):
    client.force_login(scored.m1)
    response = client.get(reverse("dashboard_csv"), PERIOD_PARAMS)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Manager dashboard", "2026-11-01", "2026-11-30"]
    client.force_login(scored.r1)
    scored.r1.language = "zh-hans"
    scored.r1.save()
    mine = client.get(reverse("dashboard_csv"), PERIOD_PARAMS)
    first = b"".join(mine.streaming_content).decode("utf-8-sig").splitlines()[0]
    assert first == "我的仪表板,2026-11-01,2026-11-30"
    client.force_login(scored.m1)
    kpi = rows.index(["Key figures"])
    assert rows[kpi + 2] == ["Customers", "3", "2", "1", "0.500000"]
    assert rows[kpi + 4][:3] == ["Sales", "1000.00", "600.00"]
    tiers = rows.index(["Tier distribution"])
    assert rows[tiers + 2] == ["A", "2", "0.400000", "1400.00", "0.777778"]
    flagged = rows.index(["Effort alignment by owner"])
    assert rows[flagged + 2][0] == "dash-r1" and rows[flagged + 2][-1] == "TRUE"
    assert "Dash a5" not in text  # South's account


def test_xlsx_export_holds_the_same_tables(client, scored):
    client.force_login(scored.m1)
    response = client.get(reverse("dashboard_xlsx"), PERIOD_PARAMS)
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    values = list(workbook.active.iter_rows(values_only=True))
    kpi = next(i for i, row in enumerate(values) if row[0] == "Key figures")
    assert values[kpi + 2][:4] == ("Customers", 3, 2, 1)
    assert values[kpi + 4][1] == 1000


def test_query_count_does_not_grow_with_accounts(client, db):
    def measure(n: int) -> int:
        manager = UserFactory(username=f"qc-m{n}", role="manager")
        from tests.factories import TeamFactory

        team = TeamFactory(name=f"QC {n}", manager=manager)
        reps = [UserFactory(username=f"qc-r{n}-{i}", team=team) for i in range(2)]
        for i in range(n):
            account = AccountFactory(owner=reps[i % 2], name=f"QC {n} {i}")
            OrderFactory(account=account, date=TODAY, amount=Decimal(10 + i))
            OrderFactory(account=account, date=datetime.date(2026, 10, 15), amount=Decimal(5))
            VisitFactory(
                account=account, visit_date=TODAY, duration_minutes=30, logged_by=account.owner
            )
        tiers_recompute(trigger=TierRun.Trigger.CLI, as_of=TODAY)
        client.force_login(manager)
        client.get(reverse("dashboard"), PERIOD_PARAMS)  # warm the session and the caches
        from django.core.cache import cache

        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("dashboard"), PERIOD_PARAMS)
        assert response.status_code == 200
        assert len(response.context["figures"]["quadrants"]["points"]) == min(n, 400)
        return len(queries)

    small, big = measure(5), measure(50)
    assert small == big
    assert big <= 40


def test_the_pages_pareto_table_is_capped_and_keeps_the_marks():
    # given a curve of 100 points with the 20% mark at 19 and the 80% one at 57
    points = [{"i": i, "mark": {19: "20", 57: "80"}.get(i, "")} for i in range(100)]
    rows = _pareto_rows(points)
    # then the first and the last point, evenly spaced ones and both marks, in order
    kept = [r["i"] for r in rows]
    assert kept[0] == 0 and kept[-1] == 99
    assert {19, 57} <= set(kept)
    assert kept == sorted(kept)
    assert PARETO_TABLE_ROWS <= len(rows) <= PARETO_TABLE_ROWS + 2
    # a short curve is shown whole
    assert _pareto_rows(points[:PARETO_TABLE_ROWS]) == points[:PARETO_TABLE_ROWS]


def test_a_short_pareto_curve_is_shown_whole_on_the_page(client, scored):
    response = _page(client, scored.m1)
    assert response.context["pareto_rows"] == response.context["figures"]["pareto"]["points"]
    assert "data-pareto-capped" not in response.content.decode()
