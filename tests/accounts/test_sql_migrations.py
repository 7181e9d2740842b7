"""The accounts migrations written in SQL (trigram index, order generation trigger, covering
index) are plain RunSQL: they run on every database the project supports, forwards and
backwards."""

import pytest
from django.db import connection, migrations, transaction
from django.db.migrations.loader import MigrationLoader

pytestmark = pytest.mark.django_db

SQL_MIGRATIONS = [
    "0003_trigram_search",
    "0005_order_generation_trigger",
    "0006_account_owner_tier_index",
    "0008_fewer_index_entries_per_write",
]


def _objects() -> dict[str, bool]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT to_regclass('account_normalized_name_trgm') IS NOT NULL, "
            "to_regclass('account_name_trgm') IS NOT NULL, "
            "to_regclass('account_owner_tier') IS NOT NULL, "
            "to_regclass('accounts_order_generation') IS NOT NULL, "
            "EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'accounts_order_generation_bump')"
        )
        names = ["normalized_trgm", "name_trgm", "owner_tier", "generation", "trigger"]
        return dict(zip(names, cursor.fetchone(), strict=True))


def _run_sql(operation: migrations.RunSQL, *, backwards: bool) -> None:
    statements = operation.reverse_sql if backwards else operation.sql
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def test_the_migrated_database_has_every_object_the_sql_migrations_make():
    assert _objects() == {
        "normalized_trgm": True,
        "name_trgm": False,  # made by 0003, dropped by 0008
        "owner_tier": True,
        "generation": True,
        "trigger": True,
    }


def test_the_sql_migrations_are_plain_run_sql_and_undo_and_redo_cleanly():
    loader = MigrationLoader(connection)
    operations = []
    for name in SQL_MIGRATIONS:
        migration = loader.get_migration("accounts", name)
        sql_ops = [op for op in migration.operations if isinstance(op, migrations.RunSQL)]
        assert sql_ops, name
        assert all(type(op) is migrations.RunSQL for op in sql_ops), name
        operations += sql_ops
    before = _objects()
    with transaction.atomic():
        for operation in reversed(operations):
            _run_sql(operation, backwards=True)
        assert _objects() == {
            "normalized_trgm": False,
            "name_trgm": False,
            "owner_tier": False,
            "generation": False,
            "trigger": False,
        }
        for operation in operations:
            _run_sql(operation, backwards=False)
        assert _objects() == before
        transaction.set_rollback(True)
    assert _objects() == before
