"""The signed-in user of an API request, typed as our User."""

from django.http import HttpRequest
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request

from crm.models import User


def request_user(request: Request | HttpRequest) -> User:
    """`request.user`. The API lets only signed-in users through (IsAuthenticated by default),
    so an anonymous caller never gets here; were one to, it is refused as DRF refuses it."""
    user = request.user
    if not isinstance(user, User):
        raise NotAuthenticated
    return user
