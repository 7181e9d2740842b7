import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _import_production(**env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SECRET_KEY", "DATABASE_URL")}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "crm.settings.production", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_secret_key():
    result = _import_production(DATABASE_URL="postgres://u@h/db")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_database():
    result = _import_production(DJANGO_SECRET_KEY="x" * 60)
    assert result.returncode != 0
    assert "DATABASE_URL must be set" in result.stderr


def test_production_starts_with_both():
    result = _import_production(DJANGO_SECRET_KEY="x" * 60, DATABASE_URL="postgres://u@h/db")
    assert result.returncode == 0, result.stderr
