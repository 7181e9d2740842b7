"""The buying centre (采购中心): who reports to whom at a customer, their stance towards us,
their influence, when each was last reached, the card's org chart and the warnings.

Accounts sit below visits, commitments and opportunities, so the facts those apps hold reach
this module by registration, never by import (as `visits.digest` does for the digest):

- a **contact source** (visits: contacts met on a visit, touches to a contact; commitments:
  commitments done for a contact) answers, for a queryset of contacts, the latest day each
  was reached, in one grouped query (`contact_source_register`);
- an **open-deal source** (opportunities) answers which of some accounts have an open deal
  (`open_deal_source_register`); a caller that already knows may pass the set instead.

Every function here takes accounts or contacts the caller has already narrowed through the
one visibility rule (`accounts_visible_to`, `account_get_visible`).
"""

import datetime
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, AccountSettings, Contact

# A contact source: contacts (a queryset, used as a subquery) -> rows {"contact_id", "day"},
# one per contact reached, `day` the latest date (a grouped query).
ContactSource = Callable[[QuerySet[Contact, Any]], QuerySet[Any]]
# An open-deal source: account ids (a collection or a queryset of ids) -> the ids among them
# with at least one open deal.
OpenDealSource = Callable[[Any], set[int]]

_contact_sources: dict[str, ContactSource] = {}
_open_deal_sources: dict[str, OpenDealSource] = {}


def contact_source_register(key: str, source: ContactSource) -> None:
    """Count `source` in every last-contact date (once per key: a second one replaces it)."""
    _contact_sources[key] = source


def contact_sources() -> list[ContactSource]:
    """The registered contact sources (for a caller that joins them in its own SQL, such as
    the nightly account health: each answers a grouped queryset it can use as a subquery)."""
    return list(_contact_sources.values())


def open_deal_source_register(key: str, source: OpenDealSource) -> None:
    """Ask `source` which accounts have an open deal (once per key)."""
    _open_deal_sources[key] = source


# --- Last contact -----------------------------------------------------------------------------


def contacts_last_contact(contacts: QuerySet[Contact, Any]) -> dict[int, datetime.date]:
    """The latest day each of `contacts` was reached (met on a visit, touched, a commitment to
    them done), derived, never typed. One grouped query per registered source, whatever the
    number of contacts; contacts never reached are absent."""
    latest: dict[int, datetime.date] = {}
    for source in _contact_sources.values():
        for row in source(contacts.values("pk")):
            day = row["day"]
            if day is not None and (
                row["contact_id"] not in latest or latest[row["contact_id"]] < day
            ):
                latest[row["contact_id"]] = day
    return latest


def accounts_last_contact(account_ids: Any) -> dict[int, datetime.date]:
    """`contacts_last_contact` for every contact of many accounts (ids or a queryset of ids)."""
    return contacts_last_contact(Contact.objects.filter(account_id__in=account_ids))


# --- Warnings ---------------------------------------------------------------------------------


class WarningCode:
    DECISION_MAKER_UNMET = "decision_maker_unmet"
    BLOCKER_ON_OPEN_DEAL = "blocker_on_open_deal"
    CHAMPION_LEFT = "champion_left"


@dataclass(frozen=True)
class BuyingCentreWarning:
    account_id: int
    code: str
    message: str | Promise
    contact_id: int | None = None


def accounts_with_open_deal(account_ids: Any) -> set[int]:
    """The ids among `account_ids` with an open deal, by the registered sources."""
    found: set[int] = set()
    for source in _open_deal_sources.values():
        found |= source(account_ids)
    return found


def _decision_maker_warnings(
    tiers: dict[int, str],
    makers: list[Any],
    last: dict[int, datetime.date],
    today: datetime.date,
) -> list[BuyingCentreWarning]:
    """No active decision maker met in the tier's number of days (none at all counts too)."""
    settings = AccountSettings.load()
    met_on: dict[int, datetime.date] = {}
    for maker in makers:
        day = last.get(maker["id"])
        if day is not None and (
            maker["account_id"] not in met_on or met_on[maker["account_id"]] < day
        ):
            met_on[maker["account_id"]] = day
    found = []
    for account_id, tier in tiers.items():
        days = settings.decision_maker_days_for(tier)
        day = met_on.get(account_id)
        if day is None or (today - day).days > days:
            found.append(
                BuyingCentreWarning(
                    account_id,
                    WarningCode.DECISION_MAKER_UNMET,
                    _("No decision maker met in the last %(days)d days.") % {"days": days},
                )
            )
    return found


