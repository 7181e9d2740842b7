"""Undo of an import: asked for on the page or the API (queued, answered at once), run in a
worker (or right after the commit for a small file) set-based and in chunks, all or nothing;
every table back exactly as before the import; what it deletes with the batch's rows is what
Django's `on_delete` deletes; refused, with the reason, whenever it may not run.

The real worker and the killed worker are in test_undo_worker.py and
tests/security/test_faults.py."""

import datetime
import threading
import time
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.utils import timezone

from accounts.models import Account, Contact, Order
from core.models import AuditEntry, PendingTask
from imports import services
from imports.engine import undo
from imports.engine.staging import Staging
from imports.models import ImportBatch
from imports.tasks import import_batch_undo_task
from prospects.models import Prospect, Worksheet
from tests.factories import (
    AccountFactory,
    ChecklistTickFactory,
    ContactFactory,
    OrderFactory,
    ReminderFactory,
    TerritoryFactory,
    TouchFactory,
    UserFactory,
    VisitFactory,
    VisitPlanFactory,
    WorksheetFactory,
)
from tests.imports.conftest import run_import, run_undo, write_csv
from visits.models import ChecklistItem, Reminder, Touch, Visit, VisitPlan

pytestmark = pytest.mark.django_db
TIER_TASK = "scoring.tasks.recompute_tiers_task"
Status = ImportBatch.Status
TODAY = datetime.date(2026, 12, 1)


def all_rows() -> dict[str, list[str]]:
    """Every row (as text) of every table an undo deletes from or changes: accounts,
    contacts, orders and all that points at them (from the models, like the undo)."""
    tables = sorted({s.table for m in (Account, Contact, Order) for s in undo.delete_statements(m)})
    out = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT t::text FROM {table} t")  # nosec B608
            out[table] = sorted(row[0] for row in cursor.fetchall())
    return out


@pytest.fixture
def rep(db):
    return UserFactory(username="rep-undo")


@pytest.fixture
def existing(rep):
    """An account with a contact and a life of its own (visits, plans, touches, reminders,
    worksheet, prospect, orders), which the import will update."""
    account = AccountFactory(name="上海华信机械有限公司", industry="旧行业", owner=rep)
    contact = ContactFactory(account=account, name="王伟", phone="13800000001", title="旧职务")
    _life(account, contact, rep)
    AccountFactory(name="Untouched Ltd", owner=rep)
    return {"account": account, "contact": contact}


def _life(account: Account, contact: Contact, user, tag: str = "") -> None:
    """Rows of every kind that point at an account or a contact."""
    item, _ = ChecklistItem.objects.get_or_create(position=90, defaults={"text_en": "Agenda"})
    plan = VisitPlanFactory(account=account, planned_date=TODAY, purpose=f"plan{tag}")
    ChecklistTickFactory(plan=plan, item=item, ticked_by=user)
    visit = VisitFactory(account=account, visit_date=TODAY, plan=plan, logged_by=user)
    visit.contacts.add(contact)
    TouchFactory(account=account, contact=contact, type="letter", date=TODAY)
    for subject, extra in (("account", {}), ("contact", {"contact": contact}), ("plan", {})):
        ReminderFactory(
            recipient=user,
            kind="visit_due",
            subject=f"{subject}:{account.pk}{tag}",
            occasion_code="visit_due",
            date=TODAY,
            remind_on=TODAY,
            account=account,
            plan=plan if subject == "plan" else None,
            **extra,
        )
    WorksheetFactory(account=account)
    Prospect.objects.get_or_create(account=account)
    OrderFactory(account=account)


