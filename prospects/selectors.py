"""Reads of prospects and worksheets, always through the visibility rule.

Interfaces used by scoring and visits (keep names and shapes):
`latest_worksheet_totals` and `abandoned_account_ids`. The manager dashboard reuses the
plain-data selectors `pipeline_counts_by_rep`, `pipeline_counts_by_team`, `prospect_settings`,
`worksheet_score_distribution` and `accounts_missing_decision_maker`.
"""

import datetime
import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NotRequired, TypedDict, TypeVar

from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from accounts.models import Account, AccountCompetitor, Contact
from accounts.selectors import account_name_search_q, account_scope_q, accounts_visible_to
from crm.models import User
from crm.selectors import (
    OwnerRef,
    TeamRef,
    TerritoryRef,
    Viewer,
    teams_visible_to,
    users_visible_to,
)
from prospects.models import (
    CRITERIA,
    CRITERION_FIELDS,
    Colour,
    Prospect,
    ProspectQuerySet,
    ProspectSettings,
    SubStage,
    Worksheet,
)

COMPARE_MAX = 20
BOARD_CARDS_PER_COLUMN = 50
COLOUR_ORDER = [Colour.GREEN, Colour.YELLOW, Colour.RED]

_QS = TypeVar("_QS", bound=QuerySet[Any])


def _pk(value: Any) -> Any:
    return getattr(value, "pk", value)


# --- interfaces for scoring and visits ---------------------------------------------------


def latest_worksheet_totals() -> QuerySet:
    """Dicts `account_id`, `total` (0–7) of each account's latest worksheet.

    One row per account that has a worksheet; a plain filter on the current flag (kept by
    `worksheet_create`, one per account by a partial unique constraint), so it stays one
    index-friendly query and composes as a subquery.
    """
    return Worksheet.objects.filter(is_current=True).order_by().values("account_id", "total")


def abandoned_account_ids() -> QuerySet:
    """Ids of accounts whose prospect decision is "abandon" (they get no visit plans)."""
    return Prospect.objects.abandoned().order_by().values_list("account_id", flat=True)


# --- settings ----------------------------------------------------------------------------


def prospect_settings() -> ProspectSettings:
    return ProspectSettings.load()


def rep_shares(
    owner_ids: list[int], settings: ProspectSettings | None = None
) -> dict[int, tuple[int, int]]:
    """Per rep: (accounts they own, their share), the share being the open prospects they
    should hold: each account counts with its industry's ratio where an admin set one, else
    the general ratio; the sum is rounded up (DOMAIN.md, "Pipeline minimum and rep share").

    One grouped query (accounts by owner and industry); reps without accounts are left out.
    """
    settings = settings or prospect_settings()
    rows = (
        Account.objects.filter(owner_id__in=owner_ids)
        .order_by()
        .values_list("owner_id", "industry")
        .annotate(n=Count("id"))
    )
    accounts: dict[int, int] = {}
    wanted: dict[int, Decimal] = {}
    for owner_id, industry, n in rows:
        accounts[owner_id] = accounts.get(owner_id, 0) + n
        wanted[owner_id] = wanted.get(owner_id, Decimal(0)) + n * settings.ratio_for(industry)
    return {owner_id: (accounts[owner_id], math.ceil(wanted[owner_id])) for owner_id in accounts}


# --- prospects ---------------------------------------------------------------------------


def current_score_subquery(account_ref: str = "account_id") -> Subquery:
    return Subquery(
        Worksheet.objects.filter(account_id=OuterRef(account_ref), is_current=True).values("total")[
            :1
        ]
    )


def decision_maker_exists(account_ref: str = "account_id") -> Exists:
    return Exists(
        Contact.objects.filter(account_id=OuterRef(account_ref), role=Contact.Role.DECISION_MAKER)
    )


def prospects_visible_to(user: Viewer) -> QuerySet[Prospect]:
    return Prospect.objects.filter(account_scope_q(user, account_path="account__"))


