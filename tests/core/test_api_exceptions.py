"""The API's one exception handler: the service layer's Django exceptions become DRF answers."""

import datetime

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import Http404

from accounts.models import Account
from core.api.exceptions import exception_handler
from visits.models import Reminder, VisitPlan

pytestmark = pytest.mark.django_db


def _answer(exc):
    response = exception_handler(exc, {})
    return response.status_code, response.data


def test_a_validation_error_with_fields_answers_400_by_field():
    exc = ValidationError({"name": ["Give a name.", "Too short."], "uscc": "Not a code."})
    assert _answer(exc) == (400, {"name": ["Give a name.", "Too short."], "uscc": ["Not a code."]})


def test_a_validation_error_without_fields_answers_400_non_field_errors():
    assert _answer(ValidationError("This import has already been undone.")) == (
        400,
        {"non_field_errors": ["This import has already been undone."]},
    )
    assert _answer(ValidationError(["One.", "Two."])) == (
        400,
        {"non_field_errors": ["One.", "Two."]},
    )


def test_a_form_wide_error_keeps_the_key_it_had():
    # Today's JSON: a model's form-wide error stays under Django's own key.
    assert _answer(ValidationError({NON_FIELD_ERRORS: ["Clash."]})) == (
        400,
        {NON_FIELD_ERRORS: ["Clash."]},
    )


def test_permission_denied_answers_403():
    assert _answer(PermissionDenied()) == (
        403,
        {"detail": "You do not have permission to perform this action."},
    )


def test_a_service_permission_refusal_keeps_its_message():
    assert _answer(PermissionDenied("Ask the owner.")) == (403, {"detail": "Ask the owner."})


def test_a_missing_row_answers_404():
    assert _answer(Account.DoesNotExist()) == (404, {"detail": "Not found."})
    assert _answer(Http404()) == (404, {"detail": "Not found."})


def test_any_other_exception_stays_a_server_error():
    assert exception_handler(RuntimeError("boom"), {}) is None


def test_a_service_refusal_reaches_the_api_as_a_field_error(org, api):
    client = api(org["r1"])
    created = client.post(
        "/api/v1/visit-plans/",
        {"account": org["accounts"]["r1"].pk, "planned_date": "2026-04-01"},
        format="json",
    )
    plan_id = created.json()["id"]
    assert client.delete(f"/api/v1/visit-plans/{plan_id}/").status_code == 204

    again = client.delete(f"/api/v1/visit-plans/{plan_id}/")

    assert again.status_code == 400
    assert again.json() == {"status": ["Only a planned visit can be cancelled."]}
    assert VisitPlan.objects.get(pk=plan_id).status == "cancelled"


def test_a_service_permission_refusal_reaches_the_api_as_403(org, api):
    # The manager sees the rep's reminder, but only its recipient may mark it done.
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

    response = api(org["m1"]).post(f"/api/v1/reminders/{reminder.pk}/done/")

    assert response.status_code == 403
    assert response.json() == {"detail": "You do not have permission to perform this action."}
    reminder.refresh_from_db()
    assert reminder.status == "open" and reminder.done_at is None