def _customers(tmp_path, name: str = "u.csv", extra: int = 0):
    rows = [
        ["客户名称", "客户编号", "行业", "联系人", "手机", "职务"],
        ["上海华信机械有限公司", "", "制造业", "王伟", "13800000001", "总经理"],
        ["上海华信机械有限公司", "", "", "新人", "13900000009", ""],
        ["全新公司", "N1", "软件", "路人", "13700000009", ""],
        ["全新公司", "N1", "", "路人乙", "13700000010", ""],
        ["另一家公司", "N2", "物流", "", "", ""],
    ]
    rows += [
        [f"批量公司{i}", f"B{i}", "", f"联系人{i}", f"1360000{i:04d}", ""] for i in range(extra)
    ]
    return write_csv(tmp_path / name, rows)


@pytest.mark.parametrize("chunk", [undo.CHUNK_ROWS, 2])
def test_undo_puts_every_table_back_exactly_as_before_the_import(
    tmp_path, admin, existing, chunk, monkeypatch
):
    # Given an account and contact the import updates, and new companies it creates
    monkeypatch.setattr(undo, "CHUNK_ROWS", chunk)  # 2: every step in several chunks
    before = all_rows()
    batch = run_import(_customers(tmp_path, extra=7), actor=admin, mode="update")
    assert batch.status == Status.DONE, batch.message
    assert (batch.counts["accounts_create"], batch.counts["accounts_update"]) == (9, 1)
    assert batch.counts["contacts_update"] == 1
    assert all_rows() != before
    # When it is undone
    undone = run_undo(batch, actor=admin)
    # Then every row of every table is as it was, to the last column
    assert undone.status == Status.UNDONE, undone.message
    assert all_rows() == before
    assert (undone.progress, undone.phase, undone.message) == (100, "", "")
    assert undone.undone_by == admin and undone.undone_at is not None
    audit = AuditEntry.objects.filter(action="undo", object_id=str(batch.pk)).get()
    contacts = batch.counts["contacts_create"]
    assert audit.changes["_extra"] == {
        "deleted": 9 + contacts,
        "accounts_deleted": 9,
        "contacts_deleted": contacts,
        "orders_deleted": 0,
        "restored": 2,
        "accounts_restored": 1,
        "contacts_restored": 1,
    }


def _undo_the_old_way(batch: ImportBatch) -> None:
    """The undo before it was set-based (Django's collector), as the oracle of what must go."""
    Order.objects.filter(import_batch=batch).delete()
    Contact.objects.filter(import_batch=batch).delete()
    for model, name in ((Contact, "contact"), (Account, "account")):
        table = model._meta.db_table
        columns = [f.column for f in model._meta.concrete_fields if f.column != "id"]
        sets = ", ".join(columns)
        values = ", ".join(f"r.{c}" for c in columns)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET ({sets}) = ({values}) "  # nosec B608
                f"FROM imports_importbeforeimage b, jsonb_populate_record(NULL::{table}, b.data) r "
                f"WHERE b.batch_id = %s AND b.model = %s AND {table}.id = b.object_id",
                [batch.pk, name],
            )
    Account.objects.filter(import_batch=batch).delete()


@pytest.mark.parametrize("chunk", [undo.CHUNK_ROWS, 2])
def test_undo_deletes_what_was_added_to_its_rows_since_as_django_would(
    tmp_path, admin, existing, rep, chunk, monkeypatch
):
    # Given an import, then a life added to what it created (visits, plans, reminders,
    # orders on a new account; a touch and a reminder about a new contact of an old account)
    monkeypatch.setattr(undo, "CHUNK_ROWS", chunk)
    batch = run_import(_customers(tmp_path, extra=3), actor=admin, mode="update")
    new_account = Account.objects.get(external_code="N1")
    _life(new_account, new_account.contacts.order_by("pk").first(), rep, tag="n")
    newcomer = Contact.objects.get(name="新人")  # the batch's contact on the old account
    TouchFactory(account=existing["account"], contact=newcomer, type="card", date=TODAY)
    visit = VisitFactory(account=existing["account"], visit_date=TODAY)
    visit.contacts.add(newcomer, existing["contact"])
    # What Django's delete() leaves, found in a transaction that is rolled back
    with transaction.atomic():
        _undo_the_old_way(batch)
        expected = all_rows()
        transaction.set_rollback(True)
    # When it is undone set-based
    assert run_undo(batch, actor=admin).status == Status.UNDONE
    # Then exactly the same rows are left (the touch about the newcomer kept, its contact
    # nulled; the visit kept, without the newcomer)
    assert all_rows() == expected
    assert Touch.objects.filter(contact__isnull=True, type="card").count() == 1
    assert list(visit.contacts.all()) == [existing["contact"]]
    assert not Visit.objects.filter(account_id=new_account.pk).exists()
    assert not Reminder.objects.filter(subject__endswith="n").exists()


