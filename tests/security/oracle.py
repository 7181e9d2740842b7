"""Random organisations and the oracle that says who may see what.

`build_org(spec)` writes an organisation (teams with or without a manager, a manager leading
two teams, reps with and without a team, an inactive rep, an admin, accounts owned by any of
them, contacts and orders) and returns an `Org` whose `visible_accounts(user)` is computed
from the spec alone, in plain Python, never through the code under test.

Every record carries a unique token in a text field, so a page or response that shows a
record the caller may not see is caught by searching for its token.

Models that later features add with an `account` foreign key register a builder in
`BUILDERS`; the oracle test fails for an API model that has none. Each account of the spec gets
a random subset of the builders' records (prospect, worksheet, visit, plan, touch, reminder).
A reminder also has a recipient (any user of the organisation): it is visible to those who see
both its account and its recipient (`RECIPIENT_MODELS`); an "accounts reassigned" notification
(some of the drawn reminders) to those who see its recipient, whoever owns the account now.
Random account teams make some users members of some accounts, with "read" or "edit" access: a
member sees the account and everything hanging on it, as its owner does (and so does whoever
sees the member's book); only "edit" members (and who sees their books) may change the account
itself (`editable_accounts`), and only who sees the owner's book manages its team
(`team_managed_accounts`).
Random parents put some accounts in groups (集团), of any owners: a group grants no sight, so
the card's group tree of a visible member must never show a sibling outside the book (its
name is its token).
A commitment (and a deal) is owned by any user of the organisation (the same draw) and is
visible to those who see its account or its owner (`AUTHOR_MODELS`). A visit or touch is
logged by any user of the organisation (the reminder's draw), and so is
the visit of a done plan (every other account's plan is done): done work stays with who did it,
so it is visible to those who see its account or its author (`AUTHOR_MODELS`; a plan's author
is its visit's), and a page showing it may name its account.
"""

import datetime
import itertools
import secrets
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone
from hypothesis import strategies as st

