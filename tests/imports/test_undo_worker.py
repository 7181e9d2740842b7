"""The undo of a medium-size import (20,000 companies with contacts, 200 updated) through
the API and a real Celery worker (Redis broker): the API answers at once, the worker does
the undo, its progress shows on the batch while it runs, the worker's memory stays flat, and
every table is back exactly as before the import."""

import time
from pathlib import Path

import pytest
import redis

from config.celery import app
from imports.engine import undo
from imports.models import ImportBatch
from tests.factories import AccountFactory, ContactFactory, UserFactory
from tests.imports.conftest import fingerprint, run_import, start_worker, stop_worker

pytestmark = pytest.mark.django_db(transaction=True)
COMPANIES = 20_000
UPDATED = 200
PHASES = {undo.PHASE_ORDERS, undo.PHASE_CONTACTS, undo.PHASE_RESTORE, undo.PHASE_ACCOUNTS}
# What the worker's resident memory may grow by while it undoes the 20,000 companies (a
# first task's connection and caches included). Loading the rows into Python, as the ORM's
# delete did, takes several times more.
MAX_GROWTH_KB = 20 * 1024


def _file(path: Path) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        fh.write("客户名称,客户编号,行业,联系人,手机,职务\n")
        for i in range(COMPANIES):
            fh.write(f"撤销公司{i:05d}有限公司,U{i:05d},制造业,联系人{i},139{i:08d},经理\n")
            if i % 10 == 0:
                fh.write(f"撤销公司{i:05d}有限公司,U{i:05d},,第二联系人{i},138{i:08d},\n")
        for j in range(UPDATED):
            fh.write(f"既有公司{j:03d},E{j:03d},零售,老联系人{j},137{j:08d},总经理\n")
    return path


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def _wait_until_ready(timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if app.control.ping(timeout=1):
            return
    raise AssertionError("the worker did not answer")


@pytest.fixture
def celery_worker(require_redis, settings):
    redis.Redis.from_url(require_redis).delete("celery")
    proc = start_worker(require_redis, settings.MEDIA_ROOT)
    yield proc
    stop_worker(proc, require_redis)


def test_a_medium_undo_runs_in_the_worker_with_progress_and_flat_memory(
    tmp_path, admin, api, celery_worker, settings
):
    # Given existing companies with contacts, and an import that updates them and creates
    # 20,000 more (done here, in this process)
    settings.CRM_IMPORT_INLINE_MAX_BYTES = 0  # the undo goes to the worker
    rep = UserFactory(username="rep-medium")
    for j in range(UPDATED):
        account = AccountFactory(
            name=f"既有公司{j:03d}", external_code=f"E{j:03d}", industry="批发", owner=rep
        )
        ContactFactory(account=account, name=f"老联系人{j}", phone=f"137{j:08d}", title="采购")
    before = fingerprint()
    batch = run_import(_file(tmp_path / "medium.csv"), actor=admin, mode="update")
    assert batch.status == "done", batch.message
    assert (batch.counts["accounts_create"], batch.counts["accounts_update"]) == (
        COMPANIES,
        UPDATED,
    )
    after_import = fingerprint()
    _wait_until_ready()
    rss_before = _rss_kb(celery_worker.pid)
    # When the admin asks for the undo through the API
    client = api(admin)
    url = f"/api/v1/imports/{batch.pk}/"
    response = client.post(url + "undo/")
    # Then it answers at once: queued, nothing undone yet
    assert response.status_code == 202
    assert response.json()["status"] == "undoing"
    assert fingerprint() == after_import
    # And the worker undoes it while the batch shows how far it is
    readings, peak = [], rss_before
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        data = client.get(url).json()
        readings.append((data["status"], data["phase"], data["progress"]))
        peak = max(peak, _rss_kb(celery_worker.pid))
        if data["status"] != "undoing":
            break
        time.sleep(0.05)
    final = ImportBatch.objects.get(pk=batch.pk)
    assert final.status == "undone", (final.message, readings[-5:])
    running = [r for r in readings if r[0] == "undoing" and r[1] in PHASES]
    assert running, readings
    assert any(0 < r[2] < 100 for r in running), readings
    progress = [r[2] for r in running]
    assert progress == sorted(progress)
    assert readings[-1] == ("undone", "", 100)
    # And every row of the tables is back exactly as it was before the import
    assert fingerprint() == before
    # And the worker's memory did not grow with the rows
    assert peak - rss_before < MAX_GROWTH_KB, f"grew {(peak - rss_before) / 1024:.1f} MB"
