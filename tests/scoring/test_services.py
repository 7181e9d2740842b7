"""The recompute service: its lock, its atomicity, the queued request, the settings' rules."""

import threading
import time
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from core.models import AuditEntry, PendingTask
from core.services import app_settings_update
from scoring import services, sql
from scoring.models import ScoringSettings, TierRun, TierSnapshot
from scoring.tasks import recompute_tiers_nightly_task, recompute_tiers_task
from tests.factories import ScoringSettingsFactory, TierRunFactory
from tests.scoring.conftest import AS_OF, tiers_of

D = Decimal


@pytest.mark.django_db
def test_a_failed_recompute_leaves_the_previous_tiers_and_snapshot(
    make_accounts, recompute, monkeypatch
):
    accounts = make_accounts([50, 25, 10, 8, 4, 3])
    good = recompute()
    before_rows = list(TierSnapshot.objects.order_by("id").values_list("id", "tier"))
    # The new figures would change every tier; the failure comes after they were written.
    for account in accounts[3:]:
        account.orders.create(date=AS_OF, amount=1000)
    real_apply = sql.apply_tiers

    def apply_then_fail(conn, params):
        assert real_apply(conn, params) > 0
        raise RuntimeError("disk full")

    monkeypatch.setattr(sql, "apply_tiers", apply_then_fail)
    with pytest.raises(RuntimeError, match="disk full"):
        recompute()
    assert tiers_of(accounts) == ["A", "A", "A", "B", "B", "C"]
    assert list(TierSnapshot.objects.order_by("id").values_list("id", "tier")) == before_rows
    failed = TierRun.objects.latest("id")
    assert (failed.status, failed.error) == ("failed", "RuntimeError: disk full")
    assert failed.finished_at is not None
    assert TierRun.objects.latest_succeeded() == good
    assert not AuditEntry.objects.filter(action="recompute", object_id=str(failed.pk)).exists()


@pytest.mark.django_db
def test_recompute_writes_an_audit_entry(make_accounts, recompute, org):
    make_accounts([10])
    run = recompute(trigger="manual", actor=org["m1"])
    entry = AuditEntry.objects.get(action="recompute")
    assert (entry.actor, entry.object_id, entry.model) == (
        org["m1"],
        str(run.pk),
        "scoring.TierRun",
    )
    assert entry.changes["_extra"] == {
        "trigger": "manual",
        "method": "revenue",
        "as_of": "2026-06-30",
        "changed": 1,
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"trigger": "sometimes"}, "trigger"),
        ({"trigger": "cli", "method": "alphabet"}, "method"),
        ({"trigger": "cli", "window_days": 0}, "window_days"),
        ({"trigger": "cli", "window_days": 30, "all_time": True}, "window_days"),
    ],
)
def test_bad_recompute_arguments_are_refused_and_nothing_runs(make_accounts, kwargs, field):
    accounts = make_accounts([10])
    with pytest.raises(ValidationError) as caught:
        services.tiers_recompute(**kwargs)
    assert field in caught.value.message_dict
    assert not TierRun.objects.exists()
    assert tiers_of(accounts) == [""]


@pytest.mark.django_db
def test_a_rep_cannot_recompute_or_queue(org):
    with pytest.raises(PermissionDenied):
        services.tiers_recompute(trigger="manual", actor=org["r1"])
    with pytest.raises(PermissionDenied):
        services.tier_recompute_request(actor=org["r1"])
    assert not TierRun.objects.exists()
    assert not PendingTask.objects.exists()


@pytest.mark.django_db
def test_a_request_is_queued_once_and_the_task_claims_it(org, make_accounts):
    make_accounts([10, 5])
    first = services.tier_recompute_request(actor=org["m1"])
    again = services.tier_recompute_request(actor=org["admin"])
    assert again == first
    assert first.status == "queued"
    pending = PendingTask.objects.get()
    assert (pending.task_name, pending.kwargs) == (
        "scoring.tasks.recompute_tiers_task",
        {"trigger": "manual", "actor_id": org["m1"].pk},
    )
    # Another trigger does not steal the queued request; the requester's task takes it.
    nightly = TierRun.objects.get(pk=recompute_tiers_nightly_task())
    assert nightly.trigger == "nightly" and nightly.pk != first.pk
    claimed = recompute_tiers_task(trigger="manual", actor_id=org["m1"].pk)
    assert claimed == first.pk
    first.refresh_from_db()
    assert (first.status, first.actor, first.trigger) == ("succeeded", org["m1"], "manual")
    assert first.started_at is not None and first.finished_at is not None
    # Run twice (a redelivered task): a new run that changes nothing.
    second = TierRun.objects.get(pk=recompute_tiers_task(trigger="manual", actor_id=org["m1"].pk))
    assert (second.status, second.changed_count) == ("succeeded", 0)


@pytest.mark.django_db
def test_the_database_allows_one_queued_run_only(org):
    TierRunFactory(status="queued", trigger="manual")
    with pytest.raises(IntegrityError), transaction.atomic():
        TierRunFactory(status="queued", trigger="manual")


@pytest.mark.django_db
def test_a_stale_queued_request_no_longer_blocks(org):
    stale = services.tier_recompute_request(actor=org["m1"])
    TierRun.objects.filter(pk=stale.pk).update(
        created_at=stale.created_at - services.QUEUED_STALE_AFTER * 2
    )
    fresh = services.tier_recompute_request(actor=org["m1"])
    assert fresh.pk != stale.pk
    stale.refresh_from_db()
    assert (stale.status, stale.error) == ("failed", "The queued recompute never started.")


