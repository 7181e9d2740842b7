"""The accounts list API (/api/v1/accounts/) on a million seed_demo accounts, under gunicorn
on 127.0.0.1, loaded by wrk with 16 connections, beside a default DRF endpoint on the same
data and the same gunicorn (ModelSerializer over every field + PageNumberPagination, which
counts the rows on every request: bench/baseline/).

Goal (issue 2): at least 10× the baseline's requests per second and p95 under 100 ms on the
whole book (an admin's list). Typical filters and orderings are measured as well, and each
one's SQL is EXPLAIN ANALYZEd so the index it uses is shown (bench/out/accounts_api_plans.txt).

Run alone: `make bench BENCH_ARGS="accounts_api --no-write"`; smaller:
`--api-accounts 100000`; longer runs: `--api-seconds 20`.
"""

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import common  # noqa: E402
from common import Row  # noqa: E402

TITLE = "Accounts list API (gunicorn + wrk, 16 connections)"
API = "/api/v1/accounts/"
BASELINE = "/bench/baseline/accounts/"
SETTINGS = "bench.baseline.settings"
PLANS = HERE / "out" / "accounts_api_plans.txt"


@dataclass
class Case:
    label: str
    username: str
    query: str  # query string without "?"; "{rep_id}" is filled in
    headline: bool = False


CASES = [
    Case("whole book (admin), ordered by name", "admin", "", headline=True),
    Case("rep, owner filter", "rep", "owner={rep_id}"),
    Case("manager, team scope", "manager", ""),
    Case("admin, search q=宏达电子", "admin", "q=" + quote("宏达电子")),
    Case("admin, ordering=-created_at", "admin", "ordering=-created_at"),
]


def add_arguments(parser) -> None:
    group = parser.add_argument_group("accounts_api")
    group.add_argument("--api-accounts", type=int, default=1_000_000, help="seeded accounts")
    group.add_argument(
        "--api-orders-per-account",
        type=float,
        default=2.0,
        help="order lines per existing account in the seeded database (the list reads none)",
    )
    group.add_argument("--api-seconds", type=float, default=10, help="wrk duration per run")
    group.add_argument("--api-connections", type=int, default=16)
    group.add_argument("--api-workers", type=int, default=0, help="gunicorn workers (0: auto)")


def _user_ids(db_url: str) -> dict[str, int]:
    import psycopg

    with psycopg.connect(db_url) as conn:
        rows = conn.execute(
            "SELECT username, id FROM crm_user WHERE username IN ('admin', 'manager', 'rep')"
        ).fetchall()
    return dict(rows)


def _explain(db_url: str, username: str, path: str) -> dict:
    """Run one request in-process (a child Python) and EXPLAIN ANALYZE its list query."""
    env = common.django_env(
        db_url,
        DJANGO_SETTINGS_MODULE=SETTINGS,
        DJANGO_SECRET_KEY="bench-only-" + "x" * 50,
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_ALLOWED_HOSTS="testserver",
        PYTHONPATH=str(common.ROOT),
    )
    out = subprocess.run(
        [common.PYTHON, __file__, "--explain", username, path],
        cwd=common.ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def _explain_main(username: str, path: str) -> None:
    """Child process: print {"queries", "indexes", "ms", "plan", "sql"} as one JSON line."""
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    from crm.models import User

    client = APIClient()
    client.force_authenticate(User.objects.get(username=username))
    client.get(path)  # warm up caches and the connection
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, response.content[:500]
    sql = [q["sql"] for q in captured.captured_queries]
    # The list itself: the query on accounts with the page's LIMIT (the count, if any, aside).
    main = next(q for q in sql if "accounts_account" in q and "LIMIT" in q and "COUNT(" not in q)
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + main)
        plan = cursor.fetchone()[0]
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + main)
        text = "\n".join(row[0] for row in cursor.fetchall())
    plan = plan[0] if isinstance(plan, list) else json.loads(plan)[0]
    indexes: list[str] = []

    def walk(node):
        name = node.get("Index Name")
        if name and name not in indexes:
            indexes.append(name)
        for child in node.get("Plans", []):
            walk(child)

    walk(plan["Plan"])
    seq = "Seq Scan" in text and "accounts_account" in text.split("Seq Scan", 1)[1][:60]
    print(
        json.dumps(
            {
                "queries": len(sql),
                "indexes": indexes,
                "seq_scan": seq,
                "ms": plan["Execution Time"],
                "plan": text,
                "sql": main,
            }
        )
    )