from accounts.models import Account, AccountCompetitor, AccountTeamMember, Contact, Order
from commitments.models import Commitment
from crm.models import Team, User
from health.models import HealthSnapshot
from keyaccounts.models import KeyAccountPlan
from opportunities.models import Opportunity, Stage
from playbook.models import IntelligenceAnswer
from prospects.models import CRITERION_FIELDS, Colour, Prospect, Worksheet
from receivables.models import Contract, Payment
from tests.factories import (
    AccountFactory,
    AccountTeamMemberFactory,
    CommitmentFactory,
    CompetitorFactory,
    ContactFactory,
    IntelligenceAnswerFactory,
    IntelligenceQuestionFactory,
    KeyAccountPlanFactory,
    OpportunityFactory,
    OrderFactory,
    ProspectFactory,
    ReminderFactory,
    TeamFactory,
    TouchFactory,
    VisitFactory,
    VisitPlanFactory,
    WorksheetFactory,
)
from visits.models import Reminder, Touch, TouchType, Visit, VisitPlan

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
                    st.frozensets(st.sampled_from(EXTRA_LABELS)),  # records of later features
                    st.integers(min_value=0, max_value=50),  # a reminder's recipient, modulo
                ),
                min_size=1,
                max_size=7,
            )
        ),
        # Account teams: (account, user, edit access) triples, account and user each modulo
        # the accounts and the users.
        "members": draw(
            st.lists(
                st.tuples(
                    st.integers(min_value=0, max_value=50),
                    st.integers(min_value=0, max_value=50),
                    st.booleans(),
                ),
                max_size=4,
            )
        ),
        # Groups: (member, parent) pairs, each modulo the accounts; a pair that would make a
        # cycle is skipped.
        "parents": draw(
            st.lists(
                st.tuples(
                    st.integers(min_value=0, max_value=50), st.integers(min_value=0, max_value=50)
                ),
                max_size=5,
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
    members: dict[int, set[int]] = field(default_factory=dict)  # account id -> member ids
    editors: dict[int, set[int]] = field(default_factory=dict)  # account id -> "edit" members
    team_rows: dict[int, int] = field(default_factory=dict)  # AccountTeamMember id -> account
    _record_account: dict[tuple[str, int], int] = field(default_factory=dict)
    _record_recipient: dict[tuple[str, int], int] = field(default_factory=dict)
    _record_author: dict[tuple[str, int], int] = field(default_factory=dict)
    _reassigned_notices: set[int] = field(default_factory=set)  # reminder ids

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
        # An account is seen by who sees its owner's book, or a member's of its account team.
        return {
            a
            for a, owner in self.accounts.items()
            if owner in owners or self.members.get(a, set()) & owners
        }

    def editable_accounts(self, user: User) -> set[int]:
        """Accounts the user may change: those of the books they see through the owner, and
        those of which a member with "edit" access is someone whose book they see."""
        if user.pk in self.inactive:
            return set()
        if user.role == User.Role.ADMIN:
            return set(self.accounts)
        owners = self.visible_users(user)
        return {
            a
            for a, owner in self.accounts.items()
            if owner in owners or self.editors.get(a, set()) & owners
        }

    def team_managed_accounts(self, user: User) -> set[int]:
        """Accounts whose team the user manages: the owner, the owner's manager, admins."""
        if user.pk in self.inactive:
            return set()
        if user.role == User.Role.ADMIN:
            return set(self.accounts)
        owners = self.visible_users(user)
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

    def record_visible(self, label: str, pk: int, user: User) -> bool:
        """The oracle's rule for one record: its account is in the user's book (and, for a
        reminder, its recipient is one of the users whose books the user sees). A visit, a
        touch or a done plan is also visible when its author is one of those users; an
        "accounts reassigned" notification whatever the account's owner."""
        in_book = self.account_of(label, pk) in self.visible_accounts(user)
        author = self._record_author.get((label, pk))
        if author is not None and author in self.visible_users(user):
            return True
        recipient = self._record_recipient.get((label, pk))
        if recipient is None:
            return in_book
        notice = label == Reminder._meta.label and pk in self._reassigned_notices
        return (in_book or notice) and recipient in self.visible_users(user)

    def named_accounts(self, user: User) -> set[int]:
        """Accounts whose names a page may show the user besides their book: those of the
        visits and notifications they see through their author or recipient."""
        return {
            self.account_of(label, pk)
            for (label, pk) in self.tokens
            if label in (*AUTHOR_MODELS, Reminder._meta.label)
            and self.record_visible(label, pk, user)
        }

    def visible_records(self, label: str, user: User) -> set[int]:
        return {
            pk for (lbl, pk) in self.tokens if lbl == label and self.record_visible(lbl, pk, user)
        }

    def recipient_of(self, label: str, pk: int) -> int | None:
        return self._record_recipient.get((label, pk))

    def invisible_tokens(self, user: User) -> list[str]:
        named = self.named_accounts(user)
        return [
            tok
            for (label, pk), tok in self.tokens.items()
            if not self.record_visible(label, pk, user)
            and not (label == Account._meta.label and pk in named)
        ]

    def account_of(self, label: str, pk: int) -> int:
        if label == Account._meta.label:
            return pk
        return self._record_account[(label, pk)]


def _keep(org: Org, record, account: Account, tok: str) -> None:
    org.tokens[(record._meta.label, record.pk)] = tok
    org._record_account[(record._meta.label, record.pk)] = account.pk


def _contact(org: Org, account: Account) -> Contact:
    tok = token("Ct")
    contact = ContactFactory(
        account=account, name=tok, phone="13800001111", birthday_month=3, birthday_day=4
    )
    _keep(org, contact, account, tok)
    return contact


def _order(org: Org, account: Account) -> Order:
    tok = token("Inv")
    order = OrderFactory(
        account=account, date=datetime.date(2026, 5, 1), amount=Decimal("10.00"), invoice_number=tok
    )
    _keep(org, order, account, tok)
    return order


def _prospect(org: Org, account: Account) -> Prospect:
    tok = token("Pr")
    # Some abandoned (the lists hide them unless asked), the others of every colour.
    abandoned = account.pk % 4 == 0
    prospect = ProspectFactory(
        account=account,
        colour=[Colour.GREEN, Colour.YELLOW, Colour.RED][account.pk % 3],
        decision=Prospect.Decision.ABANDON if abandoned else Prospect.Decision.KEEP_VISITING,
        decision_reason="budget cut" if abandoned else "",
        notes=tok,
    )
    _keep(org, prospect, account, tok)
    return prospect


def _worksheet(org: Org, account: Account) -> Worksheet:
    tok = token("Ws")
    scores = {f: (account.pk >> i) & 1 for i, f in enumerate(CRITERION_FIELDS)}
    worksheet = WorksheetFactory(
        account=account,
        author=account.owner,
        filled_at=timezone.now(),
        total=sum(scores.values()),
        growth_note=tok,
        **scores,
    )
    _keep(org, worksheet, account, tok)
    return worksheet


def _visit(org: Org, account: Account, author: User | None = None) -> Visit:
    """A visit logged by `author` (default the owner; another user: as after a reassignment)."""
    tok = token("Vi")
    author = author or account.owner
    visit = VisitFactory(
        account=account,
        visit_date=datetime.date(2026, 5, 2),
        purpose=tok,
        duration_minutes=30,
        expenses=Decimal("0.00"),
        logged_by=author,
    )
    _keep(org, visit, account, tok)
    org._record_author[(visit._meta.label, visit.pk)] = author.pk
    return visit


def _plan(org: Org, account: Account, author: User | None = None) -> VisitPlan:
    """An open plan for tomorrow; for every other account a done plan whose visit `author`
    logged (default the owner; another user: as after a reassignment)."""
    tok = token("Pl")
    done = account.pk % 2 == 0
    plan = VisitPlanFactory(
        account=account,
        planned_date=datetime.date(2026, 5, 1)
        if done
        else timezone.localdate() + datetime.timedelta(days=1),
        purpose=tok,
        created_by=account.owner,
        status=VisitPlan.Status.DONE if done else VisitPlan.Status.PLANNED,
    )
    _keep(org, plan, account, tok)
    if done:
        visit = _visit(org, account, author)
        Visit.objects.filter(pk=visit.pk).update(plan=plan, visit_date=plan.planned_date)
        org._record_author[(plan._meta.label, plan.pk)] = visit.logged_by_id
    return plan


def _touch(org: Org, account: Account, author: User | None = None) -> Touch:
    """A touch logged by `author` (default the owner)."""
    tok = token("To")
    author = author or account.owner
    touch = TouchFactory(
        account=account,
        type=TouchType.LETTER,
        date=datetime.date(2026, 5, 3),
        note=tok,
        created_by=author,
    )
    _keep(org, touch, account, tok)
    org._record_author[(touch._meta.label, touch.pk)] = author.pk
    return touch


def _reminder(org: Org, account: Account, recipient: User) -> Reminder:
    tok = token("Rm")
    today = timezone.localdate()
    # Every third account's reminder tells its recipient the account was taken from them.
    notice = account.pk % 3 == 0
    reminder = ReminderFactory(
        recipient=recipient,
        kind=Reminder.Kind.ACCOUNT_REASSIGNED if notice else Reminder.Kind.VISIT_DUE,
        subject=tok,
        occasion_code="reassigned_from" if notice else Reminder.Kind.VISIT_DUE,
        date=today,
        account=account,
        remind_on=today,
    )
    _keep(org, reminder, account, tok)
    org._record_recipient[(reminder._meta.label, reminder.pk)] = recipient.pk
    if notice:
        org._reassigned_notices.add(reminder.pk)
    return reminder


def _commitment(org: Org, account: Account, owner: User | None = None) -> Commitment:
    """A commitment owned by `owner` (default the account's owner; another user: as after a
    reassignment, or one a manager gave): visible to who sees its account or its owner. Every
    other one is overdue, every third done."""
    tok = token("Cm")
    owner = owner or account.owner
    done = account.pk % 3 == 0
    commitment = CommitmentFactory(
        account=account,
        title=tok,
        due_date=timezone.localdate() - datetime.timedelta(days=account.pk % 2),
        owner=owner,
        requested_by=account.owner,
        status=Commitment.Status.DONE if done else Commitment.Status.OPEN,
        done_at=timezone.now() if done else None,
    )
    _keep(org, commitment, account, tok)
    org._record_author[(commitment._meta.label, commitment.pk)] = owner.pk
    return commitment


def _intelligence_answer(org: Org, account: Account) -> IntelligenceAnswer:
    """An answer to a question of the intelligence outline (knowledge of the account: it
    follows the account, whoever wrote it)."""
    tok = token("Ia")
    answer = IntelligenceAnswerFactory(
        account=account, question=IntelligenceQuestionFactory(), text=tok
    )
    _keep(org, answer, account, tok)
    return answer


def _opportunity(org: Org, account: Account, owner: User | None = None) -> Opportunity:
    """A deal owned by `owner` (default the account's owner; another user: as after a
    reassignment): visible to who sees its account or its owner (the commitments' rule).
    Every other one is closed as won."""
    tok = token("Op")
    owner = owner or account.owner
    won = account.pk % 2 == 0
    deal = OpportunityFactory(
        account=account,
        name=tok,
        owner=owner,
        stage=Stage.objects.get(code="won" if won else "proposal"),
        status=Opportunity.Status.WON if won else Opportunity.Status.OPEN,
        closed_on=timezone.localdate() if won else None,
    )
    _keep(org, deal, account, tok)
    org._record_author[(deal._meta.label, deal.pk)] = owner.pk
    return deal


def _key_account_plan(org: Org, account: Account) -> KeyAccountPlan:
    """A key-account plan (one per account and year): it follows the account, whoever wrote
    it; the token is one of its strengths (the API and the plan page show them)."""
    tok = token("Kp")
    plan = KeyAccountPlanFactory(account=account, strengths=[tok])
    _keep(org, plan, account, tok)
    return plan


def _incumbent(org: Org, account: Account) -> AccountCompetitor:
    """An incumbent supplier of the account; the token is in its price notes (the competitor's
    name is reference data every user reads, so it carries none)."""
    tok = token("Ic")
    competitor = CompetitorFactory(name=f"Rival {next(_counter)}")
    incumbent = AccountCompetitor.objects.create(
        account=account,
        competitor=competitor,
        share=Decimal("30.00"),
        contract_end=timezone.localdate() + datetime.timedelta(days=60),
        price_notes=tok,
    )
    _keep(org, incumbent, account, tok)
    return incumbent


def _health_snapshot(org: Org, account: Account) -> HealthSnapshot:
    """Today's health of the account, low (so Today and the card show it). It has no text of
    its own, so its token is one no page shows: the card and the forecast are checked through
    the account's own token (its name), which an "accounts reassigned" reminder may show."""
    snapshot = HealthSnapshot.objects.create(
        account=account,
        day=timezone.localdate(),
        score=30,
        tier=account.tier,
        lateness_points=Decimal("30"),
        created_at=timezone.now(),
    )
    _keep(org, snapshot, account, token("Hs"))
    return snapshot


def _contract(org: Org, account: Account) -> Contract:
    """A contract of the account (its number is the token), owned by the account's owner, with
    a plan of one entry: it follows the account (receivables hang on the account's rule)."""
    tok = token("Cn")
    contract = Contract.objects.create(
        account=account,
        number=tok,
        amount=Decimal("100.00"),
        signed_on=datetime.date(2026, 5, 1),
        owner=account.owner,
        status=Contract.Status.ACTIVE,
    )
    contract.entries.create(
        position=1, amount=Decimal("100.00"), due_date=datetime.date(2026, 6, 1)
    )
    _keep(org, contract, account, tok)
    return contract


def _payment(org: Org, account: Account) -> Payment:
    """A payment received from the account (an advance: nothing to allocate it to); its
    reference is the token."""
    tok = token("Pm")
    payment = Payment.objects.create(
        account=account,
        received_on=datetime.date(2026, 5, 2),
        amount=Decimal("50.00"),
        reference=tok,
        is_advance=True,
    )
    _keep(org, payment, account, tok)
    return payment


# model label -> builder(org, account) that writes one record with a token; see module doc.
BUILDERS = {
    Contact._meta.label: _contact,
    Order._meta.label: _order,
    Prospect._meta.label: _prospect,
    Worksheet._meta.label: _worksheet,
    Visit._meta.label: _visit,
    VisitPlan._meta.label: _plan,
    Touch._meta.label: _touch,
    Reminder._meta.label: _reminder,
    Commitment._meta.label: _commitment,
    IntelligenceAnswer._meta.label: _intelligence_answer,
    Opportunity._meta.label: _opportunity,
    KeyAccountPlan._meta.label: _key_account_plan,
    AccountCompetitor._meta.label: _incumbent,
    HealthSnapshot._meta.label: _health_snapshot,
    Contract._meta.label: _contract,
    Payment._meta.label: _payment,
}
# Records drawn per account (a random subset), in this order.
EXTRA_LABELS = [
    Prospect._meta.label,
    Worksheet._meta.label,
    Visit._meta.label,
    VisitPlan._meta.label,
    Touch._meta.label,
    Reminder._meta.label,
    Commitment._meta.label,
    IntelligenceAnswer._meta.label,
    Opportunity._meta.label,
    KeyAccountPlan._meta.label,
    AccountCompetitor._meta.label,
    HealthSnapshot._meta.label,
    Contract._meta.label,
    Payment._meta.label,
]
# Models visible only to those who also see their recipient.
RECIPIENT_MODELS = {Reminder._meta.label: "recipient"}
# Models also visible to those who see their author (done work stays with who did it).
AUTHOR_MODELS = {
    Visit._meta.label: "logged_by",
    VisitPlan._meta.label: "visit__logged_by",
    Touch._meta.label: "created_by",
    # commitments: a rep keeps what they promised (commitments.selectors.commitment_scope_q)
    Commitment._meta.label: "owner",
    # opportunities: the same rule (opportunities.selectors.opportunity_scope_q)
    Opportunity._meta.label: "owner",
}


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
        team = TeamFactory(name=token("T"), manager=manager)
        managers_of[team.pk] = {manager.pk} if manager else set()
        for _ in range(t["reps"]):
            new_user(User.Role.REP, team=team)
    if spec["double_manager"] and first_manager is not None:
        spare = TeamFactory(name=token("T"), manager=first_manager)
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
    for owner_index, n_contacts, n_orders, extras, recipient_index in spec["accounts"]:
        owner = owners[owner_index % len(owners)]
        tok = token("Acct")
        account = AccountFactory(
            name=tok, normalized_name=tok.lower(), owner=owner, lifecycle="potential"
        )
        org.accounts[account.pk] = owner.pk
        org.tokens[(Account._meta.label, account.pk)] = tok
        for _ in range(n_contacts):
            _contact(org, account)
        for _ in range(n_orders):
            _order(org, account)
        for label in EXTRA_LABELS:
            if label not in extras:
                continue
            if label == Reminder._meta.label:
                _reminder(org, account, owners[recipient_index % len(owners)])
            elif label in AUTHOR_MODELS:
                BUILDERS[label](org, account, owners[recipient_index % len(owners)])
            else:
                BUILDERS[label](org, account)
    account_ids = list(org.accounts)
    for account_index, user_index, edit in spec.get("members", []):
        account_id = account_ids[account_index % len(account_ids)]
        member = owners[user_index % len(owners)]
        if member.pk not in org.members.setdefault(account_id, set()):
            row = AccountTeamMemberFactory(
                account=Account.objects.get(pk=account_id),
                user=member,
                access=AccountTeamMember.Access.EDIT if edit else AccountTeamMember.Access.READ,
            )
            org.members[account_id].add(member.pk)
            org.team_rows[row.pk] = account_id
            if edit:
                org.editors.setdefault(account_id, set()).add(member.pk)
    parents: dict[int, int] = {}
    for child_index, parent_index in spec.get("parents", []):
        child = account_ids[child_index % len(account_ids)]
        parent = account_ids[parent_index % len(account_ids)]
        ancestor: int | None = parent
        while ancestor is not None and ancestor != child:
            ancestor = parents.get(ancestor)
        if ancestor is None:  # no cycle: the chain above the parent does not reach the child
            parents[child] = parent
    for child, parent in parents.items():
        Account.objects.filter(pk=child).update(parent_id=parent)
    return org
