"""Scoring against the access oracle, over random organisations (hypothesis).

Every scoring endpoint is reviewed in `endpoints.SCORING_REVIEWED`; this module checks each
one. Per example: an organisation from `oracle.build_org`, extra order lines of drawn amounts
(returns and zero included), two recomputes (so that some accounts move), then for every user
(each role, a user of no known role, the inactive rep, nobody signed in):
- the snapshot lists (`/api/v1/scoring/tiers/`, `/scoring/accounts/`, `/scoring/movers/`) hold
  exactly the rows of the oracle's book, with every tier, quadrant, priority and movement filter;
- the aggregates (tiers per run and on the overview, Pareto curve, quadrants, priority matrix;
  pages and API) equal figures computed here, in plain Python from the run's snapshot rows, over
  exactly the oracle's book, also when narrowed to an owner or a team inside it; an owner or team
  outside it answers exactly like an id that does not exist;
- an account's tier history answers 404 outside the book;
- runs are company-wide (everyone signed in lists them), their company-wide figures are for
  admins only;
- a recompute is queued only by managers and admins, and the settings change only for admins:
  everyone else is refused and nothing changes;
- no response shows a token of a record outside the book.
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from core.models import PendingTask
from crm.models import User
from scoring.models import ScoringSettings, TierRun, TierSnapshot
from scoring.services import tiers_recompute
from tests.factories import OrderFactory
from tests.security.endpoints import SCORING_REVIEWED, classify_all
from tests.security.oracle import Org, build_org, org_specs
from tests.security.test_access_oracle import (
    ORACLE_SETTINGS,
    _api_list,
    _assert_no_leak,
    _client,
    _in_rollback,
)

pytestmark = pytest.mark.django_db

AS_OF = datetime.date(2026, 6, 30)
TIERS = ("A", "B", "C")
QUADRANTS = (1, 2, 3, 4)
PRIORITIES = ("A+", "A", "B", "C")
# Extra order amounts per account (None: no extra line): returns, zero, ties, one big account.
AMOUNTS = st.sampled_from(
    [
        None,
        Decimal("-40"),
        Decimal("0"),
        Decimal("5"),
        Decimal("10"),
        Decimal("250"),
        Decimal("9000"),
    ]
)
SHARE = Decimal("0.000001")
ROW_FIELDS = (
    "account_id",
    "tier",
    "quadrant",
    "priority",
    "movement",
    "revenue",
    "position",
    "input_score",
    "output_value",
)
SCORING_API = [
    "scoring-api:tier-list",
    "scoring-api:pareto",
    "scoring-api:quadrants",
    "scoring-api:priority",
    "scoring-api:run-list",
]
SCORING_PAGES = [
    "scoring:overview",
    "scoring:pareto",
    "scoring:quadrants",
    "scoring:priority",
    "scoring:accounts",
    "scoring:movers",
    "scoring:runs",
    "scoring:recompute",
    "scoring:settings",
]
CHECKED: set[str] = set()


def _positive(value) -> Decimal:
    return value if value is not None and value > 0 else Decimal(0)


def _money(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def expected_figures(rows: list[dict], ids: set[int]) -> dict:
    """The figures of the accounts `ids` in a run, from its snapshot rows, in plain Python."""
    mine = [r for r in rows if r["account_id"] in ids]

    def of(key, value):
        return [r for r in mine if r[key] == value]

    ranked = sorted(
        (r for r in mine if r["position"] is not None),
        key=lambda r: (-r["revenue"], r["account_id"]),
    )
    n = len(ranked)
    total = sum((_positive(r["revenue"]) for r in ranked), Decimal(0))
    cumulative, k80 = [Decimal(0)], 0
    for pos, r in enumerate(ranked, start=1):
        p = _positive(r["revenue"])
        cumulative.append(cumulative[-1] + p)
        if total > 0 and (cumulative[-1] - p) * 5 < total * 4 <= cumulative[-1] * 5:
            k80 = pos
    top20 = Decimal(0)
    if n and total:
        twenty = Decimal(n) / 5
        low, high = int(twenty), -(-n // 5)
        y20 = cumulative[low] + (twenty - low) * (cumulative[high] - cumulative[low])
        top20 = y20 / total
    return {
        "customers": n,
        "total_revenue": _money(sum((_positive(r["revenue"]) for r in mine), Decimal(0))),
        "untiered": sum(1 for r in mine if r["tier"] not in TIERS),
        "moved_up": sum(1 for r in mine if r["movement"] > 0),
        "moved_down": sum(1 for r in mine if r["movement"] < 0),
        "tiers": {
            t: (
                len(of("tier", t)),
                _money(sum((_positive(r["revenue"]) for r in of("tier", t)), 0)),
            )
            for t in TIERS
        },
        "quadrants": {
            q: (
                len(of("quadrant", q)),
                _money(sum((r["output_value"] or 0 for r in of("quadrant", q)), Decimal(0))),
            )
            for q in QUADRANTS
        },
        "priority": {
            p: (
                len(of("priority", p)),
                _money(sum((_positive(r["revenue"]) for r in of("priority", p)), Decimal(0))),
            )
            for p in PRIORITIES
        },
        "pareto": (n, _money(total), k80, top20.quantize(SHARE)),
    }


def _tiers_of(figures) -> dict:
    """Tier figures (the API's dict or a page's dataclass) in the shape of expected_figures."""
    get = figures.get if isinstance(figures, dict) else lambda k: getattr(figures, k)
    return {
        "customers": get("customers"),
        "total_revenue": _money(get("total_revenue")),
        "untiered": get("untiered"),
        "moved_up": get("moved_up"),
        "moved_down": get("moved_down"),
        "tiers": {row["tier"]: (row["accounts"], _money(row["revenue"])) for row in get("tiers")},
    }


def _expected_tiers(expected: dict) -> dict:
    keys = ("customers", "total_revenue", "untiered", "moved_up", "moved_down", "tiers")
    return {k: expected[k] for k in keys}


def _cells(cells, key: str, value: str) -> dict:
    return {c[key]: (c["accounts"], _money(c[value])) for c in cells}


def _pareto_of(curve) -> tuple:
    get = curve.get if isinstance(curve, dict) else lambda k: getattr(curve, k)
    return (
        get("customers"),
        _money(get("total_revenue")),
        get("customers_to_80"),
        Decimal(str(get("top20_share"))),
    )


def _close(got: tuple, want: tuple) -> bool:
    """Pareto figures: counts and money exact; the interpolated share to its last digit."""
    return got[:3] == want[:3] and abs(got[3] - want[3]) <= SHARE


def _get(client, name: str, params: dict | None = None, **kwargs):
    CHECKED.add(name)
    return client.get(reverse(name, kwargs=kwargs or None), params or {})


def _check_aggregates(client, org: Org, user, rows, run, ids: set[int], params: dict) -> None:
    """Every aggregate endpoint, as `user` with `params`, equals the figures of `ids`."""
    want = expected_figures(rows, ids)
    where = (user.role, params)
    body = _get(client, "scoring-api:run-detail", pk=run.pk).json()
    if not params:
        assert _tiers_of(body["figures"]) == _expected_tiers(want), where
    pareto = _get(client, "scoring-api:pareto", params).json()
    assert _close(_pareto_of(pareto), want["pareto"]), (where, pareto, want["pareto"])
    quadrants = _get(client, "scoring-api:quadrants", params).json()
    assert _cells(quadrants["cells"], "quadrant", "output") == want["quadrants"], where
    priority = _get(client, "scoring-api:priority", params).json()
    assert _cells(priority["cells"], "priority", "revenue") == want["priority"], where
    for response in (pareto, quadrants, priority):
        _assert_no_leak(org, user, str(response).encode(), "scoring API figures")
    if params:
        return
    # The pages show the same figures (read from the context they render).
    page = _get(client, "scoring:overview", params)
    assert _tiers_of(page.context["figures"]) == _expected_tiers(want), where
    page = _get(client, "scoring:pareto", params)
    assert _close(_pareto_of(page.context["curve"]), want["pareto"]), where
    page = _get(client, "scoring:quadrants", params)
    assert _cells(page.context["figures"].cells, "quadrant", "output") == want["quadrants"]
    page = _get(client, "scoring:priority", params)
    assert _cells(page.context["figures"].cells, "priority", "revenue") == want["priority"]
    page = _get(client, "scoring:run_detail", pk=run.pk)
    assert _tiers_of(page.context["figures"]) == _expected_tiers(want), where


ACCOUNT_LINK = re.compile(r'href="/accounts/(\d+)/"')


def _tier_rows(client, params: dict) -> list[dict]:
    """Every row of the tiers API for `params` (encoded: "A+" is not "A ")."""
    CHECKED.add("scoring-api:tier-list")
    response = client.get(reverse("scoring-api:tier-list"), {**params, "page_size": 200})
    records = []
    while True:
        assert response.status_code == 200, (params, response.status_code, response.content)
        body = response.json()
        if isinstance(body, list):
            return body
        records += body["results"]
        if not body.get("next"):
            return records
        response = client.get(body["next"])


ROW_FILTERS = [
    *({"tier": t} for t in (*TIERS, "none")),
    *({"quadrant": q} for q in QUADRANTS),
    *({"priority": p} for p in PRIORITIES),
    {"direction": "up"},
    {"direction": "down"},
]


def _keep(row: dict, params: dict) -> bool:
    for key, value in params.items():
        if key == "tier" and row["tier"] != ("" if value == "none" else value):
            return False
        if key == "direction" and row["movement"] != (1 if value == "up" else -1):
            return False
        if key in ("quadrant", "priority") and row[key] != value:
            return False
    return True


def _check_rows(client, org: Org, user, rows, ids: set[int], data) -> None:
    """The snapshot lists hold exactly the rows of `ids`, unfiltered and with a drawn filter."""
    mine = [r for r in rows if r["account_id"] in ids]
    for params in ({}, data.draw(st.sampled_from(ROW_FILTERS), label="row filter")):
        want = {r["account_id"] for r in mine if _keep(r, params)}
        records = _tier_rows(client, params)
        assert {r["account"] for r in records} == want, (user.role, params)
        assert len(records) == len(want), (user.role, params)
        _assert_no_leak(org, user, str(records).encode(), "scoring-api:tier-list")
        page = _get(client, "scoring:accounts", params)
        assert set(map(int, ACCOUNT_LINK.findall(page.content.decode()))) == want, params
        _assert_no_leak(org, user, page.content, "scoring:accounts")
    moved = {r["account_id"] for r in mine if r["movement"]}
    page = _get(client, "scoring:movers")
    assert set(map(int, ACCOUNT_LINK.findall(page.content.decode()))) == moved, user.role
    _assert_no_leak(org, user, page.content, "scoring:movers")


def _narrowing(org: Org, user, data) -> tuple[dict, set[int]]:
    """An owner or a team inside the user's book (drawn), with the accounts it narrows to."""
    visible = org.visible_accounts(user)
    choices = [{"owner": pk} for pk in sorted(org.visible_users(user))]
    choices += [{"team": pk} for pk in sorted(org.visible_teams(user))]
    params = data.draw(st.sampled_from(choices), label="narrowing")
    if "owner" in params:
        return params, {a for a in visible if org.accounts[a] == params["owner"]}
    members = {u for u, t in org.team_of.items() if t == params["team"]}
    return params, {a for a in visible if org.accounts[a] in members}