def buying_centre_warnings(
    account_ids: Collection[int] | QuerySet[Any],
    *,
    open_deal_account_ids: Iterable[int] | None = None,
    today: datetime.date | None = None,
) -> dict[int, list[BuyingCentreWarning]]:
    """The buying centre's warnings of many accounts, set-based (a fixed number of queries):
    no decision maker met in the tier's number of days (AccountSettings), an active blocker
    with high influence on an account with an open deal, a champion who left. The open deals
    come from `open_deal_account_ids` when the caller knows them, else from the registered
    sources. Accounts without a warning are absent."""
    today = today or timezone.localdate()
    tiers = dict(Account.objects.filter(pk__in=account_ids).values_list("pk", "tier"))
    if not tiers:
        return {}
    people = list(
        Contact.objects.filter(account_id__in=list(tiers))
        .filter(
            Q(role=Contact.Role.DECISION_MAKER, is_active=True)
            | Q(stance=Contact.Stance.BLOCKER, influence=Contact.Influence.HIGH, is_active=True)
            | Q(stance=Contact.Stance.CHAMPION, is_active=False)
        )
        .order_by("account_id", "name", "pk")
        .values("id", "account_id", "name", "role", "stance", "is_active")
    )
    makers = [p for p in people if p["role"] == Contact.Role.DECISION_MAKER and p["is_active"]]
    last = contacts_last_contact(Contact.objects.filter(pk__in=[m["id"] for m in makers]))
    found = _decision_maker_warnings(tiers, makers, last, today)
    blockers = [p for p in people if p["stance"] == Contact.Stance.BLOCKER and p["is_active"]]
    if blockers:
        with_deal = (
            set(open_deal_account_ids)
            if open_deal_account_ids is not None
            else accounts_with_open_deal(list({b["account_id"] for b in blockers}))
        )
        found += [
            BuyingCentreWarning(
                b["account_id"],
                WarningCode.BLOCKER_ON_OPEN_DEAL,
                _("%(name)s, a blocker with high influence, can stop the open deal.")
                % {"name": b["name"]},
                b["id"],
            )
            for b in blockers
            if b["account_id"] in with_deal
        ]
    found += [
        BuyingCentreWarning(
            p["account_id"],
            WarningCode.CHAMPION_LEFT,
            _("%(name)s, our champion, has left the customer.") % {"name": p["name"]},
            p["id"],
        )
        for p in people
        if p["stance"] == Contact.Stance.CHAMPION and not p["is_active"]
    ]
    by_account: dict[int, list[BuyingCentreWarning]] = defaultdict(list)
    for warning in found:
        by_account[warning.account_id].append(warning)
    return dict(by_account)


# --- The org chart ----------------------------------------------------------------------------

NODE_WIDTH = 150
NODE_HEIGHT = 58
GAP_X = 14
GAP_Y = 36
MARGIN = 8
# Fill and text colour per stance; the legend uses the same (colour is never the only cue:
# each box also says its stance in words).
STANCE_COLOURS: dict[str, tuple[str, str]] = {
    Contact.Stance.CHAMPION: ("#1a7f37", "#ffffff"),
    Contact.Stance.SUPPORTER: ("#8fd19e", "#0b3d17"),
    Contact.Stance.NEUTRAL: ("#d0d7de", "#1f2328"),
    Contact.Stance.BLOCKER: ("#cf222e", "#ffffff"),
    "": ("#ffffff", "#1f2328"),
}
INFLUENCE_STROKE: dict[str, int] = {Contact.Influence.HIGH: 4, Contact.Influence.MEDIUM: 2}


@dataclass
class ChartNode:
    contact: Contact
    x: int
    y: int
    fill: str
    text: str
    stroke_width: int
    last_contact: datetime.date | None
    unmet: bool
    days_unmet: int | None

    @property
    def cx(self) -> int:
        return self.x + NODE_WIDTH // 2

    @property
    def text_x(self) -> int:
        return self.x + 8


@dataclass(frozen=True)
class ChartEdge:
    x1: int
    y1: int
    x2: int
    y2: int


@dataclass
class BuyingCentreChart:
    nodes: list[ChartNode]
    edges: list[ChartEdge]
    width: int
    height: int
    left: list[ChartNode]
    unmet_days: int
    warnings: list[BuyingCentreWarning] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)

    @property
    def options(self) -> list[Contact]:
        """Whom an active person may report to: the other active people."""
        return [n.contact for n in self.nodes]


