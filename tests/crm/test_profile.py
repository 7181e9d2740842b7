"""The profile page saves through `crm.services.user_profile_update`, into the audit trail."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.models import AuditEntry
from crm.models import User
from crm.services import user_profile_update
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rep():
    return UserFactory(username="li", first_name="Li", last_name="Na", email="li@example.com")


def _state(user) -> tuple:
    user = User.objects.get(pk=user.pk)
    return (user.first_name, user.last_name, user.email, user.language, user.role)


def test_a_profile_change_is_saved_and_audited(rep):
    user = user_profile_update(
        actor=rep,
        data={"first_name": "Lina", "last_name": "Na", "email": "lina@example.com", "language": ""},
    )

    assert _state(user) == ("Lina", "Na", "lina@example.com", "", "rep")
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action, entry.model, entry.object_id) == (
        rep,
        "update",
        "crm.User",
        str(rep.pk),
    )
    # The email is personal: the trail says it changed, never what it was or became.
    assert entry.changes == {"first_name": ["Li", "Lina"], "email": ["***", "***"]}


def test_saving_an_unchanged_profile_writes_no_audit_entry(rep):
    user_profile_update(actor=rep, data={"first_name": "Li", "last_name": "Na"})
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"first_name": "Lina", "language": "xx"}, "language"),
        ({"first_name": "Lina", "email": "not an email"}, "email"),
        ({"first_name": "Lina", "role": "admin"}, "role"),
    ],
)
def test_a_refused_value_writes_nothing(rep, data, field):
    before = _state(rep)

    with pytest.raises(ValidationError) as refused:
        user_profile_update(actor=rep, data=data)

    assert field in refused.value.message_dict
    assert _state(rep) == before
    assert not AuditEntry.objects.exists()


def test_the_profile_page_saves_through_the_service(client, rep):
    client.force_login(rep)
    response = client.post(
        reverse("profile"),
        {"first_name": "Lina", "last_name": "Na", "email": "li@example.com", "language": ""},
    )

    assert response.status_code == 302 and response["Location"] == reverse("profile")
    assert _state(rep) == ("Lina", "Na", "li@example.com", "", "rep")
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.model, entry.changes) == (
        rep,
        "crm.User",
        {"first_name": ["Li", "Lina"]},
    )


def test_the_profile_page_refuses_a_bad_value_and_writes_nothing(client, rep):
    client.force_login(rep)
    before = _state(rep)

    response = client.post(
        reverse("profile"),
        {"first_name": "Lina", "last_name": "Na", "email": "not an email", "language": ""},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["email"] == ["Enter a valid email address."]
    assert _state(rep) == before
    assert not AuditEntry.objects.exists()
