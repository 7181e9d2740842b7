import time

from celery import shared_task
from django.db import connection

RUNS_TABLE = "security_fault_runs"
EFFECTS_TABLE = "security_fault_effects"


@shared_task(name="faultapp.record_effect_task")
def record_effect_task(key: str, hold_seconds: float = 0) -> None:
    """Record that it ran, hold on the first run only (to be killed), then take its effect once.

    The effect is an INSERT … ON CONFLICT DO NOTHING keyed by `key`: running twice is safe.
    """
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {RUNS_TABLE} (key) VALUES (%s)", [key])
        cursor.execute(f"SELECT count(*) FROM {RUNS_TABLE} WHERE key = %s", [key])
        first_run = cursor.fetchone()[0] == 1
    if first_run and hold_seconds:
        time.sleep(hold_seconds)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {EFFECTS_TABLE} (key) VALUES (%s) ON CONFLICT DO NOTHING",
            [key],
        )