def _tree(active: list[Contact]) -> tuple[list[Contact], dict[int, list[Contact]]]:
    """Roots and children. A person whose manager left (or is elsewhere) is a root; people on
    a cycle that older data might hold are put at the top, so each is drawn exactly once."""
    ids = {c.pk for c in active}
    children: dict[int, list[Contact]] = defaultdict(list)
    roots = []
    for c in active:
        boss = c.reports_to_id
        if boss is not None and boss in ids and boss != c.pk:
            children[boss].append(c)
        else:
            roots.append(c)
    reached = set()
    stack = list(roots)
    while stack:
        c = stack.pop()
        reached.add(c.pk)
        stack.extend(children[c.pk])
    for c in active:
        if c.pk not in reached:  # on a cycle: cut it here
            roots.append(c)
            boss = c.reports_to_id or 0
            children[boss] = [k for k in children[boss] if k.pk != c.pk]
            stack = [c]
            while stack:
                k = stack.pop()
                reached.add(k.pk)
                stack.extend(children[k.pk])
    return roots, children


def _layout(active: list[Contact]) -> tuple[dict[int, tuple[int, int]], int, int]:
    """A tidy tree: leaves take consecutive columns, a manager sits above the middle of their
    reports; depth gives the row. Iterative (no recursion limit on a long chain)."""
    roots, children = _tree(active)
    column: dict[int, float] = {}
    depth: dict[int, int] = {}
    next_column = 0
    # (contact, depth, children done?) in post-order
    stack: list[tuple[Contact, int, bool]] = [(r, 0, False) for r in reversed(roots)]
    while stack:
        c, d, done = stack.pop()
        depth[c.pk] = d
        kids = children[c.pk]
        if not kids:
            column[c.pk] = next_column
            next_column += 1
        elif done:
            column[c.pk] = (column[kids[0].pk] + column[kids[-1].pk]) / 2
        else:
            stack.append((c, d, True))
            stack.extend((k, d + 1, False) for k in reversed(kids))
    rows = max(depth.values(), default=-1) + 1
    where = {
        pk: (
            MARGIN + round(column[pk] * (NODE_WIDTH + GAP_X)),
            MARGIN + depth[pk] * (NODE_HEIGHT + GAP_Y),
        )
        for pk in column
    }
    width = MARGIN * 2 + max(next_column, 1) * (NODE_WIDTH + GAP_X) - GAP_X
    height = MARGIN * 2 + max(rows, 1) * (NODE_HEIGHT + GAP_Y) - GAP_Y
    return where, width, height


def _node(
    contact: Contact, x: int, y: int, last: datetime.date | None, today: datetime.date, days: int
) -> ChartNode:
    fill, text = STANCE_COLOURS.get(contact.stance, STANCE_COLOURS[""])
    since = (today - last).days if last is not None else None
    return ChartNode(
        contact=contact,
        x=x,
        y=y,
        fill=fill,
        text=text,
        stroke_width=INFLUENCE_STROKE.get(contact.influence, 1),
        last_contact=last,
        unmet=since is None or since > days,
        days_unmet=since,
    )


def buying_centre_chart(
    account: Account, *, today: datetime.date | None = None
) -> BuyingCentreChart:
    """The card's org chart of `account` (already checked visible): boxes placed as a tree,
    coloured by stance, outlined by influence, marked when not met for the setting's number of
    days; the people who left listed apart; the account's warnings."""
    today = today or timezone.localdate()
    days = AccountSettings.load().contact_unmet_days
    people = list(account.contacts.order_by("name", "pk"))
    last = contacts_last_contact(account.contacts.all())
    active = [c for c in people if c.is_active]
    where, width, height = _layout(active)
    nodes = [_node(c, *where[c.pk], last.get(c.pk), today, days) for c in active]
    at = {n.contact.pk: n for n in nodes}
    edges = [
        ChartEdge(at[boss].cx, at[boss].y + NODE_HEIGHT, n.cx, n.y)
        for n in nodes
        if (boss := n.contact.reports_to_id) in at and boss != n.contact.pk
    ]
    nodes.sort(key=lambda n: (n.y, n.x))
    left = [_node(c, 0, 0, last.get(c.pk), today, days) for c in people if not c.is_active]
    return BuyingCentreChart(
        nodes=nodes,
        edges=edges,
        width=width,
        height=height,
        left=left,
        unmet_days=days,
        warnings=buying_centre_warnings([account.pk], today=today).get(account.pk, []),
        legend=[(STANCE_COLOURS[value][0], str(label)) for value, label in Contact.Stance.choices],
    )
