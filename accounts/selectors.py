"""Reads of accounts, contacts and orders, always through the visibility rule."""

import datetime
from decimal import Decimal

from django.contrib.postgres.expressions import ArraySubquery
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Account, AccountTeamMember, Contact, Order
from accounts.normalize import name_search_narrowing, normalize_account_name
from crm.models import User
from crm.selectors import NOTHING, EqualsAny, Viewer, owner_scope_q


def account_scope_q(user: Viewer, *, account_path: str = "", by_id: bool = False) -> Q:
    """THE visibility rule of accounts: Q for records whose account (reached by `account_path`,
    e.g. "account__") `user` sees. An account is seen by whoever sees its owner's book
    (crm.selectors.owner_scope_q: the rep, the rep's manager, admins), and by the members of
    its account team (AccountTeamMember) and whoever sees those members' books. An empty Q
    means every account (an admin).

    `by_id` (with an `account_path`): the same rule as "the record's account id is one of the
    visible accounts' ids" (`account = ANY(ARRAY(…))`, computed once), so that an index on the
    records' account serves it, also inside an OR, instead of a join with every account."""
    by_owner = owner_scope_q(user, owner_path=f"{account_path}owner", as_array=by_id)
    if not by_owner or by_owner == NOTHING:
        return by_owner
    if by_id and account_path:
        visible = Account.objects.filter(account_scope_q(user, by_id=True))
        return Q(
            EqualsAny(
                F(account_path.removesuffix("__")), ArraySubquery(visible.values("id").order_by())
            )
        )
    memberships = AccountTeamMember.objects.filter(
        owner_scope_q(user, owner_path="user", as_array=by_id)
    )
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
