"""The view glue: a service's refusal onto a form, the `next` parameter, 404 for not found."""

import datetime

import pytest
from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import Http404
from django.test import RequestFactory
from django.urls import reverse

from core.http import or_404, run_service, safe_next_url
from visits.models import Reminder


class NameForm(forms.Form):
    name = forms.CharField()


def _bound_form() -> NameForm:
    form = NameForm({"name": "Acme"})
    assert form.is_valid()
    return form


def _refuse(error):
    def service(**kwargs):
        raise error

    return service


def test_run_service_returns_what_the_service_returns():
    form = _bound_form()
    assert run_service(form, lambda *, name: f"saved {name}", name="Acme") == "saved Acme"
    assert form.errors == {}


def test_run_service_passes_positional_arguments_too():
    assert run_service(_bound_form(), lambda a, b, *, c: (a, b, c), 1, 2, c=3) == (1, 2, 3)


def test_a_field_error_goes_to_its_field_and_the_rest_to_the_form():
    form = _bound_form()
    error = ValidationError(
        {"name": ["Taken."], "owner": ["Not yours."], NON_FIELD_ERRORS: ["Clash."]}
    )

    assert run_service(form, _refuse(error)) is None

    assert form.errors["name"] == ["Taken."]
    assert form.non_field_errors() == ["Not yours.", "Clash."]


def test_an_error_without_fields_goes_to_the_form():
    form = _bound_form()
    assert run_service(form, _refuse(ValidationError("Closed."))) is None
    assert form.errors == {NON_FIELD_ERRORS: ["Closed."]}


def test_other_exceptions_are_not_swallowed():
    with pytest.raises(RuntimeError):
        run_service(_bound_form(), _refuse(RuntimeError("boom")))


@pytest.mark.parametrize(
    ("target", "secure", "expected"),
    [
        ("/accounts/7/", False, "/accounts/7/"),
        ("/accounts/7/", True, "/accounts/7/"),
        ("http://testserver/accounts/7/", False, "http://testserver/accounts/7/"),
        # On HTTPS a redirect never goes back to plain HTTP, even on this host.
        ("http://testserver/accounts/7/", True, "/fallback/"),
        ("https://testserver/accounts/7/", True, "https://testserver/accounts/7/"),
        ("https://evil.example/", False, "/fallback/"),
        ("//evil.example/", True, "/fallback/"),
        ("", False, "/fallback/"),
    ],
)
def test_safe_next_url(target, secure, expected):
    request = RequestFactory().get("/", {"next": target}, secure=secure)
    assert safe_next_url(request, "/fallback/") == expected


def test_safe_next_url_prefers_the_posted_value():
    request = RequestFactory().post("/?next=/from-get/", {"next": "/from-post/"})
    assert safe_next_url(request, "/fallback/") == "/from-post/"


def test_or_404():
    assert or_404(0) == 0  # found, though falsy
    with pytest.raises(Http404):
        or_404(None)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("secure", "next_url", "expected"),
    [
        (True, "https://testserver/accounts/", "https://testserver/accounts/"),
        # The visits pages used to follow this one to plain HTTP.
        (True, "http://testserver/accounts/", "/visits/reminders/"),
        (False, "http://testserver/accounts/", "http://testserver/accounts/"),
    ],
)
def test_the_visits_pages_never_redirect_from_https_to_http(
    client, org, secure, next_url, expected
):
    account = org["accounts"]["r1"]
    reminder = Reminder.objects.create(
        recipient=org["r1"],
        kind="visit_due",
        subject=f"account:{account.pk}",
        occasion_code="visit_due",
        date=datetime.date(2026, 1, 1),
        account=account,
        remind_on=datetime.date(2026, 1, 1),
    )
    client.force_login(org["r1"])

    response = client.post(
        reverse("visits:reminder_done", args=[reminder.pk]), {"next": next_url}, secure=secure
    )

    assert response.status_code == 302 and response["Location"] == expected
    reminder.refresh_from_db()
    assert reminder.status == "done"