def _foreign_filters(org: Org, user) -> list[dict]:
    owners = sorted({u.pk for u in org.users} - org.visible_users(user))
    teams = sorted(set(org.managers_of) - org.visible_teams(user))
    return [*({"owner": o} for o in owners[:1]), *({"team": t} for t in teams[:1])]


def _check_foreign_filters(client, org: Org, user) -> None:
    """A filter naming an owner or team outside the book answers as a missing id does."""
    missing = 10**9
    for params in _foreign_filters(org, user):
        (key,) = params
        response = _get(client, "scoring-api:pareto", params)
        absent = _get(client, "scoring-api:pareto", {key: missing})
        assert (response.status_code, absent.status_code) == (400, 400), params
        assert response.json().keys() == absent.json().keys() == {key}, params
        response = client.get(reverse("scoring-api:tier-list"), params)
        assert response.status_code == 400, params
        page = _get(client, "scoring:accounts", params)
        assert not ACCOUNT_LINK.findall(page.content.decode()), params
        assert page.context["form"].errors.keys() == {key}, params


def _write_state():
    return (
        list(TierRun.objects.order_by("pk").values()),
        PendingTask.objects.count(),
        list(ScoringSettings.objects.values()),
    )


def _check_writes(client, user, may_manage: bool) -> None:
    """Recompute: managers and admins queue one (HTML and API); settings: admins only."""
    CHECKED.update({"scoring:recompute", "scoring-api:run-list", "scoring:settings"})
    before = _write_state()
    page = client.post(reverse("scoring:recompute"))
    api = client.post(reverse("scoring-api:run-list"), {}, content_type="application/json")
    if may_manage:
        assert page.status_code == 302, page.status_code
        assert api.status_code == 202, api.status_code
        queued = TierRun.objects.get(status=TierRun.Status.QUEUED)
        assert api.json()["id"] == queued.pk
        assert page["Location"] == reverse("scoring:run_detail", args=[queued.pk])
    else:
        assert client.get(reverse("scoring:recompute")).status_code == 404
        assert page.status_code == 404, page.status_code
        assert api.status_code == 403, api.status_code
        assert _write_state() == before, user.role
    before = _write_state()
    settings_url = reverse("scoring:settings")
    attempt = {"method": "count", "a_cutoff": "50", "b_cutoff": "60", "window_days": "30"}
    if user.role == User.Role.ADMIN:
        assert client.get(settings_url).status_code == 200
    else:
        assert client.get(settings_url).status_code == 404
        assert client.post(settings_url, attempt).status_code == 404
        assert _write_state() == before, user.role


