"""Locust users for `bench_load`: reps and managers who browse lists, cards, the dashboard, the
pipeline and the calendar, and log visits, as people do (a short pause between pages).

Run by bench/bench_load.py (`locust -f bench/locustfile_load.py --headless …`) with:
LOAD_USERNAMES (comma-separated demo users, one per simulated user), LOAD_PASSWORD and
LOAD_DASHBOARD (the dashboard's path). Signing in and finding the user's own accounts happen
before the run starts (test_start) and are not measured: the measured requests are what a
signed-in user does all day.
"""

import itertools
import os
import random
import re

import requests
from locust import HttpUser, between, events, task

USERNAMES = os.environ["LOAD_USERNAMES"].split(",")
PASSWORD = os.environ["LOAD_PASSWORD"]
DASHBOARD = os.environ.get("LOAD_DASHBOARD", "/dashboard/")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SEARCHES = ["华信", "机械", "Acme", "物流", "Pacific", "电子"]
LIST_QUERIES = ["", "?sort=-updated", "?tier=A", "?page=2", "?lifecycle=existing&sort=tier"]
_next_user = itertools.count()
_signed_in: dict[str, tuple[requests.cookies.RequestsCookieJar, list[int]]] = {}


def _sign_in(host: str, username: str) -> tuple[requests.cookies.RequestsCookieJar, list[int]]:
    session = requests.Session()
    page = session.get(f"{host}/login/", timeout=30)
    token = CSRF.search(page.text).group(1)
    answer = session.post(
        f"{host}/login/",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{host}/login/"},
        timeout=30,
    )
    if "/login/" in answer.url:
        raise RuntimeError(f"could not sign in as {username}")
    accounts = session.get(f"{host}/api/v1/accounts/?page_size=200", timeout=30).json()
    account_ids = [row["id"] for row in accounts["results"]]
    if not account_ids:
        raise RuntimeError(f"{username} has no accounts")
    return session.cookies, account_ids


@events.test_start.add_listener
def _sign_everyone_in(environment, **kwargs):
    """Sign-ins (Argon2 is slow on purpose) happen before the measured run starts."""
    for username in USERNAMES:
        _signed_in[username] = _sign_in(environment.host, username)


class CrmUser(HttpUser):
    wait_time = between(0.5, 1.5)

    def on_start(self):
        self.username = USERNAMES[next(_next_user) % len(USERNAMES)]
        cookies, self.account_ids = _signed_in[self.username]
        self.client.cookies.update(cookies)

    @task(4)
    def account_list(self):
        self.client.get(f"/accounts/{random.choice(LIST_QUERIES)}", name="/accounts/ (list)")

    @task(1)
    def account_search(self):
        self.client.get(f"/accounts/?q={random.choice(SEARCHES)}", name="/accounts/?q= (search)")

    @task(4)
    def account_card(self):
        self.client.get(f"/accounts/{random.choice(self.account_ids)}/", name="/accounts/<id>/")

    @task(2)
    def dashboard(self):
        self.client.get(DASHBOARD, name="dashboard")

    @task(1)
    def pipeline(self):
        self.client.get("/prospects/", name="/prospects/ (board)")

    @task(1)
    def calendar(self):
        self.client.get("/visits/", name="/visits/ (week)")

    @task(1)
    def log_visit(self):
        account = random.choice(self.account_ids)
        form = self.client.get(f"/visits/log/?account={account}", name="/visits/log/ (form)")
        match = CSRF.search(form.text)
        if match is None:
            return
        with self.client.post(
            f"/visits/log/?account={account}",
            data={
                "csrfmiddlewaretoken": match.group(1),
                "account": account,
                "visit_date": "2026-11-30",
                "visit_time": "10:00",
                "purpose": "Load test visit",
                "outcome": "Discussed the next order",
                "next_step": "Send the quote",
                "duration_minutes": 45,
                "expenses": "12.50",
            },
            headers={"Referer": f"{self.host}/visits/log/"},
            name="/visits/log/ (save)",
            catch_response=True,
        ) as response:
            if "Visit logged" not in response.text:
                response.failure("the visit was not saved")
