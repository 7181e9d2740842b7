"""core.audit.audit_created: the one way services record that they created a row."""

import pytest

from core.audit import MASK, audit_created
from core.models import AuditEntry
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def test_each_field_goes_from_nothing_to_its_value_personal_ones_masked(org):
    contact = ContactFactory(
        account=org["accounts"]["r1"], name="Zhang San", phone="13800000000", title="Buyer"
    )
    entry = audit_created(
        actor=org["r1"],
        instance=contact,
        fields=["name", "phone", "title"],
        account_id=contact.account_id,
        also={"tags": "a,b"},
        extra={"source": "card"},
    )
    entry = AuditEntry.objects.get(pk=entry.pk)
    assert (entry.action, entry.model, entry.object_id, entry.account_id) == (
        "create",
        "accounts.Contact",
        str(contact.pk),
        contact.account_id,
    )
    assert entry.actor == org["r1"]
    assert entry.changes == {
        "name": [None, "Zhang San"],
        "phone": [MASK, MASK],
        "title": [None, "Buyer"],
        "tags": [None, "a,b"],
        "_extra": {"source": "card"},
    }


def test_every_service_create_uses_it(org):
    """No service spells the create entry out by hand any more."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    paths = [
        "accounts/services.py",
        "visits/services/records.py",
        "commitments/services.py",
        "playbook/services.py",
        "prospects/services.py",
    ]
    by_hand = [p for p in paths if "diff_fields({}, " in (root / p).read_text()]
    assert by_hand == []
