"""PendingTask and AuditEntry moved from crm to core with SeparateDatabaseAndState: migrating a
database that holds rows in their tables from before the move keeps every row, the tables
themselves (no DDL), and the content types (so permissions granted on them)."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from core.models import AuditEntry, PendingTask
from crm.models import User

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE_MOVE = [("crm", "0002_user_session_generation")]
TABLES = ["crm_pendingtask", "crm_auditentry"]


def _table_oids() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::regclass::oid, %s::regclass::oid", TABLES)
        return list(cursor.fetchone())


def _migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


@pytest.fixture
def leaves():
    """The fully migrated state; the database is brought back to it even if the test fails."""
    nodes = MigrationExecutor(connection).loader.graph.leaf_nodes()
    yield nodes
    _migrate(nodes)


def test_rows_written_before_the_move_are_read_by_core_after_it(leaves):
    # given: a user holding the permission to view the audit trail, on a database migrated
    # back to before the move, where the old code wrote an outbox row and an audit entry
    auditor = User.objects.create_user("auditor")
    view_audit = Permission.objects.get(content_type__app_label="core", codename="view_auditentry")
    auditor.user_permissions.add(view_audit)
    oids = _table_oids()
    executor = _migrate(BEFORE_MOVE)
    old_apps = executor.loader.project_state(BEFORE_MOVE).apps
    assert {m._meta.label for m in old_apps.get_models()} >= {"crm.PendingTask", "crm.AuditEntry"}
    assert ContentType.objects.filter(app_label="crm", model="auditentry").exists()
    old_pending = old_apps.get_model("crm", "PendingTask").objects.create(
        task_name="visits.tasks.send_reminders_task", args=[7], kwargs={"force": True}
    )
    old_entry = old_apps.get_model("crm", "AuditEntry").objects.create(
        actor_id=auditor.pk,
        action="update",
        model="accounts.Account",
        object_id="42",
        account_id=42,
        changes={"name": ["Old", "New"]},
    )

    # when: the database is migrated forward again
    _migrate(leaves)

    # then: core reads the same rows from the same tables, and the permission still applies
    assert _table_oids() == oids
    assert list(PendingTask.objects.values_list("pk", "task_name", "args", "kwargs")) == [
        (old_pending.pk, "visits.tasks.send_reminders_task", [7], {"force": True})
    ]
    entry = AuditEntry.objects.get()
    assert (entry.pk, entry.actor, entry.action, entry.model, entry.account_id) == (
        old_entry.pk,
        auditor,
        "update",
        "accounts.Account",
        42,
    )
    assert entry.changes == {"name": ["Old", "New"]}
    assert not ContentType.objects.filter(app_label="crm", model__in=["auditentry", "pendingtask"])
    assert ContentType.objects.get(app_label="core", model="auditentry").pk == (
        view_audit.content_type_id
    )
    auditor = User.objects.get(pk=auditor.pk)  # a fresh permission cache
    assert auditor.has_perm("core.view_auditentry")


def test_the_move_changes_django_state_only():
    executor = MigrationExecutor(connection)
    for app_label, name in [
        ("crm", "0003_move_outbox_and_audit_to_core"),
        ("core", "0001_initial"),
    ]:
        migration = executor.loader.get_migration(app_label, name)
        with connection.schema_editor(collect_sql=True, atomic=False) as editor:
            state = executor.loader.project_state((app_label, name), at_end=False)
            migration.apply(state, editor, collect_sql=True)
        assert [sql for sql in editor.collected_sql if not sql.startswith("--")] == []
