"""Random organisations and the oracle that says who may see what.

`build_org(spec)` writes an organisation (teams with or without a manager, a manager leading
two teams, reps with and without a team, an inactive rep, an admin, accounts owned by any of
them, contacts and orders) and returns an `Org` whose `visible_accounts(user)` is computed
from the spec alone, in plain Python, never through the code under test.

Every record carries a unique token in a text field, so a page or response that shows a
record the caller may not see is caught by searching for its token.

Models that later features add with an `account` foreign key register a builder in
`BUILDERS`; the oracle test fails for an API model that has none.
"""

import datetime
import itertools
import secrets
from dataclasses import dataclass, field
from decimal import Decimal

from hypothesis import strategies as st

from accounts.models import Account, Contact, Order
from crm.models import Team, User

_counter = itertools.count()


def token(prefix: str) -> str:
    return f"{prefix}{next(_counter)}x{secrets.token_hex(4)}"


@st.composite
def org_specs(draw):
    teams = draw(
        st.lists(
            st.fixed_dictionaries(
                {"manager": st.booleans(), "reps": st.integers(min_value=1, max_value=2)}
            ),
            min_size=1,
            max_size=2,
        )
    )
    return {
        "teams": teams,
        "double_manager": draw(st.booleans()),  # the first manager also leads a spare team
        "loose_reps": draw(st.integers(min_value=0, max_value=1)),
        "inactive_rep": draw(st.booleans()),
        "accounts": draw(
            st.lists(
                st.tuples(
                    st.integers(min_value=0, max_value=50),  # owner, modulo the owners
                    st.integers(min_value=0, max_value=1),  # contacts
                    st.integers(min_value=0, max_value=1),  # orders
                ),
                min_size=1,
                max_size=7,
            )
        ),
    }


@dataclass
class Org:
    users: list[User]
    admin: User
    team_of: dict[int, int | None]  # user id -> team id
    managers_of: dict[int, set[int]]  # team id -> manager ids
    accounts: dict[int, int] = field(default_factory=dict)  # account id -> owner id
    tokens: dict[tuple[str, int], str] = field(default_factory=dict)  # (label, pk) -> token
    inactive: set[int] = field(default_factory=set)
    _record_account: dict[tuple[str, int], int] = field(default_factory=dict)

    def user(self, pk: int) -> User:
        return next(u for u in self.users if u.pk == pk)

    def led_teams(self, user: User) -> set[int]:
        return {team for team, managers in self.managers_of.items() if user.pk in managers}

    def visible_users(self, user: User) -> set[int]:
        if user.pk in self.inactive:
            return set()
        if user.role == User.Role.ADMIN:
            return {u.pk for u in self.users}
        if user.role == User.Role.MANAGER:
            led = self.led_teams(user)
            return {user.pk} | {u for u, team in self.team_of.items() if team in led}
        return {user.pk}

    def assignable_users(self, user: User) -> set[int]:
        return self.visible_users(user) - self.inactive

    def visible_accounts(self, user: User) -> set[int]:
        owners = self.visible_users(user)
        if user.role == User.Role.ADMIN and user.pk not in self.inactive:
            return set(self.accounts)
        return {a for a, owner in self.accounts.items() if owner in owners}

    def visible_teams(self, user: User) -> set[int]:
        if user.pk in self.inactive:
            return set()
        if user.role == User.Role.ADMIN:
            return set(self.managers_of)
        if user.role == User.Role.MANAGER:
            return self.led_teams(user)
        team = self.team_of.get(user.pk)
        return {team} if team else set()

    def invisible_tokens(self, user: User) -> list[str]:
        visible = self.visible_accounts(user)
        return [
            tok
            for (label, pk), tok in self.tokens.items()
            if self.account_of(label, pk) not in visible
        ]

    def account_of(self, label: str, pk: int) -> int:
        if label == Account._meta.label:
            return pk
        return self._record_account[(label, pk)]


def _contact(org: Org, account: Account) -> Contact:
    tok = token("Ct")
    contact = Contact.objects.create(
        account=account, name=tok, phone="13800001111", birthday_month=3, birthday_day=4
    )
    org.tokens[(Contact._meta.label, contact.pk)] = tok
    org._record_account[(Contact._meta.label, contact.pk)] = account.pk
    return contact


def _order(org: Org, account: Account) -> Order:
    tok = token("Inv")
    order = Order.objects.create(
        account=account, date=datetime.date(2026, 5, 1), amount=Decimal("10.00"), invoice_number=tok
    )
    org.tokens[(Order._meta.label, order.pk)] = tok
    org._record_account[(Order._meta.label, order.pk)] = account.pk
    return order


# model label -> builder(org, account) that writes one record with a token; see module doc.
BUILDERS = {Contact._meta.label: _contact, Order._meta.label: _order}


def build_org(spec) -> Org:
    users: list[User] = []
    team_of: dict[int, int | None] = {}
    managers_of: dict[int, set[int]] = {}

    def new_user(role, team=None, active=True):
        user = User.objects.create_user(
            username=token("u"), password=None, role=role, team=team, is_active=active
        )
        users.append(user)
        team_of[user.pk] = team.pk if team else None
        return user

    admin = new_user(User.Role.ADMIN)
    first_manager = None
    for t in spec["teams"]:
        manager = new_user(User.Role.MANAGER) if t["manager"] else None
        first_manager = first_manager or manager
        team = Team.objects.create(name=token("T"), manager=manager)
        managers_of[team.pk] = {manager.pk} if manager else set()
        for _ in range(t["reps"]):
            new_user(User.Role.REP, team=team)
    if spec["double_manager"] and first_manager is not None:
        spare = Team.objects.create(name=token("T"), manager=first_manager)
        managers_of[spare.pk] = {first_manager.pk}
        new_user(User.Role.REP, team=spare)
    for _ in range(spec["loose_reps"]):
        new_user(User.Role.REP)
    org = Org(users=users, admin=admin, team_of=team_of, managers_of=managers_of)
    if spec["inactive_rep"]:
        first_team = next(iter(managers_of))
        inactive = new_user(User.Role.REP, team=Team.objects.get(pk=first_team), active=False)
        org.inactive.add(inactive.pk)
    owners = [u for u in users]
    for owner_index, n_contacts, n_orders in spec["accounts"]:
        owner = owners[owner_index % len(owners)]
        tok = token("Acct")
        account = Account.objects.create(name=tok, normalized_name=tok.lower(), owner=owner)
        org.accounts[account.pk] = owner.pk
        org.tokens[(Account._meta.label, account.pk)] = tok
        for _ in range(n_contacts):
            _contact(org, account)
        for _ in range(n_orders):
            _order(org, account)
    return org
