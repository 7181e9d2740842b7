"""Helpers shared by the benchmarks: a seeded PostgreSQL database, timing, result rows, and
HTTP load: gunicorn started and stopped on 127.0.0.1, wrk as the client, its output parsed.

Benchmarks run against PostgreSQL (DATABASE_URL's server; default the local one). Seeded
databases are kept between runs, named crm_bench_<accounts> (see BENCH_DB_PREFIX), so the
seed cost is paid once.
"""

import contextlib
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SERVER_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/crm")
# Seeded databases are named <prefix>_<accounts>; BENCH_DB_PREFIX keeps parallel runs apart.
DB_PREFIX = os.environ.get("BENCH_DB_PREFIX", "crm_bench")


# Units of which less is better: a Row's ratio is then baseline / measured.
LOWER_IS_BETTER = ("s", "ms", "queries", "KB")


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
        # Ratio reported as "how many times better": for times, queries and sizes lower is
        # better.
        if self.unit in LOWER_IS_BETTER:
            return self.baseline / self.measured
        return self.measured / self.baseline


# The Redis of the production shape (broker + shared cache) for benchmarks that serve the app;
# its own database numbers (10 for tasks, 11 for the cache) so a run never touches others'.
BENCH_REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/10")


def bench_redis() -> str | None:
    """BENCH_REDIS_URL when that Redis answers (its task and cache databases emptied first,
    so every run starts cold), else None: the app then runs on per-process memory caches,
    which the benchmark's note says."""
    import redis

    from config.settings.base import cache_url_for

    try:
        for url in (BENCH_REDIS_URL, cache_url_for(BENCH_REDIS_URL)):
            client = redis.Redis.from_url(url, socket_connect_timeout=2)
            client.ping()
            client.flushdb()
    except redis.RedisError:
        return None
    return BENCH_REDIS_URL


def database_url(name: str) -> str:
    parts = urlsplit(SERVER_URL)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", "", ""))


def django_env(db_url: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": db_url,
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
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


def timed(fn, *, repeat: int = 3, warm: bool = False) -> float:
    """Median wall time of `fn()` in seconds (after one untimed call when `warm`)."""
    if warm:
        fn()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def run_script(script: str, db_url: str, *args: str) -> dict:
    """Run a benchmark's Django script (`python -c`, from the project root, against `db_url`)
    and return the JSON object it printed on its `BENCH-JSON ` line."""
    result = subprocess.run(
        [PYTHON, "-c", script, *args],
        cwd=ROOT,
        env=django_env(db_url),
        check=True,
        capture_output=True,
        text=True,
    )
    line = next(x for x in result.stdout.splitlines() if x.startswith("BENCH-JSON "))
    return json.loads(line.removeprefix("BENCH-JSON "))


# --- inside Django: the benchmarks' scripts (`python -c SCRIPT`, run from the project root)
# import these as `from bench.common import page_getter, query_count, timed`.


def page_getter(user, path: str, **params):
    """A function that GETs `path` (with `params`) as `user`, logged in on Django's test
    client (in-process, no network), checks the 200 and returns the response."""
    from django.test import Client

    client = Client()
    client.force_login(user)

    def get():
        response = client.get(path, params, HTTP_HOST="127.0.0.1")
        assert response.status_code == 200, (response.status_code, response.content[:300])
        return response

    return get


def query_count(get, *, warm: bool = True) -> int:
    """The SQL queries of one `get()` (after an uncounted one when `warm`)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if warm:
        get()
    with CaptureQueriesContext(connection) as ctx:
        get()
    return len(ctx.captured_queries)


# --- HTTP load: gunicorn on 127.0.0.1 and wrk ------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A running gunicorn: its base URL and the process."""

    url: str
    process: subprocess.Popen
    log: Path


@contextlib.contextmanager
def gunicorn(
    db_url: str,
    *,
    settings: str = "config.settings.production",
    workers: int | None = None,
    threads: int = 1,
    app: str = "config.wsgi:application",
    extra_env: dict[str, str] | None = None,
    startup_path: str = "/login/",
    python: str = PYTHON,
    cwd: Path = ROOT,
    env: dict[str, str] | None = None,
) -> Iterator[Server]:
    """Serve `app` under gunicorn on a free 127.0.0.1 port for the duration of the block.

    The default settings are production's (DEBUG off, whitenoise, persistent connections),
    minus the HTTPS redirect, with a throwaway secret. Waits until `startup_path` answers;
    stops the server (SIGTERM, then SIGKILL) on the way out, whatever happened.

    Another app (the `pages` benchmark's DjangoCRM) is served by giving its `python` (with
    gunicorn installed), its working directory and its whole environment (`env`: then
    `db_url`, `settings` and `extra_env` are not used)."""
    port = free_port()
    workers = workers or (2 * (os.cpu_count() or 1) + 1)
    if env is None:
        env = django_env(
            db_url,
            DJANGO_SETTINGS_MODULE=settings,
            DJANGO_SECRET_KEY="bench-only-" + "x" * 50,
            DJANGO_SECURE_SSL_REDIRECT="false",
            DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
            PYTHONPATH=str(ROOT),
            **(extra_env or {}),
        )
    out_dir = ROOT / "bench" / "out"
    out_dir.mkdir(parents=True, exist_ok=True)
    log = out_dir / f"gunicorn-{port}.log"
    command = [
        python,
        "-m",
        "gunicorn",
        app,
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--backlog",
        "256",
        "--timeout",
        "60",
        "--log-level",
        "warning",
    ]
    with log.open("w") as log_file:
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=log_file, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {process.returncode}; see {log}")
            try:
                urllib.request.urlopen(url + startup_path, timeout=5).close()  # noqa: S310
                break
            except urllib.error.HTTPError:
                break  # it answers (a 4xx is an answer)
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not answer in 60 s; see {log}") from None
                time.sleep(0.3)
        yield Server(url=url, process=process, log=log)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_idle(url: str, *, quick_ms: float = 50, timeout_s: float = 120) -> None:
    """Wait until `url` answers quickly: the requests a slow run left queued in the server
    are done, so they do not slow the next measurement down."""
    deadline = time.monotonic() + timeout_s
    quick_in_a_row = 0
    while time.monotonic() < deadline and quick_in_a_row < 3:
        started = time.perf_counter()
        with contextlib.suppress(OSError):
            urllib.request.urlopen(url, timeout=timeout_s).close()  # noqa: S310
        elapsed_ms = (time.perf_counter() - started) * 1000
        quick_in_a_row = quick_in_a_row + 1 if elapsed_ms < quick_ms else 0
        time.sleep(0.2)


def ensure_wrk() -> str:
    """The wrk binary. Installs Debian's `wrk` with apt-get when it is missing and we are
    root; otherwise raises with the command to run."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("  installing wrk (apt-get install wrk)…", flush=True)
        apt_env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=apt_env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, env=apt_env)
        found = shutil.which("wrk")
        if found:
            return found
    raise RuntimeError(
        "wrk is not installed: run `sudo apt-get install wrk` (Debian/Ubuntu) or "
        "`brew install wrk` (macOS), then `make bench` again."
    )


# wrk's --latency table has no 95th percentile; a done() hook prints what we need as JSON.
_WRK_REPORT = r"""
local extra = os.getenv("WRK_HEADERS")
if extra then
  for line in string.gmatch(extra, "[^\n]+") do
    local name, value = string.match(line, "^([^:]+):%s*(.*)$")
    if name then wrk.headers[name] = value end
  end
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "bytes": %d, '
    .. '"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d, '
    .. '"p50_us": %d, "p90_us": %d, "p95_us": %d, "p99_us": %d, '
    .. '"mean_us": %f, "max_us": %d}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(95),
    latency:percentile(99), latency.mean, latency.max))
