"""docker-compose.yml describes the production shape and is valid."""

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_compose_has_the_production_services():
    spec = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = spec["services"]
    assert set(services) == {"postgres", "redis", "migrate", "web", "worker", "beat"}
    assert services["web"]["command"].startswith("gunicorn config.wsgi:application")
    assert "celery -A config worker" in services["worker"]["command"]
    assert "celery -A config beat" in services["beat"]["command"]
    assert services["beat"]["deploy"]["replicas"] == 1
    assert services["migrate"]["command"] == "python manage.py migrate --noinput"
    assert services["migrate"]["restart"] == "no"
    for name in ("migrate", "web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["REDIS_URL"].startswith("redis://")
    # Import files are uploaded by web and read by the worker: one shared media volume.
    assert "media:/app/media" in services["web"]["volumes"]
    assert "media:/app/media" in services["worker"]["volumes"]
    for name in ("web", "worker", "beat"):
        # Scaled processes start once migrations ran, never migrating side by side.
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
    # A host port range, so that `--scale web=3` does not collide on one port.
    assert services["web"]["ports"] == ["${WEB_PORTS:-8000-8009}:8000"]


def test_compose_config_validates():
    if (
        shutil.which("docker")
        and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0
    ):
        command = ["docker", "compose", "config", "-q"]
    elif shutil.which("docker-compose"):
        command = ["docker-compose", "config", "-q"]
    else:
        pytest.skip("neither `docker compose` nor docker-compose is installed")
    result = subprocess.run(
        command,
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin:/usr/local/bin", "DJANGO_SECRET_KEY": "x"},
    )
    assert result.returncode == 0, result.stderr
