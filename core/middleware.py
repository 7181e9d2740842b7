import contextlib

from django.core.exceptions import SuspiciousOperation
from django.http import HttpResponseBadRequest, JsonResponse
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext as _
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.settings import api_settings


def activate_user_language(request, user) -> str:
    """Activate the language `user` chose in their profile, if any, for the rest of `request`;
    answers that language ("" when none was chosen: the browser's stays)."""
    language = getattr(user, "language", "") if user is not None else ""
    if not language or not user.is_authenticated:
        return ""
    translation.activate(language)
    request.LANGUAGE_CODE = language
    return language


class UserLanguageMiddleware:
    """Activate the language a signed-in user chose in their profile (empty: browser's).

    Token-authenticated API requests are authenticated by DRF only inside the view, after this
    middleware ran: `crm.api.authentication.ExpiringTokenAuthentication` activates their
    language then, through the same `activate_user_language`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = activate_user_language(request, getattr(request, "user", None))
        response = self.get_response(request)
        if language:
            response.headers.setdefault("Content-Language", language)
        return response


class RefuseNulMiddleware:
    """Answer 400 to a request whose path, query string or form fields hold a NUL character.

    PostgreSQL refuses NUL in text, so such a value reaching a filter or a lookup would be a
    server error; it is never valid input, so it is refused here once for every page and
    endpoint. Uploaded files are not looked at: a binary workbook holds NUL bytes legitimately.

    Under /api/ the answer is JSON (`{"detail": ...}`), and it keeps the API's order: a caller
    whom DRF would not authenticate gets DRF's own 401/403 first (the view reads no parameter
    before that; the public endpoints validate theirs). API bodies other than url-encoded forms
    are left to DRF's parsers, whose fields refuse NUL themselves.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        api = request.path_info.startswith("/api/")
        if not _holds_nul(request, parse_multipart=not api):
            return self.get_response(request)
        message = _("The request holds a NUL character, which no field accepts.")
        if api:
            if not _api_caller_authenticated(request):
                return self.get_response(request)
            return JsonResponse({"detail": message}, status=400)
        return HttpResponseBadRequest(
            format_html(
                "<!doctype html><title>{0}</title><h1>{0}</h1><p>{1}</p>",
                _("Bad request (400)"),
                message,
            )
        )


def _holds_nul(request, *, parse_multipart: bool) -> bool:
    if "\x00" in request.path_info:
        return True
    data = [request.GET]
    if request.method == "POST" and (
        request.content_type == "application/x-www-form-urlencoded"
        or (parse_multipart and request.content_type == "multipart/form-data")
    ):
        # Too many fields or too large a body: not this middleware's answer to give. The view
        # reads the body again after authentication (an API caller with a bad token gets its
        # 401 first) and Django answers the same error with a 400.
        with contextlib.suppress(SuspiciousOperation):
            data.append(request.POST)
    return any(
        "\x00" in key or any("\x00" in value for value in values)
        for query in data
        for key, values in query.lists()
    )


def _api_caller_authenticated(request) -> bool:
    """Whether DRF's authenticators take the caller as signed in (an invalid or expired token,
    or a session without its CSRF token on a write, is not)."""
    drf_request = Request(request)
    for authenticator in api_settings.DEFAULT_AUTHENTICATION_CLASSES:
        try:
            # DRF's stubs type the setting as the dotted paths it is imported from.
            if authenticator().authenticate(drf_request) is not None:  # type: ignore[operator]
                return True
        except APIException:
            return False
    return False