def test_the_statements_follow_every_relation_django_deletes_or_nulls():
    tables = {s.table: s.kind for s in undo.delete_statements(Account)}
    assert tables["accounts_account"] == "delete"
    for model in (Contact, Order, Visit, VisitPlan, Touch, Reminder, Worksheet, Prospect):
        assert model._meta.db_table in tables, model
    assert "visits_visit_contacts" in tables and "visits_checklisttick" in tables
    # Scoring snapshots are kept as history (DO_NOTHING): never touched.
    assert "scoring_tiersnapshot" not in tables
    # A touch or a commitment about a deleted contact stays, without its contact (SET_NULL); a
    # commitment made from one of the contact's reminders loses that link before the reminder
    # goes (SET_NULL too).
    assert [(s.kind, s.table) for s in undo.delete_statements(Contact)] == [
        # A colleague who reported to a deleted contact stays, reporting to nobody.
        ("null", "accounts_contact"),
        ("delete", "visits_visit_contacts"),
        ("null", "visits_touch"),
        ("null", "commitments_commitment"),
        ("delete", "visits_reminder"),
        ("null", "commitments_commitment"),
        # A contact's role in a deal goes with the contact (CASCADE).
        ("delete", "opportunities_opportunitycontact"),
        # A key-account plan's relationship goal is about one contact: it goes too (CASCADE).
        ("delete", "keyaccounts_relationshipgoal"),
        ("delete", "accounts_contact"),
    ]
    assert {"commitments_commitment", "playbook_intelligenceanswer"} <= set(tables)


def test_an_orders_undo_deletes_its_lines_and_queues_the_tier_recompute(tmp_path, admin, rep):
    account = AccountFactory(name="Acme", external_code="K1", owner=rep)
    kept = OrderFactory(account=account)
    before = all_rows()
    path = write_csv(
        tmp_path / "o.csv",
        [["客户编号", "日期", "金额"], ["K1", "2024-03-31", "100"], ["K1", "2024-04-01", "5"]],
    )
    batch = run_import(path, actor=admin, kind="orders")
    assert Order.objects.count() == 3
    tasks = PendingTask.objects.filter(task_name=TIER_TASK).count()
    undone = run_undo(batch, actor=admin)
    assert undone.status == Status.UNDONE
    assert all_rows() == before
    assert list(Order.objects.all()) == [kept]
    assert PendingTask.objects.filter(task_name=TIER_TASK).count() == tasks + 1


# ---- asking for it ------------------------------------------------------------------------


def _imported(tmp_path, admin, **config) -> ImportBatch:
    batch = run_import(_customers(tmp_path, **config), actor=admin, mode="update")
    assert batch.status == Status.DONE, batch.message
    return batch


