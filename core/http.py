"""The glue between HTML views and the service layer, shared by every app's views."""

from collections.abc import Callable
from typing import TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

T = TypeVar("T")


def run_service(form: forms.BaseForm, fn: Callable[..., T], /, *args, **kwargs) -> T | None:
    """Call the service `fn(*args, **kwargs)` and return what it returns. If it refuses with
    a ValidationError, its errors go onto `form` (an error about a field the form shows goes
    to that field, every other one to the form as a whole) and the answer is None."""
    try:
        return fn(*args, **kwargs)
    except ValidationError as exc:
        add_service_errors(form, exc)
    return None


def add_service_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Put a service's ValidationError on `form` (see `run_service`)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def safe_next_url(request: HttpRequest, default: str) -> str:
    """The `next` parameter (POST, then GET) if it stays on this site, else `default`. On a
    secure request an http:// target is refused, so a redirect never downgrades to plain HTTP."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def or_404(found: T | None) -> T:
    """What a selector found, or 404 when it found nothing (a record that does not exist and
    one the user may not see answer alike, so nothing leaks)."""
    if found is None:
        raise Http404
    return found
