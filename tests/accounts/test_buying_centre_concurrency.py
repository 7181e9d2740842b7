"""Two people editing one buying centre at once, A under B and B under A: each alone is no
cycle, together they would be. The service locks the account's row before reading the chain,
so the second waits for the first, then sees its change and refuses with a clear error."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from accounts.models import Contact
from accounts.services import contact_set_reports_to
from tests.factories import AccountFactory, ContactFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_edits_at_once_cannot_build_a_cycle():
    rep = UserFactory(username="twoedits")
    account = AccountFactory(owner=rep)
    a = ContactFactory(account=account, name="A")
    b = ContactFactory(account=account, name="B")
    barrier = threading.Barrier(2)
    done, refused, errors = [], [], []

    def move(contact_pk: int, boss_pk: int) -> None:
        try:
            contact = Contact.objects.get(pk=contact_pk)
            boss = Contact.objects.get(pk=boss_pk)
            with transaction.atomic():
                barrier.wait(timeout=10)
                contact_set_reports_to(actor=rep, contact=contact, reports_to=boss)
            done.append(contact_pk)
        except ValidationError as exc:
            refused.append(exc)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=move, args=(a.pk, b.pk)),
        threading.Thread(target=move, args=(b.pk, a.pk)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    assert len(done) == 1 and len(refused) == 1
    assert list(refused[0].error_dict) == ["reports_to"]
    chain = dict(Contact.objects.filter(account=account).values_list("pk", "reports_to_id"))
    winner = done[0]
    other = b.pk if winner == a.pk else a.pk
    assert chain == {winner: other, other: None}