def test_asking_queues_the_undo_and_changes_nothing_yet(tmp_path, admin, existing, settings):
    settings.CRM_IMPORT_INLINE_MAX_BYTES = 0  # a worker's job
    batch = _imported(tmp_path, admin)
    after_import = all_rows()
    asked = services.import_batch_undo(actor=admin, batch=batch)
    assert (asked.status, asked.phase, asked.progress) == (Status.UNDOING, "queued", 0)
    assert all_rows() == after_import
    task = PendingTask.objects.get(task_name=services.UNDO_TASK)
    assert task.args == [batch.pk]
    # The task (here run in this process) does it once; a second delivery does nothing.
    assert import_batch_undo_task.apply(args=[batch.pk]).get() == Status.UNDONE
    assert import_batch_undo_task.apply(args=[batch.pk]).get() == "skipped"
    assert ImportBatch.objects.get(pk=batch.pk).status == Status.UNDONE


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (Status.PENDING, "Only a finished import can be undone."),
        (Status.READY, "Only a finished import can be undone."),
        (Status.FAILED, "Only a finished import can be undone."),
        (Status.QUEUED, "Only a finished import can be undone."),
        (Status.UNDONE, "This import has already been undone."),
    ],
)
def test_a_batch_that_is_not_in_effect_is_refused(tmp_path, admin, existing, status, message):
    batch = _imported(tmp_path, admin)
    ImportBatch.objects.filter(pk=batch.pk).update(status=status)
    state = all_rows()
    with pytest.raises(ValidationError) as excinfo:
        services.import_batch_undo(actor=admin, batch=batch, dispatch=False)
    assert excinfo.value.messages == [message]
    assert ImportBatch.objects.get(pk=batch.pk).status == status
    assert all_rows() == state
    assert services.import_batch_undo_run(batch_id=batch.pk) is None  # nothing to take


def test_undo_twice_the_second_is_refused_while_it_runs_and_after(tmp_path, admin, existing):
    batch = _imported(tmp_path, admin)
    services.import_batch_undo(actor=admin, batch=batch, dispatch=False)
    with pytest.raises(ValidationError, match="This import is being undone"):
        services.import_batch_undo(actor=admin, batch=batch, dispatch=False)
    services.import_batch_undo_run(batch_id=batch.pk)
    assert services.import_batch_undo_run(batch_id=batch.pk) is None
    with pytest.raises(ValidationError, match="already been undone"):
        services.import_batch_undo(actor=admin, batch=batch, dispatch=False)
    assert AuditEntry.objects.filter(action="undo", object_id=str(batch.pk)).count() == 1


def test_a_batch_being_undone_can_be_neither_run_again_nor_changed(tmp_path, admin, existing):
    batch = _imported(tmp_path, admin)
    batch = services.import_batch_undo(actor=admin, batch=batch, dispatch=False)
    for call in (
        lambda: services.import_batch_commit(actor=admin, batch=batch, dispatch=False),
        lambda: services.import_batch_check(actor=admin, batch=batch, dispatch=False),
        lambda: services.import_batch_configure(actor=admin, batch=batch, data={"mode": "skip"}),
    ):
        with pytest.raises(ValidationError) as excinfo:
            call()
        assert excinfo.value.messages[0].startswith("This import is being undone, or waits")
    assert services.import_batch_run(batch_id=batch.pk, dry_run=False) is None
    assert ImportBatch.objects.get(pk=batch.pk).status == Status.UNDOING


def test_a_later_import_that_changed_its_rows_meanwhile_stops_the_run(tmp_path, admin, existing):
    # Given an undo asked for, then (before a worker ran it) an import that updates a
    # company the first one created
    first = _imported(tmp_path, admin)
    services.import_batch_undo(actor=admin, batch=first, dispatch=False)
    later = run_import(
        write_csv(tmp_path / "b.csv", [["客户编号", "客户名称", "行业"], ["N1", "全新公司", "改"]]),
        actor=admin,
        mode="update",
    )
    assert later.status == Status.DONE
    state = all_rows()
    # When the worker runs it, under the import locks it finds the later import
    batch = services.import_batch_undo_run(batch_id=first.pk)
    # Then nothing is undone and the batch says why
    assert (batch.status, batch.undone_by) == (Status.DONE, None)
    assert batch.message == f"Later imports changed these records; undo them first: #{later.pk}"
    assert all_rows() == state
    # And a later batch being undone still counts: it is in effect until that undo ends.
    services.import_batch_undo(actor=admin, batch=later, dispatch=False)
    with pytest.raises(ValidationError, match=f"undo them first: #{later.pk}"):
        services.import_batch_undo(actor=admin, batch=first, dispatch=False)
    run_undo_later = services.import_batch_undo_run(batch_id=later.pk)
    assert run_undo_later.status == Status.UNDONE
    assert run_undo(first, actor=admin).status == Status.UNDONE


