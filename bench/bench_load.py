"""Load test (issue 8): 20 signed-in users browse lists, cards, the dashboard, the pipeline and
the calendar and log visits for 60 s, against gunicorn with 2 workers on 127.0.0.1, on
seed_demo data with 100k accounts. The baseline is the same journey by one user in the same
run: how much the latency grows under load.

Locust (headless, in its own process) drives the users; see bench/locustfile_load.py.
"""

import csv
import os
import subprocess
from pathlib import Path

import common

TITLE = "Load test: 20 users browsing and logging visits (gunicorn, 2 workers)"
LOCUSTFILE = Path(__file__).with_name("locustfile_load.py")
OUT = common.ROOT / "bench" / "out"


def add_arguments(parser) -> None:
    parser.add_argument("--load-accounts", type=int, default=100_000)
    parser.add_argument("--load-users", type=int, default=20)
    parser.add_argument("--load-seconds", type=int, default=60)
    parser.add_argument("--load-baseline-seconds", type=int, default=20)
    parser.add_argument("--load-dashboard", default="/dashboard/", help="the dashboard's path")


def _usernames(count: int) -> list[str]:
    """Demo reps and managers (seed_demo: rep, rep2, … and manager, manager2, …)."""
    managers = max(1, count // 4)
    reps = count - managers
    return (
        ["rep"]
        + [f"rep{i}" for i in range(2, reps + 1)]
        + (["manager"] + [f"manager{i}" for i in range(2, managers + 1)])
    )


def _locust(url: str, users: int, seconds: int, name: str, dashboard: str) -> dict:
    prefix = OUT / f"load_{name}"
    env = {
        **os.environ,
        "LOAD_USERNAMES": ",".join(_usernames(users)),
        "LOAD_PASSWORD": "crm-demo-2026",
        "LOAD_DASHBOARD": dashboard,
    }
    subprocess.run(
        [
            common.PYTHON,
            "-m",
            "locust",
            "-f",
            str(LOCUSTFILE),
            "--headless",
            "--users",
            str(users),
            "--spawn-rate",
            str(users),
            "--run-time",
            f"{seconds}s",
            "--host",
            url,
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
            "--exit-code-on-error",
            "0",
        ],
        cwd=common.ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=seconds + 300,
    )
    with open(f"{prefix}_stats.csv", newline="") as handle:
        rows = {row["Name"]: row for row in csv.DictReader(handle)}
    total = rows["Aggregated"]
    return {
        "rps": float(total["Requests/s"]),
        "requests": int(total["Request Count"]),
        "errors": int(total["Failure Count"]),
        "p50": float(total["50%"]),
        "p95": float(total["95%"]),
        "p99": float(total["99%"]),
        "slowest": max(
            (r for n, r in rows.items() if n != "Aggregated"), key=lambda r: float(r["95%"])
        ),
    }


def run(args) -> list[common.Row]:
    db_url = common.seeded_database(args.load_accounts)
    OUT.mkdir(parents=True, exist_ok=True)
    # The production shape: Redis as broker and as the cache every worker shares.
    redis_url = common.bench_redis()
    extra = {"REDIS_URL": redis_url} if redis_url else {}
    with common.gunicorn(
        db_url, settings="bench.load_settings", workers=2, extra_env=extra
    ) as server:
        alone = _locust(server.url, 1, args.load_baseline_seconds, "baseline", args.load_dashboard)
        common.wait_idle(server.url + "/login/")
        loaded = _locust(
            server.url, args.load_users, args.load_seconds, "loaded", args.load_dashboard
        )
    users = args.load_users
    slowest = loaded["slowest"]
    note = (
        f"{users} users, {args.load_seconds} s, {loaded['requests']} requests; slowest page "
        f"{slowest['Name']} p95 {float(slowest['95%']):.0f} ms; baseline: 1 user; "
        + ("Redis cache shared by the workers" if redis_url else "no Redis: per-worker caches")
    )
    return [
        common.Row("requests per second", loaded["rps"], alone["rps"], "req/s", "–", note=note),
        common.Row("p50 latency", loaded["p50"], alone["p50"], "ms", "–"),
        common.Row(
            "p95 latency", loaded["p95"], alone["p95"], "ms", "< 200 ms", ok=loaded["p95"] < 200
        ),
        common.Row("p99 latency", loaded["p99"], alone["p99"], "ms", "–"),
        common.Row(
            "errors", loaded["errors"], alone["errors"], "count", "0", ok=loaded["errors"] == 0
        ),
    ]
