"""Two imports of one file at once on real PostgreSQL, and the task path through a real
Celery worker (Redis broker) with progress stored in the database."""

import threading
import time

import pytest
import redis
from django.db import connections

from accounts.models import Account, Contact
from imports import services
from imports.models import ImportBatch
from tests.imports.conftest import (
    customer_rows,
    run_import,
    start_worker,
    stop_worker,
    write_csv,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_concurrent_imports_of_one_file_create_no_duplicates(tmp_path, admin):
    rows = [customer_rows()[0]] + [
        [f"并发公司{i}有限公司", "", f"K{i}", f"联系人{i}", f"1390000{i:04d}", "", "", ""]
        for i in range(300)
    ]
    path = write_csv(tmp_path / "same.csv", rows, encoding="gbk")
    barrier = threading.Barrier(2)
    results, failures = [], []

    def worker():
        try:
            barrier.wait(timeout=30)
            results.append(run_import(path, actor=admin, mode="skip"))
        except Exception as exc:
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert failures == []
    assert sorted(b.status for b in results) == ["done", "done"]
    assert sorted(b.counts["accounts_create"] for b in results) == [0, 300]
    assert Account.objects.count() == 300
    assert Contact.objects.count() == 300
    assert Account.objects.values("normalized_name").distinct().count() == 300


@pytest.fixture
def celery_worker(require_redis, settings):
    redis.Redis.from_url(require_redis).delete("celery")
    proc = start_worker(require_redis, settings.MEDIA_ROOT)
    yield proc
    stop_worker(proc, require_redis)


def _wait_for(batch_id: int, statuses: set[str], timeout: float = 90) -> ImportBatch:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        batch = ImportBatch.objects.get(pk=batch_id)
        if batch.status in statuses:
            return batch
        time.sleep(0.3)
    raise AssertionError(f"batch {batch_id} still {batch.status}")


def test_big_file_runs_in_a_celery_worker_with_progress_in_the_database(
    tmp_path, admin, celery_worker, settings
):
    settings.CRM_IMPORT_INLINE_MAX_BYTES = 0  # every file goes to the worker
    rows = [customer_rows()[0]] + [
        [f"任务公司{i}有限公司", "", "", f"联系人{i}", "", "", "", ""] for i in range(2000)
    ]
    path = write_csv(tmp_path / "big.csv", rows, encoding="gb18030")
    with path.open("rb") as fh:
        batch = services.import_batch_create(
            actor=admin, kind="customers", upload=fh, file_name="big.csv"
        )
    services.import_batch_check(actor=admin, batch=batch)
    checked = _wait_for(batch.pk, {"ready", "failed"})
    assert checked.status == "ready", checked.message
    assert (checked.progress, checked.rows_read) == (100, 2000)
    assert checked.counts["accounts_create"] == 2000
    assert not Account.objects.exists()
    services.import_batch_commit(actor=admin, batch=checked)
    done = _wait_for(batch.pk, {"done", "failed"})
    assert done.status == "done", done.message
    assert Account.objects.filter(import_batch=done).count() == 2000
    assert settings.CELERY_BROKER_URL.startswith("redis")