def test_blockers_are_found_by_every_kind_of_change(tmp_path, admin, rep):
    first = run_import(
        write_csv(
            tmp_path / "a.csv",
            [["客户名称", "客户编号", "联系人", "手机"], ["甲公司", "K1", "甲", "13800000001"]],
        ),
        actor=admin,
    )
    orders = run_import(
        write_csv(tmp_path / "o.csv", [["客户编号", "日期", "金额"], ["K1", "2024-01-01", "1"]]),
        actor=admin,
        kind="orders",
    )
    contacts = run_import(
        write_csv(
            tmp_path / "c.csv",
            [["客户名称", "客户编号", "联系人", "手机"], ["甲公司", "K1", "乙", "13800000002"]],
        ),
        actor=admin,
        mode="update",
    )
    from imports.selectors import import_batch_undo_blockers

    assert list(import_batch_undo_blockers(first).values_list("pk", flat=True)) == [
        orders.pk,
        contacts.pk,
    ]
    assert list(import_batch_undo_blockers(orders)) == []


def test_an_undo_whose_user_may_no_longer_import_changes_nothing(tmp_path, existing):
    manager = UserFactory(username="mgr-undo", role="manager")
    batch = run_import(_customers(tmp_path), actor=manager, owner=manager)
    assert batch.status == Status.DONE, batch.message
    services.import_batch_undo(actor=manager, batch=batch, dispatch=False)
    manager.role = "rep"
    manager.save()
    state = all_rows()
    batch = services.import_batch_undo_run(batch_id=batch.pk)
    assert batch.status == Status.DONE
    assert batch.message == "The user who asked for this undo may no longer undo it."
    assert all_rows() == state


def test_an_updated_account_that_cannot_be_put_back_stops_the_whole_undo(tmp_path, admin, rep):
    # Given an import that updated an account (and deleted nothing yet), then someone gave
    # that account another code and its old code to a new account
    old = AccountFactory(name="Old Co", external_code="K1", industry="old", owner=rep)
    batch = run_import(
        write_csv(
            tmp_path / "k.csv",
            [
                ["客户编号", "客户名称", "行业", "联系人"],
                ["K1", "Old Co", "new", "甲"],
                ["K2", "New Co", "", "乙"],
            ],
        ),
        actor=admin,
        mode="update",
    )
    assert (batch.counts["accounts_update"], batch.counts["accounts_create"]) == (1, 1)
    Account.objects.filter(pk=old.pk).update(external_code="K9")
    AccountFactory(name="Newer Co", external_code="K1", owner=rep)
    state = all_rows()
    # When it is undone
    batch = run_undo(batch, actor=admin)
    # Then nothing is undone (the contacts and the new account it had deleted are back)
    assert batch.status == Status.DONE
    assert batch.message == (
        f"Nothing was undone: account “Old Co” (#{old.pk}) cannot be put back as it was, "
        "because another account now has its customer code “K1”."
    )
    assert all_rows() == state