def prospect_list(user: Viewer) -> QuerySet[Prospect]:
    """Prospects `user` sees, with the account, owner, sub-stage and current score."""
    return (
        prospects_visible_to(user)
        .select_related("account", "account__owner", "account__territory", "sub_stage")
        .annotate(score=current_score_subquery(), has_decision_maker=decision_maker_exists())
    )


def prospect_get_visible(user: Viewer, pk: int | str) -> Prospect | None:
    """The prospect if `user` sees its account; None otherwise."""
    return prospect_list(user).filter(pk=pk).first()


def prospect_for_account(account: Account) -> Prospect | None:
    return Prospect.objects.select_related("sub_stage").filter(account=account).first()


def sub_stages(colour: str | None = None) -> QuerySet[SubStage]:
    qs = SubStage.objects.filter(is_active=True)
    return qs.filter(colour=colour) if colour else qs


@dataclass
class BoardColumn:
    colour: str
    label: str | Promise
    count: int
    cards: list = field(default_factory=list)

    @property
    def more(self) -> int:
        return max(0, self.count - len(self.cards))


def pipeline_board(queryset: ProspectQuerySet) -> list[BoardColumn]:
    """Columns green → yellow → red of active prospects from `queryset` (already filtered
    through the visibility rule): per colour its count and the first cards, best score first."""
    active = queryset.active()
    counts = dict(
        active.order_by().values_list("colour").annotate(n=Count("id")).values_list("colour", "n")
    )
    columns = []
    for colour in COLOUR_ORDER:
        cards = list(
            active.filter(colour=colour).order_by(
                F("score").desc(nulls_last=True), "account__name", "id"
            )[:BOARD_CARDS_PER_COLUMN]
        )
        columns.append(
            BoardColumn(
                colour=colour, label=Colour(colour).label, count=counts.get(colour, 0), cards=cards
            )
        )
    return columns


# --- pipeline health ---------------------------------------------------------------------


def _open_counts_by_owner(owner_ids: list[int]) -> dict[int, dict[str, int]]:
    rows = (
        Prospect.objects.active()
        .filter(account__owner_id__in=owner_ids)
        .order_by()
        .values("account__owner_id", "colour")
        .annotate(n=Count("id"))
    )
    result: dict[int, dict[str, int]] = {}
    for row in rows:
        result.setdefault(row["account__owner_id"], {})[row["colour"]] = row["n"]
    return result


def pipeline_counts_by_rep(
    *,
    user: User,
    team: TeamRef = None,
    territory: TerritoryRef = None,
    owner: OwnerRef = None,
    settings: ProspectSettings | None = None,
) -> list[dict]:
    """Per rep `user` sees (filtered by the rep's team, the rep's territory or the rep):
    active prospects by colour and the open count (green + yellow) against the rep's share.

    Dicts: `owner_id`, `username`, `name`, `team_id`, `green`, `yellow`, `red`, `open`,
    `accounts` (the rep owns), `share` (open prospects the rep should hold, see `rep_shares`),
    `below` (open < share), `shortfall`. Reps with no prospect are listed too, since they are
    the furthest below. Ordered by open count, then username. `settings`: the prospect
    settings when the caller has already read them (saves a query).
    """
    reps = users_visible_to(user).filter(role=User.Role.REP, is_active=True)
    if team is not None:
        reps = reps.filter(team_id=_pk(team))
    if territory is not None:
        reps = reps.filter(territory_id=_pk(territory))
    if owner is not None:
        reps = reps.filter(pk=_pk(owner))
    rep_rows = list(reps.values("id", "username", "first_name", "last_name", "team_id"))
    rep_ids = [r["id"] for r in rep_rows]
    counts = _open_counts_by_owner(rep_ids)
    shares = rep_shares(rep_ids, settings)
    result = []
    for rep in rep_rows:
        by_colour = counts.get(rep["id"], {})
        green, yellow, red = (by_colour.get(c, 0) for c in COLOUR_ORDER)
        open_count = green + yellow
        accounts, share = shares.get(rep["id"], (0, 0))
        full_name = f"{rep['first_name']} {rep['last_name']}".strip()
        result.append(
            {
                "owner_id": rep["id"],
                "username": rep["username"],
                "name": full_name or rep["username"],
                "team_id": rep["team_id"],
                "green": green,
                "yellow": yellow,
                "red": red,
                "open": open_count,
                "accounts": accounts,
                "share": share,
                "below": open_count < share,
                "shortfall": max(0, share - open_count),
            }
        )
    result.sort(key=lambda r: (r["open"], r["username"]))
    return result


