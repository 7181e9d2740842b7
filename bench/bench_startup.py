"""`make run`'s start: from `make run` (a warm .venv) to the first 200 of the login page, on the
embedded PostgreSQL of this checkout against the same on the file database of the last commit
before it (the baseline, a git ref checked out with `git archive`); and the embedded server's
own start, first (initdb) and with its data kept.

Each variant runs in a copy of its files with `.venv` linked to this checkout's, and without
DATABASE_URL, REDIS_URL, DJANGO_* or CRM_* in its environment, as a new user's `make run`. The
first run of a copy starts from no data (initdb or a new file database, migrations, 2,000 demo
accounts); the next ones find their data and skip the demo.
"""

import os
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from common import ROOT, Row

TITLE = "make run: from the command to the first page (embedded PostgreSQL vs before issue 15)"
# The last commit whose `make run` used a file database (before issue 15).
BEFORE_ISSUE_15_REF = "215be3d77d2e06a7f1ae14ec301b902c3be46fae"
START_GOAL_SECONDS = 5.0


def add_arguments(parser) -> None:
    parser.add_argument(
        "--startup-baseline-ref",
        default=BEFORE_ISSUE_15_REF,
        help="git ref of the baseline: make run before issue 15 (default: its last commit)",
    )
    parser.add_argument(
        "--startup-runs", type=int, default=3, help="runs with the data kept (median)"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(port: int) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL", "CRM_", "VIRTUAL_ENV", "PG"))
    }
    env["PORT"] = str(port)
    return env


def _copy_of_this_checkout(target: Path) -> None:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, listed):
        source = ROOT / name.decode()
        if source.is_file():
            destination = target / name.decode()
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination)


def _copy_of_ref(ref: str, target: Path) -> None:
    target.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", ref], cwd=ROOT, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)


def _prepare(project: Path) -> None:
    """Link the warm .venv and let make find it installed (a no-op pip run at most)."""
    (project / ".venv").symlink_to((ROOT / ".venv").resolve())
    subprocess.run(["make", "install"], cwd=project, env=_env(0), capture_output=True, check=True)


def _time_to_first_page(project: Path) -> float:
    """Seconds from `make run` to the first 200 of /login/; then Ctrl-C, waited for."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}/login/"
    began = time.monotonic()
    process = subprocess.Popen(
        ["make", "run"],
        cwd=project,
        env=_env(port),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"make run in {project} exited with {process.returncode}")
            if time.monotonic() - began > 900:
                raise RuntimeError(f"make run in {project} served nothing in 900 s")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return time.monotonic() - began
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.05)
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _embedded_start(runs: int) -> tuple[float, float]:
    """(first start with initdb, median start with the data kept) of a new run directory."""
    from core.embedded_db import EmbeddedPostgres

    run_dir = Path(tempfile.mkdtemp(prefix="crm-bench-startup-pg-"))
    server = EmbeddedPostgres(run_dir)
    try:
        began = time.monotonic()
        server.start()
        first = time.monotonic() - began
        server.stop()
        kept = []
        for _ in range(runs):
            began = time.monotonic()
            server.start()
            kept.append(time.monotonic() - began)
            server.stop()
        return first, statistics.median(kept)
    finally:
        server.delete()
        shutil.rmtree(run_dir, ignore_errors=True)


def run(args) -> list[Row]:
    load = os.getloadavg()[0]
    base = Path(tempfile.mkdtemp(prefix="crm-bench-startup-"))
    ours, before = base / "embedded", base / "before"
    try:
        _copy_of_this_checkout(ours)
        _copy_of_ref(args.startup_baseline_ref, before)
        for project in (ours, before):
            _prepare(project)
        times = {}
        for name, project in (("ours", ours), ("before", before)):
            first = _time_to_first_page(project)
            kept = [_time_to_first_page(project) for _ in range(args.startup_runs)]
            times[name] = (first, kept)
            print(f"  {name}: first {first:.1f} s, data kept {kept}", flush=True)
        pg_first, pg_kept = _embedded_start(args.startup_runs)
    finally:
        from core.embedded_db import EmbeddedPostgres

        EmbeddedPostgres(ours / ".run").delete()
        shutil.rmtree(base, ignore_errors=True)
    ref = args.startup_baseline_ref[:7]
    cores = os.cpu_count()
    note = f"load average {load:.1f} on {cores} cores; baseline: make run at {ref}, before issue 15"
    ours_kept, before_kept = (statistics.median(times[n][1]) for n in ("ours", "before"))
    return [
        Row(
            "first make run (no data: initdb or a new file database, migrations, 2,000 demo "
            "accounts) → first 200 of /login/",
            times["ours"][0],
            times["before"][0],
            "s",
            "–",
            None,
            note,
        ),
        Row(
            f"make run with the data kept → first 200 of /login/ (median of {args.startup_runs}; "
            f"ours {', '.join(f'{t:.1f}' for t in times['ours'][1])}, file database "
            f"{', '.join(f'{t:.1f}' for t in times['before'][1])})",
            ours_kept,
            before_kept,
            "s",
            "–",
            None,
            note,
        ),
        Row(
            f"embedded PostgreSQL start, data kept (median of {args.startup_runs})",
            pg_kept,
            None,
            "s",
            f"< {START_GOAL_SECONDS:g} s",
            pg_kept < START_GOAL_SECONDS,
        ),
        Row(
            "embedded PostgreSQL first start (initdb, then start; once per data directory)",
            pg_first,
            None,
            "s",
            f"< {START_GOAL_SECONDS:g} s",
            pg_first < START_GOAL_SECONDS,
        ),
    ]
