"""Fixtures of the prospects tests: fill a worksheet, put an account in the pipeline."""

import pytest

from core.models import AuditEntry
from prospects.models import CRITERION_FIELDS, Prospect, Worksheet
from prospects.services import prospect_create, worksheet_create


def scores_of(*values: int) -> dict[str, int]:
    return dict(zip(CRITERION_FIELDS, values, strict=True))


@pytest.fixture
def fill():
    def make(account, *values, actor=None, notes=None):
        values = values or (1, 1, 1, 0, 0, 0, 0)
        return worksheet_create(
            actor=actor or account.owner, account=account, scores=scores_of(*values), notes=notes
        )

    return make


@pytest.fixture
def make_prospect():
    def make(account, *, actor=None, **data):
        return prospect_create(actor=actor or account.owner, account=account, data=data)

    return make


@pytest.fixture
def db_state():
    """A snapshot of everything this app writes, to assert that a failed write left no trace."""

    def take():
        return {
            "worksheets": list(
                Worksheet.objects.order_by("id").values_list("id", "total", "is_current")
            ),
            "prospects": list(
                Prospect.objects.order_by("id").values_list(
                    "id", "colour", "sub_stage_id", "decision", "decision_reason", "won_at"
                )
            ),
            "audit": AuditEntry.objects.count(),
        }

    return take
