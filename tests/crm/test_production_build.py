"""The production build: `collectstatic` under config.settings.production, as the Dockerfile runs
it (no database, a build-only secret), and gunicorn serving pages from what it collected with
DEBUG off. Without the manifest it writes every page answers 500, so a static file that names
a file we do not ship (a source map left in a vendored library) must fail here, not in the
image build."""

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.db import connection

from config.settings.base import database_url_for

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "static"
# What a browser or whitenoise's manifest storage follows from one static file to another.
REFERENCES = {
    ".js": re.compile(r"^//[#@] sourceMappingURL=(\S+)", re.MULTILINE),
    ".css": re.compile(
        r"/\*[#@] sourceMappingURL=(\S+?)\s*\*/|url\(\s*['\"]?([^'\")]+)|@import\s+['\"]([^'\"]+)"
    ),
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _clean_env() -> dict:
    return {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CRM_"))}


def test_no_static_file_names_a_file_we_do_not_ship():
    missing = []
    for path in sorted(STATIC.rglob("*")):
        pattern = REFERENCES.get(path.suffix)
        if pattern is None:
            continue
        for match in pattern.finditer(path.read_text(encoding="utf-8")):
            target = next(group for group in match.groups() if group)
            if target.startswith(("data:", "http:", "https:", "//", "#")):
                continue
            base = STATIC if target.startswith("/") else path.parent
            if not (base / target.lstrip("/").split("?")[0].split("#")[0]).is_file():
                missing.append(f"{path.relative_to(ROOT)} -> {target}")
    assert missing == []


@pytest.fixture
def collected(tmp_path) -> Path:
    """`collectstatic` as the Dockerfile runs it: production settings, a build-only secret and
    a database URL where nothing listens (the build has no database)."""
    static_root = tmp_path / "staticfiles"
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=ROOT,
        env={
            **_clean_env(),
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DJANGO_SECRET_KEY": "build-only",
            "DATABASE_URL": "postgres://build@127.0.0.1:1/build",
            "CRM_STATIC_ROOT": str(static_root),
        },
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    return static_root


@pytest.fixture
def gunicorn(collected, db):
    """gunicorn as the Dockerfile starts it, on the collected files and the test database."""
    port = _free_port()
    env = {
        **_clean_env(),
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "k7#Qp2@xV9!mZr4$Lw8&Tn1^Yb6*Hc3%Jd5(Fg0)Se2+Ua7=Oi",
        "DATABASE_URL": database_url_for(connection.settings_dict),
        "CRM_STATIC_ROOT": str(collected),
        # The API docs page is checked for its collected Swagger files, so it is opened to
        # visitors here (production keeps it behind sign-in: tests/security/test_api_docs.py).
        "CRM_API_DOCS_PUBLIC": "1",
    }
    env.pop("REDIS_URL", None)
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "config.wsgi:application"),
            *("--bind", f"127.0.0.1:{port}", "--workers", "1", "--timeout", "60"),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert proc.poll() is None, proc.stderr.read()[-4000:]
            try:
                requests.get(f"{base}/login/", timeout=2)
                break
            except requests.RequestException:
                time.sleep(0.3)
        yield base, collected
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _get(url: str) -> requests.Response:
    # Behind the TLS-terminating proxy of production (SECURE_PROXY_SSL_HEADER).
    return requests.get(
        url, headers={"X-Forwarded-Proto": "https"}, allow_redirects=False, timeout=10
    )


@pytest.mark.slow  # about 2 minutes: collectstatic under production settings
def test_production_build_collects_static_files_and_gunicorn_serves_them(gunicorn):
    base, static_root = gunicorn
    manifest = json.loads((static_root / "staticfiles.json").read_text())["paths"]
    chart = manifest["vendor/chartjs/chart.umd.min.js"]
    assert re.fullmatch(r"vendor/chartjs/chart\.umd\.min\.[0-9a-f]{12}\.js", chart)

    login = _get(f"{base}/login/")
    assert login.status_code == 200, login.text[:2000]
    for name in ("favicon.svg", "css/app.css"):
        assert f'"/static/{manifest[name]}"' in login.text
        assert manifest[name] != name  # the hashed name, never the plain one
    assert 'href="/static/css/app.css"' not in login.text

    for name in ("css/app.css", "vendor/chartjs/chart.umd.min.js"):
        asset = _get(f"{base}/static/{manifest[name]}")
        assert asset.status_code == 200, name
        assert asset.content == (ROOT / "static" / name).read_bytes()
        # whitenoise: a hashed name never changes, so browsers may keep it for good
        assert "immutable" in asset.headers["Cache-Control"]
    assert b"sourceMappingURL" not in _get(f"{base}/static/{chart}").content

    docs = _get(f"{base}/api/docs/")  # drf-spectacular's Swagger UI is collected too
    assert docs.status_code == 200, docs.text[:2000]
    bundle = manifest["drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js"]
    assert f"/static/{bundle}" in docs.text
    assert _get(f"{base}/static/{bundle}").status_code == 200
