"""Two requests turning the same visit's next step into a commitment at once: the database's
unique constraint lets one insert, the other gets that same commitment (no check-then-create)."""

import datetime as dt
import threading

import pytest
from django.db import connection, transaction

from commitments.models import Commitment
from commitments.services import commitment_from_visit
from tests.factories import AccountFactory, UserFactory, VisitFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_at_once_make_one():
    rep = UserFactory(username="twice")
    visit = VisitFactory(account=AccountFactory(owner=rep), logged_by=rep, next_step="Send samples")
    barrier = threading.Barrier(2)
    got, errors = [], []

    def make():
        try:
            with transaction.atomic():
                barrier.wait(timeout=10)
                got.append(
                    commitment_from_visit(actor=rep, visit=visit, due_date=dt.date(2030, 1, 2)).pk
                )
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=make) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    (only,) = Commitment.objects.values_list("pk", flat=True)
    assert got == [only, only]
