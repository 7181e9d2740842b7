"""manage.py import_customers / import_orders: summary, dry run, exit codes."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from accounts.models import Account, Order
from config.settings.base import database_url_for
from tests.imports.conftest import customer_rows, data_rows_only, write_csv, write_zip_bomb

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_import_customers_prints_a_summary(tmp_path, admin):
    path = write_csv(tmp_path / "c.csv", customer_rows(), encoding="gbk")
    out = io.StringIO()
    call_command("import_customers", str(path), "--owner", admin.username, "--json", stdout=out)
    summary = json.loads(out.getvalue())
    assert summary["status"] == "done"
    assert summary["counts"]["accounts_create"] == 3
    assert Account.objects.count() == 3


@pytest.mark.django_db
def test_dry_run_with_errors_exits_non_zero_and_writes_nothing(tmp_path, admin):
    rows = customer_rows()
    rows[1][5] = "bad"
    path = write_csv(tmp_path / "c.csv", rows)
    out = io.StringIO()
    with pytest.raises(CommandError) as info:
        call_command("import_customers", str(path), "--dry-run", stdout=out)
    assert info.value.returncode == 2
    assert "row 2, 邮箱: Not a valid email address. 'bad'" in out.getvalue()
    assert not Account.objects.exists()


@pytest.mark.django_db
def test_import_orders_with_missing_accounts_and_a_saved_mapping_file(tmp_path, admin):
    mapping = tmp_path / "m.json"
    mapping.write_text(json.dumps({"Kunde": "account_name", "Tag": "date", "Summe": "amount"}))
    path = write_csv(
        tmp_path / "o.csv", [["Kunde", "Tag", "Summe"], ["Neu GmbH", "2024-01-02", "7"]]
    )
    call_command(
        "import_orders",
        str(path),
        "--mapping",
        str(mapping),
        "--create-missing-accounts",
        stdout=io.StringIO(),
    )
    order = Order.objects.get()
    assert (order.account.name, str(order.amount)) == ("Neu GmbH", "7.00")


@pytest.mark.django_db(transaction=True)
def test_rejected_file_exits_non_zero_in_a_real_process(tmp_path, admin):
    path = write_zip_bomb(tmp_path / "bomb.xlsx")
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url_for(db),
        "CRM_MEDIA_ROOT": str(tmp_path / "media"),
    }
    before = data_rows_only()
    result = subprocess.run(
        [sys.executable, "manage.py", "import_customers", str(path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert "File rejected, nothing written" in result.stderr
    assert data_rows_only() == before


@pytest.mark.django_db
def test_import_customers_owner_is_a_rep_or_the_importer_with_a_note(tmp_path, admin):
    from tests.factories import UserFactory

    rep = UserFactory(username="cli-rep", role="rep")
    path = write_csv(tmp_path / "c.csv", customer_rows(), encoding="gbk")
    out, err = io.StringIO(), io.StringIO()
    call_command("import_customers", str(path), "--owner", "cli-rep", stdout=out, stderr=err)
    assert err.getvalue() == ""
    assert set(Account.objects.values_list("owner", flat=True)) == {rep.pk}
    path = write_csv(tmp_path / "d.csv", [["客户名称"], ["命令行公司"]])
    call_command("import_customers", str(path), "--user", admin.username, stdout=out, stderr=err)
    assert err.getvalue() == (
        "Note: no --owner given: the new accounts will be owned by importer, who is not a "
        "sales rep. Give --owner USERNAME to choose the rep.\n"
    )
    assert Account.objects.get(name="命令行公司").owner == admin
    with pytest.raises(CommandError) as info:
        call_command("import_customers", str(path), "--owner", "nobody", stdout=out)
    assert info.value.returncode == 1
