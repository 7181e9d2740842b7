"""The one visibility rule, and reads of users and teams.

A rep sees what they own; a manager what they or the members of the teams they lead own; an
admin everything; anyone else (inactive, anonymous, unknown role) nothing. Every page, API
endpoint, export, chart and task filters through `owner_scope_q`, usually by way of
`accounts.selectors.accounts_visible_to`.
"""

import datetime

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import BooleanField, F, Func, Q, QuerySet
from rest_framework.authtoken.models import Token

from crm.models import Team, Territory, User

NOTHING = Q(pk__in=[])


# Who asks. The visibility rule answers an anonymous user (e.g. the API schema generator's
# request) with nothing.
Viewer = User | AnonymousUser

# A population filter given as the row or its id ("" or None: no filter).
TeamRef = Team | int | str | None
TerritoryRef = Territory | int | str | None
OwnerRef = User | int | str | None


class EqualsAny(Func):
    """`expression = ANY(array)`. With the array an uncorrelated ARRAY(subquery), PostgreSQL
    computes it once and probes an index with each element, so that `owner = … OR id =
    ANY(…)` is two index scans; `id IN (subquery)` inside an OR would test every row."""

    arg_joiner = " = ANY("
    template = "(%(expressions)s))"
    output_field = BooleanField()


def owner_scope_q(user: Viewer, *, owner_path: str = "owner", as_array: bool = False) -> Q:
    """A Q over records whose owner is reached by `owner_path` that `user` may see.

    `as_array`: a manager's team as `owner = ANY(ARRAY(…))` (the same users), which an index
    on the owner serves inside an OR (the forecast's and the deals' large tables)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NOTHING
    if user.is_admin:
        return Q()
    if user.role == User.Role.MANAGER:
        # An IN (subquery) rather than joins through owner and team keeps the plan simple.
        team_members = User.objects.filter(Q(pk=user.pk) | Q(team__manager=user)).values("pk")
        if as_array:
            return Q(EqualsAny(F(owner_path), ArraySubquery(team_members.order_by())))
        return Q(**{f"{owner_path}__in": team_members})
    if user.role == User.Role.REP:
        return Q(**{owner_path: user})
    return NOTHING


def users_visible_to(user: Viewer) -> QuerySet[User]:
    """Users whose books `user` can see (themselves included)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return User.objects.none()
    qs = User.objects.select_related("team", "territory").order_by("username")
    if user.is_admin:
        return qs
    if user.role == User.Role.MANAGER:
        return qs.filter(Q(pk=user.pk) | Q(team__manager=user))
    return qs.filter(pk=user.pk)


def users_assignable_by(user: User) -> QuerySet[User]:
    """Active users to whom `user` may give an account: within their own scope only."""
    return users_visible_to(user).filter(is_active=True)


def teams_visible_to(user: Viewer) -> QuerySet[Team]:
    if user is None or not user.is_authenticated or not user.is_active:
        return Team.objects.none()
    qs = Team.objects.select_related("manager", "territory").order_by("name")
    if user.is_admin:
        return qs
    if user.role == User.Role.MANAGER:
        return qs.filter(manager=user)
    return qs.filter(pk=user.team_id) if user.team_id else qs.none()


def users_managed_by(user: Viewer) -> QuerySet[User]:
    """Users `user` may manage on the users pages: every user for an admin, none for anyone
    else (deny by default)."""
    if user is None or not user.is_authenticated or not user.is_admin:
        return User.objects.none()
    return User.objects.select_related("team", "territory").order_by("username", "pk")


def user_get_managed(user: Viewer, pk: int | str) -> User | None:
    """One user `user` may manage (None: not an admin, or no such user)."""
    return users_managed_by(user).filter(pk=pk).first()


def user_admin_list(
    user: Viewer,
    *,
    q: str = "",
    role: str = "",
    team: Team | None = None,
    active: str = "yes",
) -> QuerySet[User]:
    """The admin's users page: search over username, names and e-mail; filters by role, team
    and status ("yes" active, "no" deactivated, "all")."""
    qs = users_managed_by(user)
    if q:
        qs = qs.filter(
            Q(username__icontains=q)
            | Q(first_name__icontains=q)
            | Q(last_name__icontains=q)
            | Q(email__icontains=q)
        )
    if role:
        qs = qs.filter(role=role)
    if team is not None:
        qs = qs.filter(team=team)
    if active in ("yes", ""):
        qs = qs.filter(is_active=True)
    elif active == "no":
        qs = qs.filter(is_active=False)
    return qs


def territory_list() -> QuerySet[Territory]:
    return Territory.objects.order_by("name")


def api_token_expires_at(token: Token) -> datetime.datetime:
    """When an API token stops being accepted: `CRM_API_TOKEN_DAYS` after it was issued."""
    return token.created + datetime.timedelta(days=settings.CRM_API_TOKEN_DAYS)