def _check_runs(client, org: Org, user, runs: list[TierRun], rows) -> None:
    """Runs are company-wide; their company figures (and tiers changed) are for admins."""
    listed = {r["id"] for r in _api_list(client, reverse("scoring-api:run-list"))}
    assert listed == set(TierRun.objects.values_list("pk", flat=True)), user.role
    is_admin = user.role == User.Role.ADMIN
    for run in runs:
        body = _get(client, "scoring-api:run-detail", pk=run.pk).json()
        assert (body["company"] is not None) == is_admin, user.role
        if is_admin:
            assert body["company"]["changed_count"] == run.changed_count
    # "Tiers changed" counts every account of the company: only admins see it.
    for page in (_get(client, "scoring:runs"), _get(client, "scoring:run_detail", pk=runs[-1].pk)):
        assert ("Tiers changed" in page.content.decode()) == is_admin, user.role
        _assert_no_leak(org, user, page.content, "scoring runs")
    assert _get(client, "scoring-api:run-detail", pk=10**9).status_code == 404
    assert _get(client, "scoring:run_detail", pk=10**9).status_code == 404


def _check_history(client, org: Org, user, runs: list[TierRun]) -> None:
    """An account's tier history: its rows, newest first; 404 outside the book."""
    visible = org.visible_accounts(user)
    for account in sorted(org.accounts):
        response = _get(client, "scoring-api:tier-detail", account=account)
        if account not in visible:
            assert response.status_code == 404, (user.role, account)
            continue
        assert response.status_code == 200, (user.role, account)
        body = response.json()
        want = list(
            TierSnapshot.objects.filter(account_id=account, run__in=runs)
            .order_by("-run_id")
            .values_list("run_id", flat=True)
        )
        assert [h["run"] for h in body["history"]] == want
        _assert_no_leak(org, user, response.content, "scoring-api:tier-detail")