@pytest.mark.django_db
def test_import_trigger_runs_through_the_same_task(org, make_accounts):
    accounts = make_accounts([10], date=timezone.localdate())  # the task runs as of today
    run = TierRun.objects.get(pk=recompute_tiers_task(trigger="import", actor_id=org["admin"].pk))
    assert (run.trigger, run.actor, run.status) == ("import", org["admin"], "succeeded")
    assert tiers_of(accounts) == ["A"]


def _waiting_on_lock(timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            # Inside a transaction the activity view is a snapshot: take a fresh one each time.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND query LIKE %s AND datname = current_database()",
                ["%scoring_recomputelock%"],
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.05)
    return False


def _in_thread(fn, results: dict, key: str) -> threading.Thread:
    def target():
        try:
            results[key] = fn()
        except Exception as exc:  # reported by the test
            results[key] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=target)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True)
def test_a_second_recompute_waits_for_the_lock(make_accounts):
    accounts = make_accounts([50, 30, 20])
    results: dict = {}
    with transaction.atomic():
        services._acquire_lock()  # as a running recompute holds it
        waiting = _in_thread(
            lambda: services.tiers_recompute(trigger="cli", as_of=AS_OF), results, "run"
        )
        assert _waiting_on_lock(), f"the second recompute did not wait for the lock: {results}"
        running = TierRun.objects.get()
        assert running.status == "running" and running.locked_at is None
        assert not TierSnapshot.objects.exists()
        assert tiers_of(accounts) == ["", "", ""]
    waiting.join(timeout=60)
    run = results["run"]
    assert isinstance(run, TierRun), run
    assert run.status == "succeeded"
    assert tiers_of(accounts) == ["A", "A", "B"]


@pytest.mark.django_db(transaction=True)
def test_two_recomputes_at_once_never_interleave(make_accounts):
    make_accounts([50, 30, 20, 10, 5])
    results: dict = {}
    threads = [
        _in_thread(lambda: services.tiers_recompute(trigger="cli", as_of=AS_OF), results, key)
        for key in ("one", "two")
    ]
    for thread in threads:
        thread.join(timeout=60)
    runs = sorted((results["one"], results["two"]), key=lambda run: run.locked_at)
    assert all(isinstance(run, TierRun) and run.status == "succeeded" for run in runs)
    assert runs[0].finished_at <= runs[1].locked_at
    assert runs[1].previous_run_id == runs[0].pk
    for run in runs:
        assert TierSnapshot.objects.filter(run=run).count() == 5
    assert runs[1].changed_count == 0


# Settings: admins edit them; every bad value is refused with a message naming the field.


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"a_cutoff": D("95"), "b_cutoff": D("80")}, "b_cutoff", "above the A cut-off"),
        ({"a_cutoff": D("0")}, "a_cutoff", "greater than or equal to 0.01"),
        ({"b_cutoff": D("120")}, "b_cutoff", "less than or equal to 100"),
        ({"count_a_share": D("60"), "count_b_share": D("50")}, "count_b_share", "exceed 100%"),
        ({"window_days": 0}, "window_days", "greater than or equal to 1"),
        ({"weight_hours": D("-1")}, "weight_hours", "greater than or equal to 0"),
        ({"quadrant_thresholds": "fixed"}, "input_threshold", "Give the input threshold"),
        ({"priority_worksheet_min": 8}, "priority_worksheet_min", "less than or equal to 7"),
        ({"method": "alphabet"}, "method", "is not a valid choice"),
        ({"output_measure": "influence"}, "output_measure", "is not a valid choice"),
        ({"snapshot_retention": 1}, "snapshot_retention", "greater than or equal to 2"),
    ],
)
def test_bad_settings_are_refused_and_nothing_changes(org, data, field, message):
    before = ScoringSettings.load()
    audits = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as caught:
        app_settings_update(actor=org["admin"], settings_model=ScoringSettings, data=data)
    assert message in " ".join(caught.value.message_dict[field])
    after = ScoringSettings.objects.get()
    assert [getattr(after, f.attname) for f in after._meta.concrete_fields] == [
        getattr(before, f.attname) for f in before._meta.concrete_fields
    ]
    assert AuditEntry.objects.count() == audits


@pytest.mark.django_db
def test_settings_are_saved_by_an_admin_and_used_by_the_next_run(org, make_accounts, recompute):
    app_settings_update(
        actor=org["admin"],
        settings_model=ScoringSettings,
        data={"a_cutoff": D("50"), "b_cutoff": D("90")},
    )
    with pytest.raises(PermissionDenied):
        app_settings_update(
            actor=org["m1"], settings_model=ScoringSettings, data={"a_cutoff": D("60")}
        )
    assert ScoringSettings.load().a_cutoff == D("50")
    accounts = make_accounts([50, 25, 10, 8, 4, 3])
    run = recompute()
    assert (run.a_cutoff, run.b_cutoff) == (D("50.00"), D("90.00"))
    assert tiers_of(accounts) == ["A", "B", "B", "B", "C", "C"]


@pytest.mark.django_db
def test_the_database_backs_the_settings_rules(db):
    ScoringSettings.load()
    for values in (
        {"a_cutoff": D("96")},
        {"count_a_share": D("80"), "count_b_share": D("30")},
        {"quadrant_thresholds": "fixed"},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            ScoringSettings.objects.filter(pk=1).update(**values)
    with pytest.raises(IntegrityError), transaction.atomic():
        ScoringSettingsFactory(pk=2)
