"""A check or import whose process died stays 'running' until it has shown no sign of life
(heartbeat, else start) for CRM_IMPORT_STALE_SECONDS; then it is stale: the sweeper marks it
failed, and commit (or check) starts it again. A run that still beats is never taken twice.
The killed-process cases themselves are in tests/security/test_faults.py."""

import time
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Account
from core.models import AuditEntry
from imports import services
from imports.engine.staging import Progress
from imports.models import ImportBatch
from imports.tasks import import_batches_fail_stale_task
from imports.upload import lifecycle
from tests.factories import ImportBatchFactory
from tests.imports.conftest import write_csv

pytestmark = pytest.mark.django_db
Status = ImportBatch.Status
COMPANIES = ["甲公司", "乙公司", "丙公司"]


@pytest.fixture(autouse=True)
def _stale_after_ten_minutes(settings):
    settings.CRM_IMPORT_STALE_SECONDS = 600


@pytest.fixture
def checked(tmp_path, admin):
    """A customers batch that passed its dry run."""
    path = write_csv(tmp_path / "list.csv", [["客户名称"], *[[n] for n in COMPANIES]])
    with path.open("rb") as fh:
        batch = services.import_batch_create(
            actor=admin, kind="customers", upload=fh, file_name=path.name
        )
    services.import_batch_check(actor=admin, batch=batch, dispatch=False)
    services.import_batch_run(batch_id=batch.pk, dry_run=True)
    batch.refresh_from_db()
    assert batch.status == Status.READY
    return batch


def _left_by_a_process(batch, *, status=Status.RUNNING, silent_for=None, heartbeat=True):
    """The batch as a process leaves it: taken, last heartbeat `silent_for` ago."""
    last = timezone.now() - (silent_for or timedelta(0))
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=status,
        phase="writing",
        progress=40,
        started_at=last - timedelta(hours=2),
        heartbeat_at=last if heartbeat else None,
    )
    batch.refresh_from_db()
    return batch


def test_a_running_batch_that_still_beats_is_refused_with_a_clear_message(checked, admin):
    batch = _left_by_a_process(checked, silent_for=timedelta(minutes=9))
    assert not batch.is_stale
    with pytest.raises(ValidationError) as excinfo:
        services.import_batch_commit(actor=admin, batch=batch, dispatch=False)
    assert excinfo.value.messages == [
        "This import is still running or waiting for a worker. If its process has stopped, it "
        "can be started again once it has shown no sign of life for 10 minutes."
    ]
    with pytest.raises(ValidationError):
        services.import_batch_configure(actor=admin, batch=batch, data={"mode": "update"})
    batch.refresh_from_db()
    assert (batch.status, batch.phase, batch.progress, batch.mode) == (
        Status.RUNNING,
        "writing",
        40,
        "skip",
    )
    assert services.import_batch_run(batch_id=batch.pk, dry_run=False) is None  # not taken
    assert not Account.objects.exists()


def test_a_queued_batch_is_never_stale_however_long_it_waits(checked, admin):
    services.import_batch_commit(actor=admin, batch=checked, dispatch=False)
    ImportBatch.objects.filter(pk=checked.pk).update(
        started_at=timezone.now() - timedelta(days=1), heartbeat_at=None
    )
    checked.refresh_from_db()
    assert checked.status == Status.QUEUED and not checked.is_stale
    assert services.import_batches_fail_stale() == 0
    with pytest.raises(ValidationError, match="still running or waiting for a worker"):
        services.import_batch_commit(actor=admin, batch=checked, dispatch=False)


def test_a_stale_import_is_committed_again_and_runs_once(checked, admin):
    batch = _left_by_a_process(checked, silent_for=timedelta(minutes=11))
    assert batch.is_stale
    assert ImportBatch.objects.stale().get() == batch
    batch = services.import_batch_commit(actor=admin, batch=batch, dispatch=False)
    assert (batch.status, batch.phase, batch.message) == (Status.QUEUED, "queued", "")
    assert AuditEntry.objects.filter(object_id=str(batch.pk), action="fail").count() == 1
    services.import_batch_run(batch_id=batch.pk, dry_run=False)
    batch.refresh_from_db()
    assert batch.status == Status.DONE, batch.message
    assert sorted(Account.objects.filter(import_batch=batch).values_list("name", flat=True)) == (
        sorted(COMPANIES)
    )
    assert batch.heartbeat_at is not None and not batch.is_stale


