"""Token authentication with an end: DRF's token, refused once `CRM_API_TOKEN_DAYS` are over.
A caller it lets in gets the language of their profile, as a session's user gets it from
`core.middleware.UserLanguageMiddleware` (which runs before DRF knows who a token belongs to)."""

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from core.middleware import activate_user_language
from crm.selectors import api_token_expires_at


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            # The Django request under DRF's: LocaleMiddleware's answer reads its language.
            activate_user_language(request._request, result[0])
        return result

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if api_token_expires_at(token) <= timezone.now():
            raise exceptions.AuthenticationFailed(_("Token expired; request a new one."))
        return user, token
