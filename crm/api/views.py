from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from core.api.permissions import ReadOrAdminWrites
from crm.api.request import request_user
from crm.api.serializers import (
    InviteResultSerializer,
    TeamSerializer,
    TerritorySerializer,
    UserSerializer,
    UserUpdateSerializer,
    UserWriteSerializer,
)
from crm.filters import UserFilter
from crm.selectors import teams_visible_to, territory_list, users_visible_to
from crm.services import (
    user_create,
    user_deactivate,
    user_invite_send,
    user_reactivate,
    user_update,
)


class UserViewSet(
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """Users the caller can see: themselves, their team (managers), everyone (admins). Admins
    also create (with a password, or an e-mailed invitation), edit, deactivate and reactivate
    users; anyone else is refused (403). `?q=` searches username and name (the user picker
    of the forms)."""

    serializer_class = UserSerializer
    permission_classes = [IsAuthenticated, ReadOrAdminWrites]
    filterset_class = UserFilter
    ordering_fields = ["username", "id"]
    ordering = ["username"]

    def get_queryset(self):
        return users_visible_to(self.request.user)

    @extend_schema(request=UserWriteSerializer, responses={201: UserSerializer})
    def create(self, request, *args, **kwargs):
        serializer = UserWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        password = data.pop("password", None)
        actor = request_user(request)
        # All or nothing: a user whose invitation could not be sent is not created.
        with transaction.atomic():
            user = user_create(actor=actor, data=data, password=password)
            if password is None:
                _invite(request, user)
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=UserUpdateSerializer, responses=UserSerializer)
    def update(self, request, *args, **kwargs):
        user = self.get_object()
        partial = kwargs.get("partial", False)
        serializer = UserUpdateSerializer(user, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        saved = user_update(
            actor=request_user(request), user=user, data=dict(serializer.validated_data)
        )
        return Response(UserSerializer(saved).data)

    @extend_schema(request=UserUpdateSerializer, responses=UserSerializer)
    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    @extend_schema(request=None, responses=UserSerializer)
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        """Refuse sign-in, end the user's sessions and delete their API tokens."""
        user = user_deactivate(actor=request_user(request), user=self.get_object())
        return Response(UserSerializer(user).data)

    @extend_schema(request=None, responses=UserSerializer)
    @action(detail=True, methods=["post"])
    def reactivate(self, request, pk=None):
        user = user_reactivate(actor=request_user(request), user=self.get_object())
        return Response(UserSerializer(user).data)

    @extend_schema(request=None, responses=InviteResultSerializer)
    @action(detail=True, methods=["post"])
    def invite(self, request, pk=None):
        """E-mail the user a new one-time link to set their password."""
        user = self.get_object()
        _invite(request, user)
        return Response({"sent_to": user.email})


def _invite(request, user) -> None:
    try:
        user_invite_send(
            actor=request_user(request), user=user, base_url=request.build_absolute_uri("/")
        )
    except OSError as exc:  # the mail server refused or did not answer (smtplib errors)
        raise ValidationError(
            {"email": _("The invitation could not be sent: %(error)s") % {"error": exc}}
        ) from None


class TeamViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = TeamSerializer
    ordering_fields = ["name", "id"]
    ordering = ["name"]

    def get_queryset(self):
        return teams_visible_to(self.request.user)


class TerritoryViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = TerritorySerializer
    ordering_fields = ["name", "id"]
    ordering = ["name"]

    def get_queryset(self):
        return territory_list()
