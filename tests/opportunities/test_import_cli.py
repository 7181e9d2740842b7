"""manage.py import_opportunities and import_targets: summary, dry run, mapping, exit codes
(0 done, 1 refused before any row is read, 2 rows with errors: nothing written)."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from crm.models import User
from imports.models import ImportMapping
from opportunities.models import Opportunity, Target
from tests.factories import AccountFactory, UserFactory
from tests.imports.conftest import write_csv

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def admin(db):
    return UserFactory(username="importer", role=User.Role.ADMIN)


@pytest.fixture
def rep(db):
    return UserFactory(username="cli-rep")


def _deals(tmp_path, *rows):
    header = ["Opportunity Name", "Account Name", "Amount", "Close Date", "Stage"]
    return write_csv(tmp_path / "deals.csv", [header, *rows])


def test_import_opportunities_prints_a_summary_and_exits_zero(tmp_path, admin, rep):
    AccountFactory(name="Acme", owner=rep)
    path = _deals(tmp_path, ["A", "Acme", "1,000", "2026-03-01", "Won"])
    out = io.StringIO()
    call_command("import_opportunities", str(path), "--owner", "cli-rep", stdout=out)
    text = out.getvalue()
    assert "Done" in text and "opportunities create: 1" in text
    deal = Opportunity.objects.get()
    assert (deal.owner, str(deal.amount)) == (rep, "1000.00")


def test_a_dry_run_with_errors_exits_2_names_row_and_column_and_writes_nothing(
    tmp_path, admin, rep
):
    AccountFactory(name="Acme", owner=rep)
    path = _deals(
        tmp_path, ["A", "Acme", "1", "2026-03-01", "Won"], ["B", "Acme", "1", "2026-03-01", "Maybe"]
    )
    out = io.StringIO()
    with pytest.raises(CommandError) as info:
        call_command(
            "import_opportunities", str(path), "--dry-run", stdout=out, stderr=io.StringIO()
        )
    assert info.value.returncode == 2
    assert "row 3, Stage: No stage has this name or code. 'Maybe'" in out.getvalue()
    assert not Opportunity.objects.exists()
    with pytest.raises(CommandError) as info:
        call_command("import_opportunities", str(path), stdout=out, stderr=io.StringIO())
    assert info.value.returncode == 2
    assert not Opportunity.objects.exists()


def test_mapping_by_saved_name_or_json_file_and_an_unknown_one_exits_1(tmp_path, admin, rep):
    AccountFactory(name="Acme", owner=rep)
    path = write_csv(
        tmp_path / "odd.csv",
        [["Titel", "Kunde", "Termin", "Phase"], ["Big one", "Acme", "2026-03-01", "Won"]],
    )
    ImportMapping.objects.create(
        name="odd",
        kind="opportunities",
        mapping={
            "Titel": "name",
            "Kunde": "account_name",
            "Termin": "close_date",
            "Phase": "stage",
        },
        created_by=admin,
    )
    out = io.StringIO()
    call_command("import_opportunities", str(path), "--mapping", "odd", "--json", stdout=out)
    assert json.loads(out.getvalue())["counts"]["opportunities_create"] == 1
    mapping = tmp_path / "m.json"
    mapping.write_text(
        json.dumps(
            {"Titel": "name", "Kunde": "account_name", "Termin": "close_date", "Phase": "stage"}
        )
    )
    call_command(
        "import_opportunities", str(path), "--mapping", str(mapping), "--dry-run", stdout=out
    )
    with pytest.raises(CommandError) as info:
        call_command("import_opportunities", str(path), "--mapping", "nope", stdout=out)
    assert info.value.returncode == 1
    # Without --mapping, the same columns get the mapping last used for them.
    call_command("import_opportunities", str(path), "--dry-run", stdout=out)
    # Columns that map to nothing: refused before a row is read, exit 1.
    other = write_csv(tmp_path / "other.csv", [["Foo", "Bar"], ["x", "y"]])
    with pytest.raises(CommandError) as info:
        call_command("import_opportunities", str(other), stdout=out)
    assert info.value.returncode == 1
    assert Opportunity.objects.count() == 1


def test_import_targets(tmp_path, admin, rep):
    path = write_csv(
        tmp_path / "t.csv",
        [["销售代表", "期间", "指标", "目标值"], ["cli-rep", "2026-Q2", "拜访", "90"]],
        encoding="gbk",
    )
    out = io.StringIO()
    call_command("import_targets", str(path), stdout=out, stderr=io.StringIO())
    assert "targets create: 1" in out.getvalue()
    target = Target.objects.get()
    assert (target.user, target.period, target.measure, target.value) == (
        rep,
        "quarter",
        "visits",
        90,
    )
    with pytest.raises(CommandError) as info:
        call_command("import_targets", str(path), "--mode", "create", stdout=out)
    assert info.value.returncode == 2
