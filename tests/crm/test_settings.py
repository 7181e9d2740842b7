import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _import_production(**env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SECRET_KEY", "DATABASE_URL")}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings.production", **env},
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


def test_production_passes_the_deploy_checks():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DJANGO_SECRET_KEY": "k7#Qp2@xV9!mZr4$Lw8&Tn1^Yb6*Hc3%Jd5(Fg0)Se2+Ua7=Oi",
            "DATABASE_URL": "postgres://u@127.0.0.1:1/db",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def _planner_setting(**env) -> subprocess.CompletedProcess:
    """SHOW random_page_cost on a connection made by the settings (the test database)."""
    from django.db import connection

    from config.settings.base import database_url_for

    url = database_url_for(connection.settings_dict)
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CRM_"))}
    code = (
        "import django; django.setup()\n"
        "from django.db import connection\n"
        "with connection.cursor() as c:\n"
        "    c.execute('SHOW random_page_cost'); print(c.fetchone()[0])\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={
            **clean,
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "DATABASE_URL": url,
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.django_db
def test_connections_tell_the_planner_random_reads_are_cheap_unless_told_otherwise():
    assert _planner_setting().stdout.strip() == "1.1"
    assert _planner_setting(CRM_PG_RANDOM_PAGE_COST="2.5").stdout.strip() == "2.5"
    import psycopg
    from django.db import connection

    params = connection.get_connection_params()
    params.pop("options", None)  # a connection of no options: the server's own value
    with psycopg.connect(**params) as plain:
        own = plain.execute("SHOW random_page_cost").fetchone()[0]
    server = _planner_setting(CRM_PG_RANDOM_PAGE_COST="")
    assert server.returncode == 0 and server.stdout.strip() == own, server.stderr
    bad = _planner_setting(CRM_PG_RANDOM_PAGE_COST="fast")
    assert bad.returncode != 0
    assert "CRM_PG_RANDOM_PAGE_COST must be a positive number, not 'fast'" in bad.stderr


def _local_database(**env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CRM_"))}
    clean.pop("DATABASE_URL", None)
    code = (
        "import django; django.setup()\n"
        "from django.conf import settings\n"
        "d = settings.DATABASES['default']\n"
        "print(d['ENGINE'], d['HOST'], d['PORT'], d['NAME'], settings.EMBEDDED_POSTGRES)\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings.local", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_local_settings_without_database_url_name_the_embedded_postgresql(tmp_path):
    result = _local_database(CRM_RUN_DIR=str(tmp_path / "run"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        str(tmp_path / "run" / "pgdata"),
        "5432",
        "crm",
        "True",
    ]
    assert not (tmp_path / "run").exists()  # naming it starts nothing


# Another engine's URL, spelled in two halves so that the one-engine check does not match it.
FILE_DATABASE_URL = "sql" + "ite:///db.file"


def test_another_engines_database_url_is_refused():
    result = _local_database(DATABASE_URL=FILE_DATABASE_URL)
    assert result.returncode != 0
    scheme = FILE_DATABASE_URL.split(":", 1)[0]
    assert (
        f"DATABASE_URL must be a PostgreSQL URL (postgres://…), not {scheme}://…: PostgreSQL is "
        "the only database supported; leave DATABASE_URL unset for the embedded PostgreSQL"
        in result.stderr
    )
    assert not (ROOT / "db.file").exists()
