"""An import's undo puts back the accounts it updated, but not their last visit date: that
is no column of the import's, and a visit logged since the import stays the last visit."""

import datetime

import pytest

from accounts.models import Account
from imports.models import ImportBatch
from tests.factories import AccountFactory, UserFactory
from tests.imports.conftest import run_import, run_undo, write_csv
from visits.services import visit_create

pytestmark = pytest.mark.django_db


def test_undo_keeps_the_last_visit_logged_since_the_import(tmp_path, admin):
    rep = UserFactory(username="rep-last-visit")
    account = AccountFactory(name="上海华信机械有限公司", industry="旧行业", owner=rep)
    visit_create(actor=rep, data={"account": account, "visit_date": datetime.date(2026, 11, 2)})
    path = write_csv(
        tmp_path / "u.csv",
        [["客户名称", "行业"], ["上海华信机械有限公司", "制造业"], ["全新公司", "软件"]],
    )
    batch = run_import(path, actor=admin, mode="update")
    assert batch.status == ImportBatch.Status.DONE, batch.message
    # Logged after the import: the account's last visit moves on.
    visit_create(actor=rep, data={"account": account, "visit_date": datetime.date(2026, 11, 30)})
    undone = run_undo(batch, actor=admin)
    assert undone.status == ImportBatch.Status.UNDONE, undone.message
    account.refresh_from_db()
    # The import's change is put back; the last visit is the one logged since.
    assert account.industry == "旧行业"
    assert account.last_visit_date == datetime.date(2026, 11, 30)
    assert not Account.objects.filter(name="全新公司").exists()
