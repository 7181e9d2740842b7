from django.http import HttpResponseBadRequest, JsonResponse
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext as _


class UserLanguageMiddleware:
    """Activate the language a signed-in user chose in their profile (empty: browser's)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        language = getattr(user, "language", "") if user is not None else ""
        if user is not None and user.is_authenticated and language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        response = self.get_response(request)
        if language:
            response.headers.setdefault("Content-Language", language)
        return response


class RefuseNulMiddleware:
    """Answer 400 to a request whose path, query string or form fields hold a NUL character.

    PostgreSQL refuses NUL in text, so such a value reaching a filter or a lookup would be a
    server error; it is never valid input, so it is refused here once for every page and
    endpoint (as JSON `{"detail": ...}` under /api/). Uploaded files are not looked at: a
    binary workbook holds NUL bytes legitimately.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _holds_nul(request):
            message = _("The request holds a NUL character, which no field accepts.")
            if request.path_info.startswith("/api/"):
                return JsonResponse({"detail": message}, status=400)
            return HttpResponseBadRequest(
                format_html(
                    "<!doctype html><title>{0}</title><h1>{0}</h1><p>{1}</p>",
                    _("Bad request (400)"),
                    message,
                )
            )
        return self.get_response(request)


def _holds_nul(request) -> bool:
    if "\x00" in request.path_info:
        return True
    data = [request.GET]
    if request.method == "POST" and request.content_type in _FORM_CONTENT_TYPES:
        data.append(request.POST)
    return any(
        "\x00" in key or any("\x00" in value for value in values)
        for query in data
        for key, values in query.lists()
    )


_FORM_CONTENT_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}
