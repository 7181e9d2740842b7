"""Token authentication with an end: DRF's token, refused once `CRM_API_TOKEN_DAYS` are over."""

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from crm.selectors import api_token_expires_at


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if api_token_expires_at(token) <= timezone.now():
            raise exceptions.AuthenticationFailed(_("Token expired; request a new one."))
        return user, token
