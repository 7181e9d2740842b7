"""Helpers shared by the benchmarks: a seeded PostgreSQL database, timing, result rows.

Benchmarks run against PostgreSQL (DATABASE_URL's server; default the local one). Seeded
databases are kept between runs, named crm_bench_<accounts> (see BENCH_DB_PREFIX), so the
seed cost is paid once.
"""

import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SERVER_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/crm")
# Seeded databases are named <prefix>_<accounts>; BENCH_DB_PREFIX keeps parallel runs apart.
DB_PREFIX = os.environ.get("BENCH_DB_PREFIX", "crm_bench")


@dataclass
class Row:
    """One line of the results table: what was measured beside its baseline."""

    benchmark: str
    measured: float
    baseline: float | None
    unit: str
    goal: str
    ok: bool | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.baseline in (None, 0) or self.measured == 0:
            return None
        # Ratio reported as "how many times better": for seconds lower is better.
        if self.unit in ("s", "ms"):
            return self.baseline / self.measured
        return self.measured / self.baseline


def database_url(name: str) -> str:
    parts = urlsplit(SERVER_URL)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", "", ""))


def django_env(db_url: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": db_url,
            "DJANGO_SETTINGS_MODULE": "crm.settings.local",
            "DJANGO_DEBUG": "false",
            "DJANGO_LOG_LEVEL": "WARNING",
            **extra,
        }
    )
    return env


def manage(db_url: str, *args: str, **extra: str) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=django_env(db_url, **extra),
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout


def seeded_database_name(accounts: int, *, orders_per_account: float = 25.0) -> str:
    """<prefix>_<accounts>, plus _o<k> when the order lines per account differ from the
    default, so that a benchmark never reuses a database seeded for another shape."""
    name = f"{DB_PREFIX}_{accounts}"
    if orders_per_account != 25.0:
        name += f"_o{orders_per_account:g}".replace(".", "_")
    return name


def seeded_database(accounts: int, *, orders_per_account: float = 25.0) -> str:
    """URL of a database holding `seed_demo --accounts N` (created and seeded when missing).

    The database is kept between runs: the seed cost (minutes at a million accounts) is paid
    once. Migrations are applied every time, so a kept database follows the schema."""
    import psycopg

    name = seeded_database_name(accounts, orders_per_account=orders_per_account)
    url = database_url(name)
    admin = database_url("postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    manage(url, "migrate", "--noinput")
    with psycopg.connect(url) as conn:
        have = conn.execute("SELECT count(*) FROM accounts_account").fetchone()[0]
    if have < accounts:
        print(f"  seeding {accounts - have} accounts into {name} (once)…", flush=True)
        started = time.monotonic()
        # Not captured: seeding a million accounts takes minutes; show its report.
        subprocess.run(
            [
                PYTHON,
                "manage.py",
                "seed_demo",
                "--accounts",
                str(accounts - have),
                "--orders-per-account",
                str(orders_per_account),
            ],
            cwd=ROOT,
            env=django_env(url),
            check=True,
        )
        print(f"  seeded in {time.monotonic() - started:.0f}s", flush=True)
    return url


def timed(fn, *, repeat: int = 3) -> float:
    """Median wall time of `fn()` in seconds."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)
