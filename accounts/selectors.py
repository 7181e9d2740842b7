"""Reads of accounts, contacts and orders, always through the visibility rule."""

import datetime
from decimal import Decimal
from typing import NamedTuple

from django.contrib.postgres.expressions import ArraySubquery
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import (
    Account,
    AccountCompetitor,
    AccountTeamMember,
    Competitor,
    Contact,
    Order,
)
from accounts.normalize import name_search_narrowing, normalize_account_name
from crm.models import User
from crm.selectors import NOTHING, EqualsAny, Viewer, owner_scope_q


def account_scope_q(
    user: Viewer, *, account_path: str = "", by_id: bool = False, write: bool = False
) -> Q:
    """THE visibility rule of accounts: Q for records whose account (reached by `account_path`,
    e.g. "account__") `user` sees. An account is seen by whoever sees its owner's book
    (crm.selectors.owner_scope_q: the rep, the rep's manager, admins), and by the members of
    its account team (AccountTeamMember) and whoever sees those members' books. An empty Q
    means every account (an admin).

    `by_id` (with an `account_path`): the same rule as "the record's account id is one of the
    visible accounts' ids" (`account = ANY(ARRAY(…))`, computed once), so that an index on the
    records' account serves it, also inside an OR, instead of a join with every account.

    `write=True` is the same rule for changing the account itself (account_update): the
    owner's book as above, and only the members with "edit" access (and whoever sees their
    books); a "read" member sees the account but may not change it."""
    by_owner = owner_scope_q(user, owner_path=f"{account_path}owner", as_array=by_id)
    if not by_owner or by_owner == NOTHING:
        return by_owner
    if by_id and account_path:
        visible = Account.objects.filter(account_scope_q(user, by_id=True, write=write))
        return Q(
            EqualsAny(
                F(account_path.removesuffix("__")), ArraySubquery(visible.values("id").order_by())
            )
        )
    memberships = AccountTeamMember.objects.filter(
        owner_scope_q(user, owner_path="user", as_array=by_id)
    )
    if write:
        memberships = memberships.filter(access=AccountTeamMember.Access.EDIT)
    as_member = EqualsAny(
        F(f"{account_path}id"), ArraySubquery(memberships.values("account_id").order_by())
    )
    return by_owner | Q(as_member)


def account_name_search_q(query: str, *, account_path: str = "") -> Q:
    """Q for records whose account's name contains `query` (any case), or whose normalized
    name contains the normalized query (“华为技术有限公司” finds 华为技术股份有限公司).

    Written so that PostgreSQL finds the matches through one trigram index, that of the
    normalized name: every match's normalized name contains `name_search_narrowing(query)`."""
    query = query.strip()
    normalized = normalize_account_name(query)
    narrowing = name_search_narrowing(query)
    name, normalized_name = f"{account_path}name", f"{account_path}normalized_name"
    if narrowing and narrowing == normalized:
        # A name containing the query then has a normalized name containing this: one test.
        return Q(**{f"{normalized_name}__contains": normalized})
    condition = Q(**{f"{name}__icontains": query})
    if normalized:
        condition |= Q(**{f"{normalized_name}__contains": normalized})
    if narrowing:
        condition &= Q(**{f"{normalized_name}__contains": narrowing})
    return condition


def accounts_visible_to(user: Viewer) -> QuerySet[Account]:
    return Account.objects.filter(account_scope_q(user))


def account_get_visible(user: User, pk: int | str) -> Account | None:
    """The account if `user` may see it; None otherwise (missing and hidden look alike)."""
    return (
        accounts_visible_to(user)
        .select_related("owner", "territory", "import_batch")
        .filter(pk=pk)
        .first()
    )


def account_check_visible(user: User, account: Account | None) -> None:
    """For services writing a record that hangs on `account`: refuse (a ValidationError on
    the `account` field) unless `user` may see the account."""
    if account is None or not accounts_visible_to(user).filter(pk=account.pk).exists():
        raise ValidationError({"account": _("Select an account you can see.")})


def accounts_editable_by(user: Viewer) -> QuerySet[Account]:
    """Accounts `user` may change (account_scope_q with write=True)."""
    return Account.objects.filter(account_scope_q(user, write=True))


def account_check_editable(user: User, account: Account | None) -> None:
    """For every change of the account itself (the edit page, the API's PUT/PATCH,
    account_update): refuse an account the user does not see like account_check_visible (a
    ValidationError on `account`; views answer 404 before), and one they see only as a
    "read" member of its team with PermissionDenied (403) saying so."""
    account_check_visible(user, account)
    if account is not None and not account_can_edit(user, account):
        raise PermissionDenied(
            _(
                "You see %(account)s as a read-only member of its account team: ask its "
                "owner, %(owner)s, for edit access."
            )
            % {"account": account.name, "owner": account.owner}
        )


def account_can_edit(user: User, account: Account) -> bool:
    """Whether the card offers the account's Edit button."""
    return accounts_editable_by(user).filter(pk=account.pk).exists()


def account_team_managed_by_q(user: Viewer, *, account_path: str = "") -> Q:
    """Accounts whose team `user` may manage (add, change, remove members): the accounts of
    the books `user` sees through their owners (crm.selectors.owner_scope_q: the owner, the
    owner's manager, admins). Members, even "edit" ones, do not manage the team: sharing an
    account is its owner's decision."""
    return owner_scope_q(user, owner_path=f"{account_path}owner")


