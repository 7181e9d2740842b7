"""With Redis down, a web process still logs visits and the daily job still runs: the digest
tasks it queues wait in the outbox and go out once the broker answers again."""

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import redis

from core.models import PendingTask
from core.queue import republish_pending
from tests.celery_workers import database_url
from tests.visits.conftest import free_port
from visits.models import DigestEmail, Visit, VisitSettings

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("quiet_occasions")]

SCRIPT = """
import json
from django.test import Client
from crm.models import User
from visits.tasks import send_reminders_daily_task
rep = User.objects.get(username="r1")
client = Client(HTTP_HOST="localhost")
client.force_login(rep)
account = rep.accounts.get()
response = client.post("/visits/log/", {
    "account": account.pk, "visit_date": "2026-03-02", "visit_time": "10:00",
    "purpose": "offline", "duration_minutes": "30", "expenses": "0"})
send_reminders_daily_task.run()
print(json.dumps({"status": response.status_code}))
"""


def test_web_and_daily_job_work_while_redis_is_down(org, require_redis):
    VisitSettings.objects.update_or_create(pk=1, defaults={"digest_hour": 0})
    org["r2"].email = "r2@example.com"
    org["r2"].save()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": database_url(),
        "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
        "DJANGO_LOG_LEVEL": "ERROR",
    }
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    ).stdout
    assert json.loads(out.strip().splitlines()[-1]) == {"status": 302}
    assert list(Visit.objects.values_list("purpose", flat=True)) == ["offline"]
    digest = DigestEmail.objects.get()
    assert digest.recipient == org["r2"] and digest.state == "pending"
    assert list(PendingTask.objects.values_list("task_name", "args")) == [
        ("visits.tasks.send_digest_task", [digest.pk])
    ]

    client = redis.Redis.from_url(require_redis)
    client.delete("celery")
    assert republish_pending(older_than=dt.timedelta(0)) == 1
    assert not PendingTask.objects.exists()
    assert client.llen("celery") == 1
    client.delete("celery")