@pytest.mark.django_db(transaction=True)  # the territory is deleted in its own transaction
def test_an_account_whose_territory_was_deleted_since_stops_the_undo(tmp_path, admin, rep):

    territory = TerritoryFactory(name="Gone", code="G")
    old = AccountFactory(name="Old Co", industry="old", owner=rep, territory=territory)
    batch = run_import(
        write_csv(tmp_path / "t.csv", [["客户名称", "行业"], ["Old Co", "new"], ["Fresh Co", ""]]),
        actor=admin,
        mode="update",
    )
    territory_id = territory.pk
    territory.delete()  # Django nulls the account's territory
    state = all_rows()
    batch = run_undo(batch, actor=admin)
    assert batch.status == Status.DONE
    assert batch.message == (
        f"Nothing was undone: account “Old Co” (#{old.pk}) cannot be put back as it was, "
        f"because its territory (#{territory_id}) no longer exists."
    )
    assert all_rows() == state


# ---- a run whose process died -------------------------------------------------------------


@pytest.fixture
def _stale_after_ten_minutes(settings):
    settings.CRM_IMPORT_STALE_SECONDS = 600


def _left_undoing(batch, *, silent_for):
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=Status.UNDOING,
        phase=undo.PHASE_ACCOUNTS,
        progress=40,
        heartbeat_at=timezone.now() - silent_for,
    )
    batch.refresh_from_db()
    return batch


@pytest.mark.usefixtures("_stale_after_ten_minutes")
def test_an_undo_that_still_beats_is_never_taken_twice(tmp_path, admin, existing):
    batch = _imported(tmp_path, admin)
    services.import_batch_undo(actor=admin, batch=batch, dispatch=False)
    batch = _left_undoing(batch, silent_for=timedelta(seconds=5))
    state = all_rows()
    assert not batch.is_stale and not ImportBatch.objects.stale().exists()
    assert services.import_batch_undo_run(batch_id=batch.pk) is None
    assert 590 <= services.import_batch_undo_seconds_until_free(batch_id=batch.pk) <= 595
    with pytest.raises(ValidationError, match="shown no sign of life for 10 minutes"):
        services.import_batch_undo(actor=admin, batch=batch, dispatch=False)
    assert all_rows() == state
    # Its process died (silent past the stale time): a redelivered task takes it over.
    _left_undoing(batch, silent_for=timedelta(minutes=11))
    assert services.import_batch_undo_seconds_until_free(batch_id=batch.pk) == 0
    assert services.import_batch_undo_run(batch_id=batch.pk).status == Status.UNDONE
    assert services.import_batch_undo_seconds_until_free(batch_id=batch.pk) is None


@pytest.mark.usefixtures("_stale_after_ten_minutes")
def test_the_sweeper_puts_a_dead_undo_back_in_effect_and_it_may_be_asked_again(
    tmp_path, admin, existing
):
    batch = _imported(tmp_path, admin)
    before_undo = all_rows()
    services.import_batch_undo(actor=admin, batch=batch, dispatch=False)
    batch = _left_undoing(batch, silent_for=timedelta(minutes=11))
    assert ImportBatch.objects.stale().get() == batch
    assert services.import_batches_fail_stale() == 1
    batch.refresh_from_db()
    assert (batch.status, batch.phase, batch.undone_by) == (Status.DONE, "", None)
    assert batch.message.startswith("The undo stopped without finishing: its process ended")
    assert batch.message.endswith("Nothing was undone; undo the import again.")
    assert all_rows() == before_undo
    assert services.import_batches_fail_stale() == 0
    assert run_undo(batch, actor=admin).status == Status.UNDONE


@pytest.mark.usefixtures("_stale_after_ten_minutes")
def test_asking_again_for_a_dead_undo_starts_it_anew(tmp_path, admin, existing, client):
    batch = _imported(tmp_path, admin)
    services.import_batch_undo(actor=admin, batch=batch, dispatch=False)
    batch = _left_undoing(batch, silent_for=timedelta(minutes=11))
    client.force_login(admin)
    page = client.get(f"/imports/{batch.pk}/").content.decode()
    assert "This undo has shown no sign of life since" in page
    assert 'id="imp-undo-again"' in page and "Columns and options" not in page
    assert client.get(f"/imports/{batch.pk}/undo/").status_code == 200
    services.import_batch_undo(actor=admin, batch=batch, dispatch=False)
    batch.refresh_from_db()
    assert (batch.status, batch.phase) == (Status.UNDOING, "queued")
    assert services.import_batch_undo_run(batch_id=batch.pk).status == Status.UNDONE