def pipeline_counts_by_team(
    *, user: User, team: TeamRef = None, territory: TerritoryRef = None
) -> list[dict]:
    """For a manager or an admin: per team they see (or the one `team`, or the teams of one
    `territory`), the open prospects (green + yellow, not abandoned) of accounts its members
    own against the team's pipeline minimum (crm.Team.pipeline_minimum). Reps get none: the
    floor is the team's, and their book is their own accounts.

    Dicts: `team_id`, `name`, `minimum`, `open`, `below` (open < minimum), `shortfall`.
    Ordered by shortfall (largest first), then name. One grouped query for the counts.
    """
    if user is None or not user.is_authenticated or not user.can_manage:
        return []
    teams = teams_visible_to(user)
    if team is not None:
        teams = teams.filter(pk=_pk(team))
    if territory is not None:
        teams = teams.filter(territory_id=_pk(territory))
    team_rows = list(teams.values("id", "name", "pipeline_minimum"))
    counts = dict(
        Prospect.objects.open()
        .filter(account_scope_q(user, account_path="account__"))
        .filter(account__owner__team_id__in=[t["id"] for t in team_rows])
        .order_by()
        .values_list("account__owner__team_id")
        .annotate(n=Count("id"))
        .values_list("account__owner__team_id", "n")
    )
    result = []
    for row in team_rows:
        open_count = counts.get(row["id"], 0)
        minimum = row["pipeline_minimum"]
        result.append(
            {
                "team_id": row["id"],
                "name": row["name"],
                "minimum": minimum,
                "open": open_count,
                "below": open_count < minimum,
                "shortfall": max(0, minimum - open_count),
            }
        )
    result.sort(key=lambda r: (-r["shortfall"], r["name"]))
    return result


def rep_pipeline_status(user: User) -> dict | None:
    """The caller's own open prospects against their share (None for who owns no book:
    managers and admins see their teams' figures instead)."""
    if user is None or not user.is_authenticated or user.role != User.Role.REP:
        return None
    rows = pipeline_counts_by_rep(user=user, owner=user)
    return rows[0] if rows else None


def reps_below_share(user: User) -> list[dict]:
    """For a manager or admin: the reps in their scope who are below their share."""
    if user is None or not user.is_authenticated or not user.can_manage:
        return []
    return [row for row in pipeline_counts_by_rep(user=user) if row["below"]]


def teams_below_minimum(user: User) -> list[dict]:
    """For a manager or admin: the teams in their scope below their pipeline minimum."""
    return [row for row in pipeline_counts_by_team(user=user) if row["below"]]


def _account_filters(
    qs: _QS, *, path: str, team: TeamRef, territory: TerritoryRef, owner: OwnerRef
) -> _QS:
    if team is not None:
        qs = qs.filter(**{f"{path}owner__team_id": _pk(team)})
    if territory is not None:
        qs = qs.filter(**{f"{path}territory_id": _pk(territory)})
    if owner is not None:
        qs = qs.filter(**{f"{path}owner_id": _pk(owner)})
    return qs


def worksheet_score_distribution(
    *, user: User, team: TeamRef = None, territory: TerritoryRef = None, owner: OwnerRef = None
) -> list[dict]:
    """How many visible accounts have each current total 0…7 (the account's territory and
    owner, the owner's team): dicts `total`, `accounts`, every total present."""
    qs = Worksheet.objects.current().filter(account_scope_q(user, account_path="account__"))
    qs = _account_filters(qs, path="account__", team=team, territory=territory, owner=owner)
    counts = dict(
        qs.order_by().values_list("total").annotate(n=Count("id")).values_list("total", "n")
    )
    return [{"total": t, "accounts": counts.get(t, 0)} for t in range(len(CRITERIA) + 1)]


