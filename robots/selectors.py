"""Reads of group robots, through the one visibility rule.

A user sees (and manages) their own robots; a manager also their teams' robots and the
personal robots of their teams' members (`owner_scope_q`); an admin every robot. A rep never
sees a team's robot: the team's robots are its manager's to set up.
"""

from django.db.models import Q, QuerySet

from crm.models import Team, User
from crm.selectors import NOTHING, Viewer, owner_scope_q, teams_visible_to
from robots.models import RobotMessage, RobotWebhook


def robot_teams_for(user: Viewer) -> QuerySet[Team]:
    """Teams whose robots `user` may add and manage: a manager's teams, every team for an
    admin, none for a rep."""
    if not user.is_authenticated or not (
        user.is_admin or getattr(user, "role", "") == User.Role.MANAGER
    ):
        return Team.objects.none()
    return teams_visible_to(user)


def robot_scope_q(user: Viewer) -> Q:
    if not user.is_authenticated or not user.is_active:
        return NOTHING
    personal = owner_scope_q(user, owner_path="user")
    if personal == Q():
        return Q()  # an admin: every robot
    return (personal & Q(user__isnull=False)) | Q(team__in=robot_teams_for(user).values("pk"))


def robots_visible_to(user: Viewer) -> QuerySet[RobotWebhook]:
    return (
        RobotWebhook.objects.filter(robot_scope_q(user))
        .select_related("team", "user")
        .order_by("name", "id")
    )


def robot_get_visible(user: Viewer, pk: int | str) -> RobotWebhook | None:
    try:
        return robots_visible_to(user).filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        return None


def robot_recent_messages(robot: RobotWebhook, *, limit: int = 10) -> list[RobotMessage]:
    return list(robot.messages.order_by("-created_at", "-id")[:limit])