# ---- the API and the pages ----------------------------------------------------------------


def test_the_api_answers_at_once_and_the_batch_shows_the_undo(
    tmp_path, admin, existing, api, settings
):
    settings.CRM_IMPORT_INLINE_MAX_BYTES = 0
    batch = _imported(tmp_path, admin)
    state = all_rows()
    client = api(admin)
    url = f"/api/v1/imports/{batch.pk}/"
    response = client.post(url + "undo/")
    assert response.status_code == 202
    body = response.json()
    assert (body["status"], body["status_display"], body["phase"], body["progress"]) == (
        "undoing",
        "Undoing",
        "queued",
        0,
    )
    assert all_rows() == state  # the worker does it
    again = client.post(url + "undo/")
    assert again.status_code == 400
    assert again.json()["non_field_errors"][0].startswith("This import is being undone")
    services.import_batch_undo_run(batch_id=batch.pk)
    assert client.get(url).json()["status"] == "undone"
    done = client.post(url + "undo/")
    assert (done.status_code, done.json()) == (
        400,
        {"non_field_errors": ["This import has already been undone."]},
    )


def test_the_pages_ask_for_the_undo_and_show_it_running(
    tmp_path, admin, existing, client, settings
):
    settings.CRM_IMPORT_INLINE_MAX_BYTES = 0
    batch = _imported(tmp_path, admin)
    client.force_login(admin)
    confirm = client.get(f"/imports/{batch.pk}/undo/").content.decode()
    assert "A big import is undone in the background" in confirm
    response = client.post(f"/imports/{batch.pk}/undo/")
    assert (response.status_code, response.url) == (302, f"/imports/{batch.pk}/")
    page = client.get(response.url).content.decode()
    assert "The undo has started; this page shows how far it is." in page
    assert "Undoing the import" in page and 'id="imp-progress"' in page
    assert "Waiting for a worker" in page
    assert "Undo this import" not in page
    ImportBatch.objects.filter(pk=batch.pk).update(phase=undo.PHASE_ACCOUNTS, progress=63)
    page = client.get(response.url).content.decode()
    assert "Deleting the accounts it created" in page and 'value="63"' in page
    # A second ask (another tab) is turned back to the page with the reason.
    again = client.post(f"/imports/{batch.pk}/undo/", follow=True).content.decode()
    assert "This import is being undone." in again


def test_a_small_import_is_undone_right_after_the_request(
    tmp_path, admin, existing, client, django_capture_on_commit_callbacks
):
    before = all_rows()
    batch = _imported(tmp_path, admin)
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/imports/{batch.pk}/undo/")
    assert response.status_code == 302
    assert ImportBatch.objects.get(pk=batch.pk).status == Status.UNDONE
    assert all_rows() == before