def accounts_missing_decision_maker(
    *, user: User, team: TeamRef = None, territory: TerritoryRef = None, owner: OwnerRef = None
) -> QuerySet[Account]:
    """Coverage warning: A-tier accounts and yellow (active) prospects that have no contact
    whose role is decision maker. Annotated with `prospect_colour`."""
    yellow = Q(prospect__colour=Colour.YELLOW) & ~Q(prospect__decision=Prospect.Decision.ABANDON)
    qs = (
        accounts_visible_to(user)
        .filter(Q(tier="A") | yellow)
        .filter(~decision_maker_exists("pk"))
        .select_related("owner", "territory")
        .annotate(
            prospect_colour=Subquery(
                Prospect.objects.filter(account_id=OuterRef("pk")).values("colour")[:1]
            )
        )
        .order_by("tier", "name", "id")
    )
    return _account_filters(qs, path="", team=team, territory=territory, owner=owner)


def account_needs_decision_maker(account: Account, prospect: Prospect | None) -> bool:
    relevant = account.tier == "A" or (
        prospect is not None and prospect.colour == Colour.YELLOW and not prospect.is_abandoned
    )
    if not relevant:
        return False
    return not account.contacts.filter(role=Contact.Role.DECISION_MAKER).exists()


# --- worksheets --------------------------------------------------------------------------


def worksheets_visible_to(user: Viewer) -> QuerySet[Worksheet]:
    return Worksheet.objects.filter(account_scope_q(user, account_path="account__"))


def worksheet_get_visible(user: User, pk: int | str) -> Worksheet | None:
    return worksheets_visible_to(user).select_related("account", "author").filter(pk=pk).first()


def current_worksheet(account: Account) -> Worksheet | None:
    return (
        Worksheet.objects.select_related("author")
        .filter(account=account, is_current=True)[:1]
        .first()
    )


def worksheet_history(account: Account, *, limit: int = 100) -> list[dict]:
    """The account's worksheets, newest first, each with the change from the one before:
    dicts `worksheet`, `delta` (total change, None for the first) and `changed` (criteria)."""
    worksheets = list(
        Worksheet.objects.filter(account=account)
        .select_related("author")
        .history_order()[: limit + 1]
    )
    history = []
    for i, worksheet in enumerate(worksheets[:limit]):
        previous = worksheets[i + 1] if i + 1 < len(worksheets) else None
        history.append(
            {
                "worksheet": worksheet,
                "delta": None if previous is None else worksheet.total - previous.total,
                "changed": []
                if previous is None
                else [
                    c for c in CRITERIA if getattr(worksheet, c.field) != getattr(previous, c.field)
                ],
            }
        )
    return history


class CompareColumn(TypedDict):
    account: Account
    worksheet: Worksheet | None
    total: int | None
    rank: NotRequired[int | None]


def worksheet_compare(*, user: User, account_ids: list[int]) -> dict | None:
    """Side-by-side comparison of up to COMPARE_MAX accounts `user` sees (None if one is not:
    the caller answers 404).

    Columns: accounts ranked by their current total, highest first; ties (and accounts with
    no worksheet, last) ordered by name then id, so the order never depends on the database.
    `rank` is the competition rank (1, 2, 2, 4). Rows: one per criterion with each column's
    score, word and note.
    """
    ids = list(dict.fromkeys(int(i) for i in account_ids))
    if len(ids) > COMPARE_MAX:
        raise ValueError(f"at most {COMPARE_MAX} accounts")
    accounts = {a.pk: a for a in accounts_visible_to(user).filter(pk__in=ids)}
    if len(accounts) != len(ids):
        return None
    worksheets = {
        w.account_id: w
        for w in Worksheet.objects.current().filter(account_id__in=ids).select_related("author")
    }
    columns: list[CompareColumn] = [
        {
            "account": account,
            "worksheet": worksheets.get(pk),
            "total": worksheets[pk].total if pk in worksheets else None,
        }
        for pk, account in accounts.items()
    ]
    columns.sort(
        key=lambda c: (
            c["total"] is None,
            -(c["total"] or 0),
            c["account"].name,
            c["account"].pk,
        )
    )
    previous_total: object = object()
    for position, column in enumerate(columns, 1):
        if column["total"] is None:
            column["rank"] = None
            continue
        if column["total"] != previous_total:
            rank = position
            previous_total = column["total"]
        column["rank"] = rank
    rows = []
    for criterion in CRITERIA:
        cells = []
        for column in columns:
            worksheet = column["worksheet"]
            if worksheet is None:
                cells.append({"score": None, "word": "", "note": ""})
                continue
            score = getattr(worksheet, criterion.field)
            cells.append(
                {
                    "score": score,
                    "word": criterion.one if score else criterion.zero,
                    "note": getattr(worksheet, criterion.note_field),
                }
            )
        rows.append({"criterion": criterion, "cells": cells})
    return {"columns": columns, "rows": rows, "criteria": CRITERION_FIELDS}


