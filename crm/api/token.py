"""`POST /api/v1/auth/token/`: DRF's token view, answering 429 when django-axes locks out.

Axes marks DRF's request wrapper (not Django's request) as locked out, so its middleware does
not see it; this view turns the refusal into the same 429 answer the sign-in page gives. The
token comes from `crm.services.api_token_issue`: the user's current one, or a new one when it
has expired (DRF's own view would hand an expired token back).
"""

from rest_framework import exceptions
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response

from crm.security import lockout_response
from crm.services import api_token_issue


class ObtainAuthTokenView(ObtainAuthToken):
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        try:
            serializer.is_valid(raise_exception=True)
        except exceptions.ValidationError:
            if getattr(request, "axes_locked_out", False):
                return lockout_response(request._request)
            raise
        token = api_token_issue(user=serializer.validated_data["user"])
        return Response({"token": token.key})


obtain_auth_token = ObtainAuthTokenView.as_view()