def _check_refused(client) -> None:
    """Nobody (or an inactive user) signed in: the API refuses, the pages ask to sign in."""
    for name in SCORING_API:
        assert client.get(reverse(name)).status_code in (401, 403), name
        CHECKED.add(name)
    for name in SCORING_PAGES:
        response = client.get(reverse(name))
        assert response.status_code == 302 and response["Location"].startswith("/login/"), name
    assert client.post(reverse("scoring-api:run-list")).status_code in (401, 403)


@pytest.mark.slow  # about 60-70 s: every scoring endpoint for every user of several books
def test_scoring_endpoints_show_exactly_the_oracles_book():
    scoring = {ep.name for ep in classify_all() if ep.name.startswith("scoring")}
    assert scoring == set(SCORING_REVIEWED), scoring ^ set(SCORING_REVIEWED)

    @ORACLE_SETTINGS
    @given(spec=org_specs(), data=st.data())
    def check(spec, data):
        def run():
            org = build_org(spec)
            first = tiers_recompute(trigger=TierRun.Trigger.CLI, as_of=AS_OF)
            amounts = data.draw(
                st.lists(AMOUNTS, min_size=len(org.accounts), max_size=len(org.accounts)),
                label="amounts",
            )
            for account, amount in zip(sorted(org.accounts), amounts, strict=True):
                if amount is not None:
                    OrderFactory(account_id=account, date=datetime.date(2026, 6, 1), amount=amount)
            second = tiers_recompute(trigger=TierRun.Trigger.CLI, as_of=AS_OF)
            runs = [first, second]
            rows = list(TierSnapshot.objects.filter(run=second).values(*ROW_FIELDS))
            stranger = User.objects.create_user(username="scoring-norole", password=None)
            User.objects.filter(pk=stranger.pk).update(role="auditor")
            stranger.refresh_from_db()
            for user in [*org.users, stranger, None]:
                client = _client(user)
                if user is None or user.pk in org.inactive:
                    _check_refused(client)
                    continue
                visible = org.visible_accounts(user) if user is not stranger else set()
                _check_rows(client, org, user, rows, visible, data)
                _check_aggregates(client, org, user, rows, second, visible, {})
                if user is not stranger:
                    params, ids = _narrowing(org, user, data)
                    _check_aggregates(client, org, user, rows, second, ids, params)
                    records = _tier_rows(client, params)
                    want = {r["account_id"] for r in rows if r["account_id"] in ids}
                    assert {r["account"] for r in records} == want, (user.role, params)
                    _check_foreign_filters(client, org, user)
                _check_history(client, org, user, runs)
                _check_runs(client, org, user, runs, rows)
                _check_writes(client, user, may_manage=user.role in ("admin", "manager"))
            # The admin's figures are the whole company's: they agree with the stored summary.
            assert second.customers == expected_figures(rows, set(org.accounts))["customers"]

        _in_rollback(run)

    check()
    assert set(SCORING_REVIEWED) <= CHECKED, set(SCORING_REVIEWED) - CHECKED


