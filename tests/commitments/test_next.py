"""Editing a commitment returns to where the user came from (a `next` on this site, through
core.http.safe_next_url), not always to the list."""

from urllib.parse import quote

import pytest
from django.utils.http import urlencode

from commitments.models import Commitment

pytestmark = pytest.mark.django_db


@pytest.fixture
def commitment(org, commitment_factory):
    return commitment_factory(account=org["accounts"]["r1"], owner=org["r1"], title="Quote")


def _post(commitment, **extra):
    return {
        "account": commitment.account_id,
        "title": "Quote v2",
        "due_date": "2026-03-11",
        "owner": commitment.owner_id,
        **extra,
    }


def test_links_to_edit_carry_the_page_they_are_on(client, org, commitment):
    client.force_login(org["r1"])
    card = commitment.account.get_absolute_url()
    page = client.get(card).content.decode()
    assert f"/commitments/{commitment.pk}/edit/?next={quote(card)}" in page
    listing = client.get("/commitments/?status=open").content.decode()
    expected = quote("/commitments/?status=open")
    assert f"/commitments/{commitment.pk}/edit/?next={expected}" in listing


def test_saving_returns_to_the_card_it_came_from(client, org, commitment):
    client.force_login(org["r1"])
    card = commitment.account.get_absolute_url()
    url = f"/commitments/{commitment.pk}/edit/?{urlencode({'next': card})}"
    form = client.get(url).content.decode()
    assert f'name="next" value="{card}"' in form
    assert f'href="{card}">' in form  # Cancel goes back there too
    response = client.post(url, _post(commitment))
    assert (response.status_code, response["Location"]) == (302, card)
    commitment.refresh_from_db()
    assert commitment.title == "Quote v2"


def test_a_refused_edit_keeps_where_to_return_and_changes_nothing(client, org, commitment):
    client.force_login(org["r1"])
    card = commitment.account.get_absolute_url()
    url = f"/commitments/{commitment.pk}/edit/?{urlencode({'next': card})}"
    response = client.post(url, _post(commitment, title=""))
    assert response.status_code == 200 and response.context["form"].errors["title"]
    assert f'name="next" value="{card}"' in response.content.decode()
    commitment.refresh_from_db()
    assert commitment.title == "Quote"


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"]
)
def test_a_next_off_this_site_is_ignored(client, org, commitment, target):
    client.force_login(org["r1"])
    url = f"/commitments/{commitment.pk}/edit/?{urlencode({'next': target})}"
    page = client.get(url).content.decode()
    assert f'name="next" value="{target}"' not in page and f'href="{target}"' not in page
    response = client.post(url, {**_post(commitment), "next": target})
    assert (response.status_code, response["Location"]) == (302, "/commitments/")


def test_without_next_saving_returns_to_the_list(client, org, commitment):
    client.force_login(org["r1"])
    response = client.post(f"/commitments/{commitment.pk}/edit/", _post(commitment))
    assert (response.status_code, response["Location"]) == (302, "/commitments/")


def test_deleting_from_the_edit_page_returns_to_where_the_user_came_from(client, org, commitment):
    client.force_login(org["r1"])
    card = commitment.account.get_absolute_url()
    page = client.get(f"/commitments/{commitment.pk}/edit/?{urlencode({'next': card})}")
    delete_url = f"/commitments/{commitment.pk}/delete/?next={quote(card)}"
    assert delete_url in page.content.decode()
    response = client.post(delete_url)
    assert (response.status_code, response["Location"]) == (302, card)
    assert not Commitment.objects.exists()