def test_a_batch_from_before_heartbeats_is_judged_by_its_start(checked, admin):
    batch = _left_by_a_process(checked, silent_for=timedelta(minutes=11), heartbeat=False)
    ImportBatch.objects.filter(pk=batch.pk).update(started_at=timezone.now() - timedelta(minutes=5))
    batch.refresh_from_db()
    assert not batch.is_stale and not ImportBatch.objects.stale().exists()
    ImportBatch.objects.filter(pk=batch.pk).update(started_at=timezone.now() - timedelta(hours=1))
    batch.refresh_from_db()
    assert batch.is_stale and ImportBatch.objects.stale().get() == batch


def test_a_redelivered_task_takes_a_stale_run_but_never_one_that_beats(checked, admin):
    # Started two hours ago (longer than the stale time) but beating: a redelivery of its
    # task (the broker's visibility timeout) must not run it a second time.
    batch = _left_by_a_process(checked, silent_for=timedelta(seconds=5))
    assert services.import_batch_run(batch_id=batch.pk, dry_run=False) is None
    assert not Account.objects.exists()
    _left_by_a_process(batch, silent_for=timedelta(minutes=11))
    services.import_batch_run(batch_id=batch.pk, dry_run=False)
    batch.refresh_from_db()
    assert batch.status == Status.DONE
    assert Account.objects.filter(import_batch=batch).count() == len(COMPANIES)


def test_a_redelivered_task_that_finds_the_run_beating_knows_how_long_to_wait(checked, admin):
    # The task does not drop such a delivery (its first worker may have died a moment
    # ago): it tries again once the run would be stale. The real worker case is
    # tests/security/test_faults.py::test_worker_killed_mid_import_runs_it_again...
    until = services.import_batch_seconds_until_free
    assert until(batch_id=checked.pk, dry_run=False) is None  # ready: nobody holds it
    batch = _left_by_a_process(checked, silent_for=timedelta(seconds=5))
    assert 590 <= until(batch_id=batch.pk, dry_run=False) <= 595
    assert until(batch_id=batch.pk, dry_run=True) is None  # a check's task: not its run
    _left_by_a_process(batch, silent_for=timedelta(minutes=11))
    assert until(batch_id=batch.pk, dry_run=False) == 0  # stale: take it now
    _left_by_a_process(batch, status=Status.VALIDATING, silent_for=timedelta(seconds=100))
    assert 495 <= until(batch_id=batch.pk, dry_run=True) <= 500
    assert until(batch_id=batch.pk, dry_run=False) is None
    assert services.import_batch_run(batch_id=batch.pk, dry_run=False) is None  # a check's
    assert until(batch_id=batch.pk + 1000, dry_run=False) is None  # gone
    ImportBatch.objects.filter(pk=batch.pk).update(status=Status.DONE, phase="")
    assert until(batch_id=batch.pk, dry_run=False) is None


def test_the_sweeper_marks_only_stale_runs_failed_and_says_why(checked, admin, tmp_path):
    stale = _left_by_a_process(checked, silent_for=timedelta(minutes=30))
    path = write_csv(tmp_path / "other.csv", [["客户名称"], ["丁公司"]])
    others = {}
    for name in ("beating", "stale_check", "queued_check"):
        with path.open("rb") as fh:
            others[name] = services.import_batch_create(
                actor=admin, kind="customers", upload=fh, file_name=f"{name}.csv"
            )
    _left_by_a_process(others["beating"], silent_for=timedelta(minutes=1))
    _left_by_a_process(
        others["stale_check"], status=Status.VALIDATING, silent_for=timedelta(minutes=30)
    )
    services.import_batch_check(actor=admin, batch=others["queued_check"], dispatch=False)
    ImportBatch.objects.filter(pk=others["queued_check"].pk).update(
        started_at=timezone.now() - timedelta(days=1), heartbeat_at=None
    )

    assert import_batches_fail_stale_task() == 2
    assert import_batches_fail_stale_task() == 0  # safe to run twice

    stale.refresh_from_db()
    assert (stale.status, stale.phase, stale.progress) == (Status.FAILED, lifecycle.STOPPED, 0)
    assert stale.message.startswith("The import stopped without finishing: its process ended")
    assert stale.message.endswith("Nothing of it was kept; run it again.")
    assert stale.finished_at is not None and stale.is_editable
    check = ImportBatch.objects.get(pk=others["stale_check"].pk)
    assert (check.status, check.phase) == (Status.FAILED, "")
    assert check.message.startswith("The check stopped without finishing")
    assert ImportBatch.objects.get(pk=others["beating"].pk).status == Status.RUNNING
    queued = ImportBatch.objects.get(pk=others["queued_check"].pk)
    assert (queued.status, queued.phase) == (Status.VALIDATING, "queued")
    # Failed for this reason, the import may be started again straight away.
    services.import_batch_commit(actor=admin, batch=stale, dispatch=False)
    services.import_batch_run(batch_id=stale.pk, dry_run=False)
    assert ImportBatch.objects.get(pk=stale.pk).status == Status.DONE


