"""Payments through the import pipeline: `manage.py import_payments FILE [--dry-run]`, row
errors naming row and column, the running balance across rows, undo restoring every balance."""

import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from imports.models import ImportBatch
from receivables.models import Payment, PaymentAllocation
from receivables.selectors import entries_with_balance
from tests.imports.conftest import run_import, run_undo, write_csv, write_xlsx

D = Decimal
HEADER = ["合同编号", "回款日期", "回款金额", "期次", "流水号", "预收款"]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _outstanding(contract):
    return [e.outstanding for e in entries_with_balance(contract.entries.order_by("position"))]


def test_import_payments_allocates_and_undo_restores_every_balance(tmp_path, contract, org):
    path = write_csv(
        tmp_path / "pay.csv",
        [
            HEADER,
            ["CT-1", "2026-04-01", "500.00", "", "B-1", ""],
            ["ct-1", "2026-04-02", "50", "3", "B-2", "否"],
        ],
    )
    batch = run_import(path, actor=org["admin"], kind="payments")
    assert batch.status == ImportBatch.Status.DONE, batch.message
    assert _outstanding(contract) == [D("0.00"), D("400.00"), D("50.00")]
    assert Payment.objects.filter(import_batch=batch).count() == 2
    undone = run_undo(batch, actor=org["admin"])
    assert undone.status == ImportBatch.Status.UNDONE, undone.message
    assert _outstanding(contract) == [D("300.00"), D("600.00"), D("100.00")]
    assert not Payment.objects.exists() and not PaymentAllocation.objects.exists()


def test_a_payment_matching_no_contract_or_entry_is_a_row_error(tmp_path, contract, org):
    path = write_csv(
        tmp_path / "pay.csv",
        [
            HEADER,
            ["CT-404", "2026-04-01", "10", "", "", ""],
            ["CT-1", "2026-04-01", "10", "9", "", ""],
            ["CT-1", "2026-04-01", "600", "", "", ""],
            ["CT-1", "2026-04-01", "500", "", "", ""],  # 400 left after the row above: too much
        ],
    )
    out = io.StringIO()
    with pytest.raises(CommandError) as info:
        call_command("import_payments", str(path), "--dry-run", stdout=out, stderr=io.StringIO())
    assert info.value.returncode == 2
    text = out.getvalue()
    assert "row 2, 合同编号: No contract you can see has this number. 'CT-404'" in text
    assert "row 3, 期次: The contract's plan has no entry with this number. '9'" in text
    assert "row 5, 回款金额: Larger than what the contract still owes" in text
    assert "row 4" not in text
    with pytest.raises(CommandError):
        call_command("import_payments", str(path), stdout=out, stderr=io.StringIO())
    assert not Payment.objects.exists()


def test_an_advance_may_exceed_and_a_rep_sees_no_foreign_contract(tmp_path, contract, org):
    path = write_xlsx(
        tmp_path / "pay.xlsx",
        {"回款": [HEADER, ["CT-1", "2026-04-01", "1200", "", "", "是"]]},
    )
    batch = run_import(path, actor=org["m2"], kind="payments", dry_run=True)
    assert batch.counts.get("payments_create", 0) == 0
    batch = run_import(path, actor=org["m1"], kind="payments")
    assert batch.status == ImportBatch.Status.DONE, batch.message
    payment = Payment.objects.get()
    assert (payment.amount, payment.is_advance) == (D("1200.00"), True)
    assert _outstanding(contract) == [D("0.00")] * 3
