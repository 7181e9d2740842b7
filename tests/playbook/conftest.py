"""Fixtures of the playbook tests: the built-in talk tracks and outline (a transactional test
elsewhere may have flushed what the data migration wrote)."""

import pytest


@pytest.fixture(autouse=True)
def _defaults(request):
    uses_db = request.node.get_closest_marker("django_db") or {
        "db",
        "transactional_db",
        "live_server",
    } & set(request.fixturenames)
    if uses_db:
        request.getfixturevalue("db")
        from playbook.defaults import seed_defaults

        seed_defaults()
