"""`POST /api/v1/auth/token/`: DRF's token view, answering 429 when django-axes locks out.

Axes marks DRF's request wrapper (not Django's request) as locked out, so its middleware does
not see it; this view turns the refusal into the same 429 answer the sign-in page gives.
"""

from rest_framework import exceptions
from rest_framework.authtoken.views import ObtainAuthToken

from crm.security import lockout_response


class ObtainAuthTokenView(ObtainAuthToken):
    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except exceptions.ValidationError:
            if getattr(request, "axes_locked_out", False):
                return lockout_response(request._request)
            raise


obtain_auth_token = ObtainAuthTokenView.as_view()
