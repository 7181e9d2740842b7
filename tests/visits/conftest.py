"""Fixtures of the visits tests: factories for visits, plans, touches; a snapshot helper."""

import pytest

from core.models import AuditEntry
from tests.factories import (
    AccountFactory,
    ContactFactory,
    TouchFactory,
    VisitFactory,
    VisitPlanFactory,
)
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


@pytest.fixture(autouse=True)
def _defaults(request):
    """The built-in checklist and occasions (a transactional test elsewhere may have flushed
    what the data migration wrote)."""
    uses_db = request.node.get_closest_marker("django_db") or {
        "db",
        "transactional_db",
        "live_server",
    } & set(request.fixturenames)
    if uses_db:
        request.getfixturevalue("db")
        from visits.defaults import seed_defaults

        seed_defaults()


@pytest.fixture
def visit_factory(db):
    return VisitFactory


@pytest.fixture
def plan_factory(db):
    return VisitPlanFactory


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


MODELS = [
    Visit,
    Visit.contacts.through,
    VisitPlan,
    Touch,
    Reminder,
    ChecklistTick,
    DigestEmail,
    Occasion,
    AuditEntry,
]


@pytest.fixture
def db_state(db):
    """A callable returning every row of our tables (and the audit trail), to assert that a
    failed write changed nothing."""

    def state():
        return {
            m.__name__: sorted(map(str, m.objects.values_list().order_by("pk"))) for m in MODELS
        }

    return state


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Handler:
    """aiosmtpd handler that keeps what it receives; `gate` (an Event) holds DATA until set,
    `refuse` makes the next n messages fail with a temporary error."""

    def __init__(self):
        import threading

        self.messages = []
        self.gate = threading.Event()
        self.gate.set()
        self.entered = threading.Event()
        self.refuse = 0
        self.mail_gate = threading.Event()  # holds MAIL FROM until set
        self.mail_gate.set()
        self.in_mail = threading.Event()

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        import asyncio

        self.in_mail.set()
        while not self.mail_gate.is_set():
            await asyncio.sleep(0.02)
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        self.entered.set()
        while not self.gate.is_set():
            await asyncio.sleep(0.02)
        if self.refuse:
            self.refuse -= 1
            return "451 Try again later"
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    """A real SMTP server on loopback (aiosmtpd), in a thread of the test process."""
    from types import SimpleNamespace

    from aiosmtpd.controller import Controller

    handler = _Handler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield SimpleNamespace(host="127.0.0.1", port=port, handler=handler, messages=handler.messages)
    handler.gate.set()
    handler.mail_gate.set()
    controller.stop()


@pytest.fixture
def smtp_settings(settings, smtp_server):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = smtp_server.host
    settings.EMAIL_PORT = smtp_server.port
    settings.EMAIL_TIMEOUT = 10
    return smtp_server