def run(args) -> list[Row]:
    accounts = getattr(args, "api_accounts", 1_000_000)
    seconds = getattr(args, "api_seconds", 10)
    connections = getattr(args, "api_connections", 16)
    workers = getattr(args, "api_workers", 0) or None
    db_url = common.seeded_database(
        accounts, orders_per_account=getattr(args, "api_orders_per_account", 2.0)
    )
    common.ensure_wrk()
    ids = _user_ids(db_url)
    tokens = {name: common.api_token(db_url, name) for name in ("admin", "manager", "rep")}
    PLANS.parent.mkdir(parents=True, exist_ok=True)
    plans = []
    rows: list[Row] = []
    with common.gunicorn(db_url, settings=SETTINGS, workers=workers) as server:
        print(f"  gunicorn at {server.url} (pid {server.process.pid})", flush=True)
        for case in CASES:
            query = case.query.format(rep_id=ids["rep"])
            suffix = f"?{query}" if query else ""
            headers = {"Authorization": f"Token {tokens[case.username]}"}
            ours_explain = _explain(db_url, case.username, API + suffix)
            base_explain = _explain(db_url, case.username, BASELINE + suffix)
            results = {}
            load_before = os.getloadavg()[0]
            for name, path in (("ours", API), ("baseline", BASELINE)):
                url = server.url + path + suffix
                common.wait_idle(server.url + "/login/")
                common.wrk(url, connections=connections, seconds=2, headers=headers)  # warm-up
                common.wait_idle(server.url + "/login/")
                results[name] = common.wrk(
                    url, connections=connections, seconds=seconds, headers=headers
                )
                print(f"  {case.label} [{name}]: {results[name].summary()}", flush=True)
            ours, base = results["ours"], results["baseline"]
            errors = ours.errors + base.errors
            index_note = "index " + (", ".join(ours_explain["indexes"]) or "none")
            if ours_explain["seq_scan"]:
                index_note += ", SEQ SCAN"
            note = (
                f"{index_note}; {ours_explain['queries']} vs {base_explain['queries']} queries"
                f"/request; SQL {ours_explain['ms']:.1f} vs {base_explain['ms']:.1f} ms"
                + (f"; {errors} errors" if errors else "")
                # Other work on the machine lowers the numbers: say how busy it was.
                + f"; load average {load_before:.1f}"
            )
            ratio = ours.rps / base.rps if base.rps else float("inf")
            rows.append(
                Row(
                    benchmark=f"{case.label}: requests/s",
                    measured=ours.rps,
                    baseline=base.rps,
                    unit="req/s",
                    goal="≥10× baseline" if case.headline else "–",
                    ok=(ratio >= 10 and errors == 0) if case.headline else None,
                    note=note,
                )
            )
            rows.append(
                Row(
                    benchmark=f"{case.label}: p95 latency",
                    measured=ours.p95_ms,
                    baseline=base.p95_ms,
                    unit="ms",
                    goal="< 100 ms",
                    ok=ours.p95_ms < 100 and ours.errors == 0,
                )
            )
            for name, explained in (("ours", ours_explain), ("baseline", base_explain)):
                plans.append(
                    f"== {case.label} [{name}] ({case.username}: "
                    f"{API if name == 'ours' else BASELINE}{suffix})\n"
                    f"{explained['sql']}\n\n{explained['plan']}\n"
                )
    PLANS.write_text("\n".join(plans), encoding="utf-8")
    print(f"  query plans: {PLANS.relative_to(common.ROOT)}", flush=True)
    return rows


if __name__ == "__main__" and len(sys.argv) == 4 and sys.argv[1] == "--explain":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS)
    _explain_main(sys.argv[2], sys.argv[3])