# ---- two at once --------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_undos_asked_at_once_one_is_taken(tmp_path, admin):
    batch = run_import(_customers(tmp_path), actor=admin)
    barrier = threading.Barrier(2)
    accepted, refused = [], []

    def ask():
        try:
            barrier.wait(timeout=30)
            accepted.append(services.import_batch_undo(actor=admin, batch=batch, dispatch=False))
        except ValidationError as exc:
            refused.append(exc.messages)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(accepted) == 1 and len(refused) == 1
    assert refused[0][0].startswith("This import is being undone")
    assert services.import_batch_undo_run(batch_id=batch.pk).status == Status.UNDONE
    assert not Account.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_an_undo_waits_for_an_import_that_runs_and_is_refused_if_it_changed_its_rows(
    tmp_path, admin
):
    # Given an import, and its undo asked for
    first = run_import(_customers(tmp_path), actor=admin)
    services.import_batch_undo(actor=admin, batch=first, dispatch=False)
    # While another import runs (it holds the import locks until it commits) …
    holding, release = threading.Event(), threading.Event()
    failures = []

    def another_import():
        try:
            with transaction.atomic():
                Staging().lock("accounts")
                holding.set()
                release.wait(timeout=60)
                rows = [["客户编号", "客户名称", "行业"], ["N1", "全新公司", "改"]]
                later = run_import(write_csv(tmp_path / "b.csv", rows), actor=admin, mode="update")
                assert later.status == Status.DONE
        except Exception as exc:  # reported by the main thread
            failures.append(exc)
        finally:
            connections.close_all()

    results = []

    def the_undo():
        try:
            results.append(services.import_batch_undo_run(batch_id=first.pk))
        finally:
            connections.close_all()

    importer = threading.Thread(target=another_import)
    importer.start()
    assert holding.wait(timeout=30)
    undoer = threading.Thread(target=the_undo)
    undoer.start()
    # … the undo waits for it, and says so
    deadline = time.monotonic() + 30
    while ImportBatch.objects.get(pk=first.pk).phase != undo.PHASE_WAITING:
        assert time.monotonic() < deadline, "the undo did not start waiting"
        time.sleep(0.05)
    time.sleep(0.5)
    assert undoer.is_alive()
    contacts = sorted(Contact.objects.filter(import_batch=first).values_list("pk", flat=True))
    # When that import commits a change to a row of the first one
    release.set()
    importer.join(timeout=120)
    undoer.join(timeout=120)
    assert failures == []
    # Then the undo finds it under the locks and undoes nothing
    later = ImportBatch.objects.exclude(pk=first.pk).get()
    batch = results[0]
    assert (batch.status, batch.message) == (
        Status.DONE,
        f"Later imports changed these records; undo them first: #{later.pk}",
    )
    assert Account.objects.get(external_code="N1").industry == "改"
    assert Account.objects.filter(import_batch=first).count() == 3
    assert sorted(Contact.objects.filter(import_batch=first).values_list("pk", flat=True)) == (
        contacts
    )


def test_rows_that_may_not_be_deleted_stop_the_undo(tmp_path, admin, rep, monkeypatch):
    # Given a relation that protects accounts (as a PROTECT foreign key would; none does
    # today, so the planner is given one) and such a row on an account the import created
    batch = run_import(_customers(tmp_path), actor=admin)
    TouchFactory(account=Account.objects.get(external_code="N1"), type="card", date=TODAY)
    planned = undo.delete_statements

    def protected(model):
        statements = planned(model)
        if model is Account:
            sql = "SELECT 1 FROM visits_touch WHERE account_id IN ({ids}) LIMIT 1"
            statements.insert(0, undo.Statement("refuse", "visits_touch", sql, Account, Touch))
        return statements

    monkeypatch.setattr(undo, "delete_statements", protected)
    state = all_rows()
    # When it is undone, then nothing is (the contacts deleted before are back) and it says why
    batch = run_undo(batch, actor=admin)
    assert (batch.status, batch.message) == (
        Status.DONE,
        "Nothing was undone: touches that may not be deleted point at accounts of this import.",
    )
    assert all_rows() == state


def test_a_delete_signal_receiver_stops_the_undo_rather_than_being_skipped(tmp_path, admin):
    from django.db.models.signals import pre_delete

    batch = run_import(_customers(tmp_path), actor=admin)
    state = all_rows()

    def receiver(**kwargs):
        raise AssertionError("never called: the undo deletes in SQL")

    pre_delete.connect(receiver, sender=Contact)
    try:
        batch = run_undo(batch, actor=admin)
    finally:
        pre_delete.disconnect(receiver, sender=Contact)
    assert (batch.status, batch.message) == (
        Status.DONE,
        "Nothing was undone: an unexpected error stopped the undo.",
    )
    assert all_rows() == state
