"""Fixtures of the visits tests: factories for visits, plans, touches; a snapshot helper."""

import datetime as dt

import factory
import pytest

from crm.models import AuditEntry
from tests.factories import AccountFactory, ContactFactory
from visits.models import (
    ChecklistTick,
    DigestEmail,
    Occasion,
    Reminder,
    Touch,
    Visit,
    VisitPlan,
    VisitSettings,
)


class VisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Visit

    account = factory.SubFactory(AccountFactory)
    visit_date = dt.date(2026, 1, 5)
    duration_minutes = 60


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VisitPlan

    account = factory.SubFactory(AccountFactory)
    planned_date = dt.date(2026, 1, 5)


class TouchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Touch

    account = factory.SubFactory(AccountFactory)
    type = "card"
    date = dt.date(2026, 1, 5)


@pytest.fixture
def visit_factory(db):
    return VisitFactory


@pytest.fixture
def plan_factory(db):
    return PlanFactory


@pytest.fixture
def touch_factory(db):
    return TouchFactory


@pytest.fixture
def account_factory(db):
    return AccountFactory


@pytest.fixture
def contact_factory(db):
    return ContactFactory


@pytest.fixture
def visit_settings(db):
    return VisitSettings.load()


@pytest.fixture
def quiet_occasions(db):
    """Switch the seeded occasions off, so a test sees only what it sets up."""
    Occasion.objects.update(active=False)
    return Occasion.objects.all()


MODELS = [Visit, Visit.contacts.through, VisitPlan, Touch, Reminder, ChecklistTick, DigestEmail, Occasion, AuditEntry]


@pytest.fixture
def db_state(db):
    """A callable returning every row of our tables (and the audit trail), to assert that a
    failed write changed nothing."""

    def state():
        return {
            m.__name__: sorted(map(str, m.objects.values_list().order_by("pk"))) for m in MODELS
        }

    return state