def account_can_manage_team(user: User, account: Account) -> bool:
    return Account.objects.filter(account_team_managed_by_q(user)).filter(pk=account.pk).exists()


def account_check_team_manageable(user: User, account: Account) -> None:
    """Refuse (as account_check_visible for an unseen account; else PermissionDenied) unless
    `user` may manage the account's team."""
    account_check_visible(user, account)
    if not account_can_manage_team(user, account):
        raise PermissionDenied(
            _(
                "Only the owner of %(account)s, the owner's manager and admins manage its "
                "account team."
            )
            % {"account": account.name}
        )


def account_team(account: Account) -> QuerySet[AccountTeamMember]:
    """The card's and the API's members of an account's team (whoever sees the account sees
    its team)."""
    return account.team_members.select_related("user", "added_by").order_by("user__username", "id")


def account_team_members_visible_to(user: Viewer) -> QuerySet[AccountTeamMember]:
    return AccountTeamMember.objects.filter(
        account_scope_q(user, account_path="account__")
    ).select_related("account", "user")


def account_team_member_get_visible(user: User, pk: int | str) -> AccountTeamMember | None:
    return account_team_members_visible_to(user).filter(pk=pk).first()


def contacts_visible_to(user: Viewer) -> QuerySet[Contact]:
    return Contact.objects.filter(account_scope_q(user, account_path="account__"))


def orders_visible_to(user: Viewer) -> QuerySet[Order]:
    return Order.objects.filter(account_scope_q(user, account_path="account__"))


def contact_get_visible(user: User, pk: int | str) -> Contact | None:
    return contacts_visible_to(user).select_related("account").filter(pk=pk).first()


def order_get_visible(user: User, pk: int | str) -> Order | None:
    return orders_visible_to(user).select_related("account").filter(pk=pk).first()


def account_card_contacts(account: Account) -> QuerySet[Contact]:
    return account.contacts.order_by("role", "name", "id")


def account_card_orders(account: Account, *, limit: int = 20) -> QuerySet[Order]:
    return account.orders.order_by("-date", "-id")[:limit]


def account_revenue_summary(account: Account, *, today: datetime.date | None = None) -> dict:
    """The card's sales figures in one query: order lines and revenue over the trailing
    12 months and over all time (returns count as negative revenue)."""
    today = today or timezone.localdate()
    since = today - datetime.timedelta(days=365)
    recent = Q(date__gt=since, date__lte=today)
    totals = account.orders.aggregate(
        orders_total=Count("id"),
        revenue_total=Sum("amount"),
        orders_12m=Count("id", filter=recent),
        revenue_12m=Sum("amount", filter=recent),
    )
    zero = Decimal("0.00")
    return {
        "orders_total": totals["orders_total"],
        "revenue_total": totals["revenue_total"] or zero,
        "orders_12m": totals["orders_12m"],
        "revenue_12m": totals["revenue_12m"] or zero,
    }


def account_industries(user: User) -> list[str]:
    """Industries in the user's book, for the filter menu (cached: a DISTINCT scans the book)."""
    key = f"account-industries:{user.pk}"
    industries = cache.get(key)
    if industries is None:
        industries = list(
            accounts_visible_to(user)
            .exclude(industry="")
            .order_by("industry")
            .values_list("industry", flat=True)
            .distinct()[:200]
        )
        cache.set(key, industries, timeout=600)
    return industries


# --- Competitors and incumbent suppliers -----------------------------------------------------


def competitor_list(*, active_only: bool = False) -> QuerySet[Competitor]:
    """The admin-edited list of competitors: reference data every signed-in user reads."""
    competitors = Competitor.objects.order_by("name", "id")
    return competitors.filter(is_active=True) if active_only else competitors


def account_incumbents(account: Account) -> QuerySet[AccountCompetitor]:
    """The card's incumbent suppliers of an account, largest share first."""
    return account.incumbents.select_related("competitor").order_by(
        F("share").desc(nulls_last=True), "competitor__name", "id"
    )


def account_competitors_visible_to(user: Viewer) -> QuerySet[AccountCompetitor]:
    return AccountCompetitor.objects.filter(
        account_scope_q(user, account_path="account__")
    ).select_related("account", "competitor")


def account_competitor_get_visible(user: User, pk: int | str) -> AccountCompetitor | None:
    return account_competitors_visible_to(user).filter(pk=pk).first()


class CompetitorIncumbency(NamedTuple):
    """One account of the user's book where the competitor is the incumbent."""

    account_id: int
    account_name: str
    tier: str
    owner: str
    share: Decimal | None
    contract_end: datetime.date | None
    days_left: int | None


def competitor_incumbencies(
    user: Viewer, competitor: Competitor, *, today: datetime.date | None = None
) -> list[CompetitorIncumbency]:
    """The accounts of `user`'s book where `competitor` is an incumbent, contracts ending
    soonest first (those without an end date last)."""
    today = today or timezone.localdate()
    rows = (
        account_competitors_visible_to(user)
        .filter(competitor=competitor)
        .order_by(F("contract_end").asc(nulls_last=True), "account__name", "id")
        .values_list(
            "account_id",
            "account__name",
            "account__tier",
            "account__owner__username",
            "share",
            "contract_end",
        )
    )
    return [
        CompetitorIncumbency(
            account_id,
            name,
            tier,
            owner,
            share,
            end,
            (end - today).days if end is not None else None,
        )
        for account_id, name, tier, owner, share, end in rows
    ]