def compare_candidates(user: User, query: str, *, limit: int = 10) -> QuerySet[Account]:
    """Accounts to add to a comparison: visible ones whose name contains `query`."""
    query = query.strip()
    if not query:
        return Account.objects.none()
    return (
        accounts_visible_to(user)
        .filter(account_name_search_q(query))
        .order_by("name", "id")[:limit]
    )


# --- the loyalty proposal ---------------------------------------------------------------------


@dataclass(frozen=True)
class LoyaltyProposal:
    """Loyalty to a competitor as the account's incumbent suppliers suggest it: `loyalty`
    (Prospect.Loyalty: high or low), the `reasons` in words, and whether any fact was
    recorded at all (`has_facts`: without one the proposal is low by default, and a rep's
    other choice needs no reason)."""

    loyalty: str
    reasons: list[str]
    has_facts: bool
    share: Decimal | None
    latest_contract_end: datetime.date | None

    @property
    def label(self) -> str:
        return str(Prospect.Loyalty(self.loyalty).label)


def _percent(value: Decimal) -> str:
    """50.00 as "50", 12.50 as "12.5"."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def loyalty_proposal(
    account_id: int,
    *,
    settings: ProspectSettings | None = None,
    today: datetime.date | None = None,
) -> LoyaltyProposal:
    """High when the incumbents together hold at least `loyalty_high_share` % of the
    customer's spend, or one's contract ends more than `loyalty_high_contract_days` from
    `today`; else low. One query."""
    settings = settings or ProspectSettings.load()
    today = today or timezone.localdate()
    facts = AccountCompetitor.objects.filter(account_id=account_id).aggregate(
        incumbents=Count("pk"), share=Sum("share"), latest=Max("contract_end")
    )
    share, latest = facts["share"], facts["latest"]
    horizon = today + datetime.timedelta(days=settings.loyalty_high_contract_days)
    reasons: list[str] = []
    if share is not None and share >= settings.loyalty_high_share:
        reasons.append(
            _("Competitors hold %(share)s%% of the customer's spend (high from %(limit)s%%).")
            % {"share": _percent(share), "limit": _percent(settings.loyalty_high_share)}
        )
    if latest is not None and latest > horizon:
        reasons.append(
            _("An incumbent's contract runs until %(end)s, more than %(days)d days ahead.")
            % {"end": latest.isoformat(), "days": settings.loyalty_high_contract_days}
        )
    if reasons:
        return LoyaltyProposal(Prospect.Loyalty.HIGH, reasons, True, share, latest)
    if not facts["incumbents"]:
        reasons.append(_("No incumbent supplier is recorded on the account."))
    else:
        reasons.append(
            _(
                "Competitors hold %(share)s%% of the customer's spend (below %(limit)s%%) and "
                "no incumbent's contract runs more than %(days)d days ahead."
            )
            % {
                "share": _percent(share or Decimal(0)),
                "limit": _percent(settings.loyalty_high_share),
                "days": settings.loyalty_high_contract_days,
            }
        )
    return LoyaltyProposal(Prospect.Loyalty.LOW, reasons, bool(facts["incumbents"]), share, latest)
