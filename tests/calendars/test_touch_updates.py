"""Touches have `updated_at` (visits 0005): the feed's DTSTAMP and SEQUENCE of a touch follow
it, as they follow a plan's and a commitment's; the migration fills it in from created_at."""

import datetime

import pytest
import vobject
from django.core.exceptions import ValidationError
from django.db import connection, migrations
from django.db.migrations.loader import MigrationLoader
from django.urls import reverse
from django.utils import timezone

from calendars.services import calendar_feed_ensure
from tests.factories import AccountFactory, TouchFactory, UserFactory
from visits.models import Touch
from visits.services import touch_update

pytestmark = pytest.mark.django_db


def _touch_event(client, rep, touch):
    feed = calendar_feed_ensure(actor=rep, user=rep)
    response = client.get(reverse("calendars:feed", args=[feed.token]))
    assert response.status_code == 200
    cal = vobject.readOne(response.content.decode("utf-8"))
    events = {str(e.uid.value): e for e in cal.vevent_list}
    return events[f"touch-{touch.pk}@crm.calendar"]


def _utc(moment: datetime.datetime) -> datetime.datetime:
    return moment.astimezone(datetime.UTC).replace(microsecond=0)


@pytest.fixture
def rep():
    return UserFactory(username="rep-touch")


@pytest.fixture
def touch(rep):
    account = AccountFactory(owner=rep, name="Huada")
    touch = TouchFactory(account=account, created_by=rep, date=timezone.localdate(), note="a")
    # Logged an hour ago and not changed since.
    ago = timezone.now() - datetime.timedelta(hours=1)
    Touch.objects.filter(pk=touch.pk).update(created_at=ago, updated_at=ago)
    touch.refresh_from_db()
    return touch


def test_a_touch_never_changed_has_sequence_0_and_its_creation_as_stamp(client, rep, touch):
    event = _touch_event(client, rep, touch)
    assert int(event.sequence.value) == 0
    assert event.dtstamp.value == _utc(touch.created_at)


def test_changing_a_touch_raises_its_sequence_and_stamp(client, rep, touch):
    before = _touch_event(client, rep, touch)
    touch_update(actor=rep, touch=touch, data={"note": "brochure left at reception"})
    touch.refresh_from_db()
    assert touch.updated_at > touch.created_at
    after = _touch_event(client, rep, touch)
    assert int(after.sequence.value) == int((touch.updated_at - touch.created_at).total_seconds())
    assert int(after.sequence.value) >= 3600 > int(before.sequence.value)
    assert after.dtstamp.value == _utc(touch.updated_at) > before.dtstamp.value
    assert after.last_modified.value == after.dtstamp.value


def test_a_refused_change_leaves_the_stamp_alone(client, rep, touch):
    stranger = UserFactory(username="stranger")
    with pytest.raises(ValidationError):
        touch_update(actor=stranger, touch=touch, data={"note": "x"})
    assert Touch.objects.get(pk=touch.pk).updated_at == touch.updated_at


def test_the_migration_fills_updated_at_in_from_created_at(rep):
    loader = MigrationLoader(connection)
    operations = loader.get_migration("visits", "0006_touch_updated_at").operations
    backfill = [op for op in operations if isinstance(op, migrations.RunSQL)]
    assert len(backfill) == 1
    account = AccountFactory(owner=rep)
    created = [timezone.now() - datetime.timedelta(days=d) for d in (30, 2)]
    touches = [TouchFactory(account=account) for _ in created]
    for touch, moment in zip(touches, created, strict=True):
        # As the new column's default leaves them: the time of the migration.
        Touch.objects.filter(pk=touch.pk).update(created_at=moment, updated_at=timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(backfill[0].sql)
    assert [Touch.objects.get(pk=t.pk).updated_at for t in touches] == created


def test_a_touch_written_in_sql_gets_the_databases_default(rep):
    account = AccountFactory(owner=rep)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO visits_touch (account_id, type, date, note, created_at) "
            "VALUES (%s, 'card', %s, '', now()) RETURNING id",
            [account.pk, timezone.localdate()],
        )
        pk = cursor.fetchone()[0]
    written = Touch.objects.get(pk=pk)
    # now() is the transaction's start, the default the statement's: a moment later.
    assert 0 <= (written.updated_at - written.created_at).total_seconds() < 60
