"""prospects 0002 moves the pipeline minimum from the one ProspectSettings row (read as each
rep's) to every existing team (crm.Team.pipeline_minimum): migrating a database that holds
teams and the old setting carries the admin's value over; back again, the setting takes it."""

from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from crm.models import Team
from prospects.models import ProspectSettings

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("crm", "0003_move_outbox_and_audit_to_core"), ("prospects", "0001_initial")]


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


def test_the_old_minimum_goes_to_every_existing_team_and_back(leaves):
    # given: a database from before, with three teams and an admin's minimum of 30
    old_apps = _migrate(BEFORE).loader.project_state(BEFORE).apps
    OldTeam = old_apps.get_model("crm", "Team")
    OldSettings = old_apps.get_model("prospects", "ProspectSettings")
    assert "pipeline_minimum" not in {f.name for f in OldTeam._meta.get_fields()}
    for name in ("North", "South", "West"):
        OldTeam.objects.create(name=name)
    OldSettings.objects.create(pk=1, pipeline_minimum=30)

    # when: migrated forward
    _migrate(leaves)

    # then: every team has the old value, a new team the default, and a rep's ratio its default
    assert list(Team.objects.order_by("name").values_list("name", "pipeline_minimum")) == [
        ("North", 30),
        ("South", 30),
        ("West", 30),
    ]
    assert Team.objects.create(name="New").pipeline_minimum == 25
    settings = ProspectSettings.objects.get(pk=1)
    assert (settings.rep_prospect_ratio, settings.industry_ratios) == (Decimal("0.100"), {})

    # and back: the one setting takes the minimum most teams have
    Team.objects.filter(name="New").update(pipeline_minimum=40)
    executor = _migrate(BEFORE)
    old_apps = executor.loader.project_state(BEFORE).apps
    assert old_apps.get_model("prospects", "ProspectSettings").objects.get().pipeline_minimum == 30


def test_without_a_setting_the_teams_keep_the_default(leaves):
    old_apps = _migrate(BEFORE).loader.project_state(BEFORE).apps
    old_apps.get_model("crm", "Team").objects.create(name="North")
    assert not old_apps.get_model("prospects", "ProspectSettings").objects.exists()
    _migrate(leaves)
    assert Team.objects.get().pipeline_minimum == 25
