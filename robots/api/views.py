from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.response import Response

from robots import services
from robots.api.serializers import RobotSerializer, TestResultSerializer
from robots.selectors import robot_teams_for, robots_visible_to


class RobotViewSet(viewsets.ModelViewSet):
    """Group robots (WeCom, DingTalk, Feishu) the caller manages; secrets are write-only."""

    serializer_class = RobotSerializer
    ordering_fields = ["name", "id"]
    ordering = ["name", "id"]
    filterset_class = None

    def get_queryset(self):
        return robots_visible_to(self.request.user)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        missing = {f: [_("This field is required.")] for f in ("platform", "url") if f not in data}
        if missing:
            raise DRFValidationError(missing)
        team = data.get("team")
        if team is not None and not robot_teams_for(request.user).filter(pk=team.pk).exists():
            raise DRFValidationError(
                {"team": [_("You can only add robots for yourself or for a team you manage.")]}
            )
        robot = services.robot_create(
            actor=request.user,
            platform=data["platform"],
            name=data["name"],
            url=data["url"],
            secret=data.get("secret", ""),
            team=team,
            active=data.get("active", True),
        )
        return Response(self.get_serializer(robot).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        robot = self.get_object()
        serializer = self.get_serializer(robot, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        unchangeable = {
            f: [_("Cannot be changed; add a new robot instead.")]
            for f in ("platform", "team")
            if f in data and data[f] != getattr(robot, f)
        }
        if unchangeable:
            raise DRFValidationError(unchangeable)
        robot = services.robot_update(
            actor=request.user,
            robot=robot,
            name=data.get("name", robot.name),
            url=data.get("url", ""),
            secret=data.get("secret", ""),
            clear_secret=data.get("clear_secret", False),
            active=data.get("active", robot.active),
        )
        return Response(self.get_serializer(robot).data)

    def destroy(self, request, *args, **kwargs):
        services.robot_delete(actor=request.user, robot=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses=TestResultSerializer)
    @action(detail=True, methods=["post"])
    def test(self, request, pk=None):
        """Send a test message now; answers the platform's answer or its error (200 either
        way: the request itself succeeded)."""
        robot = self.get_object()
        try:
            answer = services.robot_test_send(actor=request.user, robot=robot)
        except ValidationError as exc:
            return Response({"ok": False, "answer": "; ".join(exc.messages)})
        return Response({"ok": True, "answer": answer})