def test_the_message_is_in_the_language_of_whoever_started_the_import(checked, admin):
    admin.language = "zh-hans"
    admin.save(update_fields=["language"])
    _left_by_a_process(checked, silent_for=timedelta(minutes=30))
    services.import_batches_fail_stale()
    checked.refresh_from_db()
    assert checked.message.startswith("导入未完成")


def test_the_page_of_a_stale_import_says_so_and_runs_it_again(client, checked, admin):
    client.force_login(admin)
    _left_by_a_process(checked, silent_for=timedelta(minutes=1))
    page = client.get(checked.get_absolute_url()).content.decode()
    assert 'id="imp-progress"' in page
    assert 'id="imp-stale"' not in page and 'id="imp-run-again"' not in page

    _left_by_a_process(checked, silent_for=timedelta(minutes=11))
    page = client.get(checked.get_absolute_url()).content.decode()
    assert "has shown no sign of life since" in page
    assert 'id="imp-run-again"' in page and 'id="imp-progress"' not in page
    response = client.post(f"/imports/{checked.pk}/commit/")
    assert response.status_code == 302
    checked.refresh_from_db()
    assert checked.status == Status.QUEUED


def test_the_page_of_an_import_failed_by_the_sweeper_offers_to_run_it_again(
    client, checked, admin, django_capture_on_commit_callbacks
):
    client.force_login(admin)
    _left_by_a_process(checked, silent_for=timedelta(minutes=30))
    services.import_batches_fail_stale()
    page = client.get(checked.get_absolute_url()).content.decode()
    assert "The import stopped without finishing" in page
    assert 'id="imp-run-again"' in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/imports/{checked.pk}/commit/")
    checked.refresh_from_db()
    assert checked.status == Status.DONE
    assert Account.objects.filter(import_batch=checked).count() == len(COMPANIES)
    page = client.get(checked.get_absolute_url()).content.decode()
    assert 'id="imp-run-again"' not in page


def test_api_shows_stale_and_refuses_a_commit_of_a_run_that_beats(api, checked, admin):
    client = api(admin)
    _left_by_a_process(checked, silent_for=timedelta(minutes=1))
    url = f"/api/v1/imports/{checked.pk}/"
    assert client.get(url).json()["stale"] is False
    response = client.post(f"{url}commit/")
    assert response.status_code == 400
    assert "still running" in str(response.json())
    _left_by_a_process(checked, silent_for=timedelta(minutes=11))
    data = client.get(url).json()
    assert data["stale"] is True and data["heartbeat_at"]
    assert client.post(f"{url}commit/").status_code == 202
    assert ImportBatch.objects.get(pk=checked.pk).status in (Status.QUEUED, Status.DONE)


@pytest.mark.django_db(transaction=True)
def test_the_progress_thread_beats_while_the_process_lives(admin, settings):
    settings.CRM_IMPORT_STALE_SECONDS = 1  # a beat every 0.2 s
    batch = ImportBatchFactory(kind="customers", created_by=admin, status=Status.RUNNING)
    progress = Progress(batch.pk, enabled=True)
    try:
        time.sleep(0.7)  # no report at all: heartbeats only
        batch.refresh_from_db()
        first = batch.heartbeat_at
        assert first is not None and batch.phase == "" and batch.progress == 0
        progress.report("writing", 55, 1000, force=True)
        time.sleep(0.5)
        batch.refresh_from_db()
        assert (batch.phase, batch.progress, batch.rows_read) == ("writing", 55, 1000)
        assert batch.heartbeat_at > first
    finally:
        progress.close()
