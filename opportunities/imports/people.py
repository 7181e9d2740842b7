"""Users and teams named in a file: a deal's owner or a target's rep by user name, email or
full name (either order, spaces and case ignored), a target's team by name; and whether the
importer may give them deals or targets (the one visibility rule: users_assignable_by,
teams_visible_to)."""

from crm.models import Team, User
from crm.selectors import teams_visible_to, users_assignable_by
from imports.upload.cleaning import fold

AMBIGUOUS = -1


def _add(index: dict[str, int], key: str, pk: int) -> None:
    key = fold(key or "")
    if not key:
        return
    if index.get(key, pk) != pk:
        index[key] = AMBIGUOUS
    else:
        index[key] = pk


class People:
    """The active users, looked up by what a cell says; one query each, when first built."""

    def __init__(self, actor: User):
        self.by_login: dict[str, int] = {}
        self.by_name: dict[str, int] = {}
        self.names: dict[int, str] = {}
        for pk, username, email, first, last in User.objects.filter(is_active=True).values_list(
            "pk", "username", "email", "first_name", "last_name"
        ):
            _add(self.by_login, username, pk)
            _add(self.by_login, email, pk)
            if first or last:
                _add(self.by_name, f"{first}{last}", pk)
                _add(self.by_name, f"{last}{first}", pk)
            self.names[pk] = f"{first} {last}".strip() if first or last else username
        self.assignable = set(users_assignable_by(actor).values_list("pk", flat=True))
        self.teams: dict[str, int] = {}
        for pk, name in Team.objects.values_list("pk", "name"):
            _add(self.teams, name, pk)
        self.visible_teams = set(teams_visible_to(actor).values_list("pk", flat=True))
        self.team_names = dict(Team.objects.values_list("pk", "name"))

    def user(self, raw: str) -> int | None:
        """The user a cell names (AMBIGUOUS when several match, None when none does)."""
        key = fold(raw)
        found = self.by_login.get(key)
        if found is None:
            found = self.by_name.get(key)
        return found

    def team(self, raw: str) -> int | None:
        return self.teams.get(fold(raw))
