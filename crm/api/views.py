from rest_framework import viewsets

from crm.api.serializers import TeamSerializer, TerritorySerializer, UserSerializer
from crm.filters import UserFilter
from crm.selectors import teams_visible_to, territory_list, users_visible_to


class UserViewSet(viewsets.ReadOnlyModelViewSet):
    """Users the caller can see: themselves, their team (managers), everyone (admins).
    `?q=` searches username and name (the user picker of the forms)."""

    serializer_class = UserSerializer
    filterset_class = UserFilter
    ordering_fields = ["username", "id"]
    ordering = ["username"]

    def get_queryset(self):
        return users_visible_to(self.request.user)


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
