"""`make run` from a clean copy of the project, with nothing but Python: it creates .venv,
installs, migrates a SQLite file, loads the demo, prints the URL and the logins, serves with
worker and beat, and Ctrl-C stops all of it."""

import http.cookiejar
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _clean_copy(target: Path) -> None:
    """The files a clone has (tracked, plus new ones not ignored), none of the local state."""
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


def _login(port: int, username: str, password: str) -> str:
    base = f"http://127.0.0.1:{port}"
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": token}
    ).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/login/", data=data, headers={"Referer": base}
    )
    return opener.open(request).read().decode()


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_from_a_clean_copy(tmp_path):
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    project = tmp_path / "crm"
    _clean_copy(project)
    port = _free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL", "CRM_", "VIRTUAL_ENV"))
    }
    env["PORT"] = str(port)
    process = subprocess.Popen(
        ["make", "run"],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # Ctrl-C goes to the whole group, as in a terminal
    )
    base = f"http://127.0.0.1:{port}"
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 600
        for line in process.stdout:
            lines.append(line)
            if f"CRM at {base}/" in line or time.monotonic() > deadline:
                break
        banner_at = len(lines)
        for line in process.stdout:  # the rest of the banner
            lines.append(line)
            if "Press Ctrl-C to stop." in line or len(lines) > banner_at + 10:
                break
        output = "".join(lines)
        assert f"CRM at {base}/" in output, output[-3000:]
        assert "Demo logins, password crm-demo-2026:" in output
        for login in ("admin", "manager", "rep"):
            assert re.search(rf"^\s+{login}\s+\(", output, re.MULTILINE), output[-2000:]
        assert "Database: sqlite3; Celery broker: files; worker and beat running." in output
        status = None
        while status != 200 and time.monotonic() < deadline:
            try:
                status = urllib.request.urlopen(f"http://127.0.0.1:{port}/login/").status
            except OSError:
                time.sleep(0.5)
        assert status == 200
        accounts_page = _login(port, "rep", "crm-demo-2026")
        assert "Accounts" in accounts_page and "accounts" in accounts_page
        assert (project / ".venv" / "bin" / "python").exists()
        assert (project / "db.sqlite3").exists()
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    # Web, worker and beat are gone with it: nothing answers on the port any more.
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0
    leftovers = subprocess.run(
        ["pgrep", "-f", str(project)], capture_output=True, text=True
    ).stdout.split()
    assert leftovers == []
