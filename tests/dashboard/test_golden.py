"""The dashboard's outputs for the book in conftest.py, byte for byte against files recorded from
the code before the figures became typed (tests/dashboard/golden/): the JSON of every API
endpoint (keys in their order, numbers as the API writes them), the CSV download and the chart
data of the page. Database ids, the run's id and its finish time change from run to run; they
are replaced by the names of the book's accounts, users and teams before comparing.

A change of shape that is meant (a new figure, a new field) is recorded again with
`DASHBOARD_GOLDEN_WRITE=1 pytest tests/dashboard/test_golden.py`, and the diff of the golden
files is then part of the review."""

import csv
import io
import json
import os
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from scoring.dashboard.selectors import FIGURES
from tests.dashboard.conftest import PERIOD_PARAMS, TODAY
from tests.factories import AccountFactory, UserFactory

pytestmark = pytest.mark.django_db

GOLDEN = Path(__file__).parent / "golden"
# Keys whose values are database ids, and what they are ids of.
ACCOUNT_KEYS = {"account"}
USER_KEYS = {"owner_id"}
TEAM_KEYS = {"team_id"}


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    # The plans and touches figures are "as of today": the book's today, whatever the date.
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)


class Names:
    """Database ids to the book's names."""

    def __init__(self, book, extra_accounts=()):
        self.accounts = {a.pk: name for name, a in book.accounts.items()}
        self.accounts.update({a.pk: a.name for a in extra_accounts})
        self.users = {
            u.pk: u.username for u in (book.admin, book.m1, book.m2, book.r1, book.r2, book.r3)
        }
        self.teams = {book.north.pk: "North", book.south.pk: "South"}

    def json(self, value, key: str = ""):
        if isinstance(value, dict):
            if {"id", "as_of", "finished_at"} <= set(value):  # a tier run
                return {**value, "id": "<run>", "finished_at": "<finished>"}
            return {k: self.json(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self.json(v, key) for v in value]
        if key in ACCOUNT_KEYS and value is not None:
            return self.accounts[value]
        if key in USER_KEYS and value is not None:
            return self.users[value]
        if key in TEAM_KEYS and value is not None:
            return self.teams[value]
        return value

    def urls(self, text: str) -> str:
        return re.sub(r"/accounts/(\d+)/", lambda m: f"/accounts/{self.accounts[int(m[1])]}/", text)


def _compare(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("DASHBOARD_GOLDEN_WRITE"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), name


def _api_payloads(user, names: Names, **params) -> str:
    api = APIClient()
    api.force_authenticate(user)
    payloads = {}
    for figure in FIGURES:
        response = api.get(reverse(f"dashboard-api:{figure}"), {**PERIOD_PARAMS, **params})
        assert response.status_code == 200, figure
        payloads[figure] = names.json(json.loads(response.content))
    return json.dumps(payloads, indent=1, ensure_ascii=False) + "\n"


@pytest.mark.parametrize(
    ("who", "narrow"),
    [("m1", None), ("admin", None), ("admin", "r1"), ("r2", None), ("m2", None)],
)
def test_the_api_payload_of_every_figure_is_unchanged(scored, who, narrow):
    names = Names(scored)
    params = {"owner": getattr(scored, narrow).pk} if narrow else {}
    text = _api_payloads(getattr(scored, who), names, **params)
    _compare(f"api-{who}{'-' + narrow if narrow else ''}.json", text)


def test_the_api_payload_of_an_empty_book_is_unchanged(book):
    # given a rep with one account and nothing else, and no tier run at all
    rep = UserFactory(username="dash-new")
    account = AccountFactory(owner=rep, name="Dash empty")
    names = Names(book, extra_accounts=[account])
    names.users[rep.pk] = rep.username
    _compare("api-empty.json", _api_payloads(rep, names))


def _csv(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("dashboard_csv"), PERIOD_PARAMS)
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode("utf-8-sig")


def test_the_csv_download_is_unchanged(client, scored):
    names = Names(scored)
    rows = list(csv.reader(io.StringIO(_csv(client, scored.m1))))
    # account ids stand in the "Account ID" column of the tables that list accounts
    column = None
    for row in rows:
        if "Account ID" in row:
            column = row.index("Account ID")
        elif not row:
            column = None
        elif column is not None and len(row) > column:
            row[column] = names.accounts[int(row[column])]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    _compare("export-m1.csv", out.getvalue())


def test_the_pages_chart_data_is_unchanged(client, scored):
    names = Names(scored)
    client.force_login(scored.m1)
    response = client.get(reverse("dashboard"), PERIOD_PARAMS)
    assert response.status_code == 200
    text = json.dumps(response.context["chart"], indent=1, ensure_ascii=False) + "\n"
    _compare("chart-m1.json", names.urls(text))
