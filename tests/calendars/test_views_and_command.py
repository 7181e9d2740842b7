"""The profile page's section, the reset page, and `manage.py calendar_feed_url`."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from calendars.models import CalendarFeed
from core.models import AuditEntry
from crm.models import User
from tests.factories import CalendarFeedFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rep():
    return UserFactory(username="rep-cal")


def test_the_profile_offers_to_create_the_address_then_shows_it(client, rep):
    client.force_login(rep)
    page = client.get(reverse("profile")).content.decode()
    assert 'id="calendar-feed"' in page
    assert reverse("calendars:feed_reset") in page
    assert "calendar-feed-url" not in page

    confirm = client.get(reverse("calendars:feed_reset"))
    assert confirm.status_code == 200
    assert "Create your calendar address?" in confirm.content.decode()
    assert not CalendarFeed.objects.exists()  # looking at the confirmation changes nothing

    response = client.post(reverse("calendars:feed_reset"))
    assert response.status_code == 302 and response["Location"] == reverse("profile")
    feed = CalendarFeed.objects.get(user=rep)
    page = client.get(reverse("profile")).content.decode()
    url = "http://testserver" + reverse("calendars:feed", args=[feed.token])
    assert f'value="{url}"' in page
    assert "webcal://testserver" + reverse("calendars:feed", args=[feed.token]) in page


def test_the_profile_shows_the_public_url_when_one_is_set(client, rep, settings):
    settings.CRM_PUBLIC_URL = "https://crm.example.com"
    feed = CalendarFeedFactory(user=rep)
    client.force_login(rep)
    page = client.get(reverse("profile")).content.decode()
    assert "https://crm.example.com" + reverse("calendars:feed", args=[feed.token]) in page


def test_resetting_asks_first_then_kills_the_old_address(client, rep):
    old = CalendarFeedFactory(user=rep)
    old_url = reverse("calendars:feed", args=[old.token])
    client.force_login(rep)
    confirm = client.get(reverse("calendars:feed_reset")).content.decode()
    assert "Reset your calendar address?" in confirm
    assert CalendarFeed.objects.get(user=rep).token == old.token

    client.post(reverse("calendars:feed_reset"))
    new = CalendarFeed.objects.get(user=rep)
    assert new.token != old.token
    assert client.get(old_url).status_code == 404
    assert client.get(reverse("calendars:feed", args=[new.token])).status_code == 200
    entry = AuditEntry.objects.filter(model="calendars.CalendarFeed", action="reset").get()
    assert old.token not in str(entry.__dict__) and new.token not in str(entry.__dict__)


def test_the_reset_page_needs_a_sign_in(client, rep):
    response = client.post(reverse("calendars:feed_reset"))
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert not CalendarFeed.objects.exists()


def test_the_command_prints_the_full_url_and_makes_the_token_once(rep, settings):
    settings.CRM_PUBLIC_URL = "https://crm.example.com"
    out = io.StringIO()
    call_command("calendar_feed_url", "rep-cal", stdout=out)
    feed = CalendarFeed.objects.get(user=rep)
    assert out.getvalue().strip() == (
        "https://crm.example.com" + reverse("calendars:feed", args=[feed.token])
    )
    again = io.StringIO()
    call_command("calendar_feed_url", "rep-cal", stdout=again)
    assert again.getvalue() == out.getvalue()
    assert CalendarFeed.objects.count() == 1


def test_the_command_takes_a_base_url_when_none_is_set(rep, settings):
    settings.CRM_PUBLIC_URL = ""
    out = io.StringIO()
    call_command("calendar_feed_url", "rep-cal", "--base-url", "http://10.0.0.5:8000/", stdout=out)
    assert out.getvalue().startswith("http://10.0.0.5:8000/calendar/feed/")


@pytest.mark.parametrize(
    ("username", "base", "message"),
    [
        ("nobody", "https://crm.example.com", "No user 'nobody'."),
        ("gone", "https://crm.example.com", "User 'gone' is deactivated: no calendar feed."),
        ("rep-cal", "", "The site's address is unknown: set CRM_PUBLIC_URL"),
    ],
)
def test_the_command_refuses_clearly(rep, settings, username, base, message):
    UserFactory(username="gone")
    User.objects.filter(username="gone").update(is_active=False)
    settings.CRM_PUBLIC_URL = base
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(".", r"\.")):
        call_command("calendar_feed_url", username, stdout=io.StringIO())
    assert not CalendarFeed.objects.exists()