end
"""


@dataclass
class LoadResult:
    """What one wrk run measured."""

    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    errors: int  # connect/read/write errors, timeouts and non-2xx/3xx answers

    def summary(self) -> str:
        return (
            f"{self.rps:,.0f} req/s, p50 {self.p50_ms:.1f} ms, p95 {self.p95_ms:.1f} ms, "
            f"p99 {self.p99_ms:.1f} ms, {self.requests} requests, {self.errors} errors"
        )


def parse_wrk(output: str) -> LoadResult:
    """Read the JSON line that the done() hook of `_WRK_REPORT` printed."""
    line = next((x for x in output.splitlines() if x.startswith("WRK_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no report:\n{output}")
    data = json.loads(line.removeprefix("WRK_JSON "))
    seconds = data["duration_us"] / 1e6
    errors = sum(data[k] for k in ("connect", "read", "write", "status", "timeout"))
    return LoadResult(
        requests=data["requests"],
        seconds=seconds,
        rps=data["requests"] / seconds if seconds else 0.0,
        p50_ms=data["p50_us"] / 1000,
        p90_ms=data["p90_us"] / 1000,
        p95_ms=data["p95_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        mean_ms=data["mean_us"] / 1000,
        max_ms=data["max_us"] / 1000,
        errors=errors,
    )


def wrk(
    url: str,
    *,
    connections: int = 16,
    seconds: float = 10,
    threads: int = 2,
    headers: dict[str, str] | None = None,
    timeout_s: int = 10,
) -> LoadResult:
    """Load `url` with wrk: `connections` open connections for `seconds`, loopback only."""
    host = urlsplit(url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError(f"load tests only target this machine, not {host}")
    binary = ensure_wrk()
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_WRK_REPORT)
    try:
        env = dict(os.environ)
        env["WRK_HEADERS"] = "\n".join(f"{k}: {v}" for k, v in (headers or {}).items())
        result = subprocess.run(
            [
                binary,
                "-t",
                str(min(threads, connections)),
                "-c",
                str(connections),
                "-d",
                f"{max(1, round(seconds))}s",
                "--timeout",
                f"{timeout_s}s",
                "-s",
                script.name,
                url,
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=seconds + 60,
            check=True,
        )
    finally:
        os.unlink(script.name)
    return parse_wrk(result.stdout)


def api_token(db_url: str, username: str) -> str:
    """A DRF token for `username` in the database at `db_url` (created when missing)."""
    out = manage(db_url, "drf_create_token", username)
    # "Generated token <key> for user <username>"
    return out.split("token", 1)[1].split()[0]