# --- Regressions found by the oracle --------------------------------------------------------


def test_a_snapshot_list_with_a_filter_outside_the_book_shows_the_error_not_a_server_error(org):
    """/scoring/accounts/ and /scoring/movers/ with an owner or team the user may not narrow
    to answered 500 (the paginator was given a list); now the filter error and no rows."""
    tiers_recompute(trigger=TierRun.Trigger.CLI, as_of=AS_OF)
    client = _client(org["r1"])
    for name in ("scoring:accounts", "scoring:movers"):
        for params in ({"owner": org["r3"].pk}, {"team": org["t2"].pk}, {"owner": 10**9}):
            response = client.get(reverse(name), params)
            assert response.status_code == 200, (name, params, response.status_code)
            assert set(response.context["form"].errors) == set(params), (name, params)
            assert not ACCOUNT_LINK.findall(response.content.decode()), (name, params)


def test_the_runs_list_shows_how_many_tiers_changed_company_wide_to_admins_only(org):
    """The runs list showed every run's company-wide "tiers changed" count to everyone, while
    the run page and the API keep company figures for admins."""
    run = tiers_recompute(trigger=TierRun.Trigger.CLI, as_of=AS_OF)
    assert run.changed_count == 0  # no orders: no tier to change; the heading is the tell
    for name, shown in (("r1", False), ("m1", False), ("admin", True)):
        html = _client(org[name]).get(reverse("scoring:runs")).content.decode()
        assert ("Tiers changed" in html) == shown, name
        assert f'href="{reverse("scoring:run_detail", args=[run.pk])}"' in html, name


def test_a_user_of_no_known_role_gets_empty_figures_not_a_server_error(org):
    """The visibility rule gives a user of no known role nothing (deny by default); the
    figures of that empty book failed to build their SQL (EmptyResultSet, a 500)."""
    tiers_recompute(trigger=TierRun.Trigger.CLI, as_of=AS_OF)
    stranger = User.objects.create_user(username="scoring-nobody", password=None)
    User.objects.filter(pk=stranger.pk).update(role="auditor")
    stranger.refresh_from_db()
    run = TierRun.objects.latest_succeeded()
    client = _client(stranger)
    for name in ("scoring-api:pareto", "scoring-api:quadrants", "scoring-api:priority"):
        response = client.get(reverse(name))
        assert response.status_code == 200, (name, response.status_code)
        cells = response.json().get("cells", [])
        assert all(cell["accounts"] == 0 for cell in cells), name
    body = client.get(reverse("scoring-api:run-detail", args=[run.pk])).json()
    assert body["figures"]["customers"] == 0 and body["company"] is None
    for name in ("scoring:overview", "scoring:pareto", "scoring:quadrants", "scoring:priority"):
        assert client.get(reverse(name)).status_code == 200, name
    assert client.get(reverse("scoring:run_detail", args=[run.pk])).status_code == 200
