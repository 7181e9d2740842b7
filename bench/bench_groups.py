"""Group accounts (集团客户): the customer card of a group with 500 members, and ABC tiers per
group over every account in groups, each beside a baseline measured in the same run on the same
data.

- Card: the whole customer card page (Django test client, every template tag) of a member of
  a 500-account group, as an admin (every member named) and as the member's rep (most counted,
  not named). Baseline: the same tree built the naive way, one ORM query per level and one
  per member for its revenue.
- Tiers: a full recompute with `tier_basis` = group (every account in one of `--groups-groups`
  groups, ranked as one customer each). Baseline: the per-account recompute on the same data.

The groups are written into the seeded database by one set-based UPDATE and cleared again at
the end, and the per-account recompute runs last, so the database is left with per-account
tiers and no groups, as other benchmarks expect.
"""

import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import common  # noqa: E402

TITLE = "Group accounts: the card of a 500-member group, and ABC tiers per group"
CARD_GOAL_MS = 300.0
TIERS_GOAL_S = 30.0
BIG_GROUP = 500


def add_arguments(parser) -> None:
    group = parser.add_argument_group("groups")
    group.add_argument(
        "--groups-accounts",
        type=int,
        default=1_000_000,
        help="seeded accounts (default 1,000,000; 100000 for a quicker run)",
    )
    group.add_argument(
        "--groups-groups", type=int, default=10_000, help="groups the accounts fall into"
    )
    group.add_argument(
        "--groups-orders-per-account",
        type=float,
        default=2.0,
        help="order lines per existing account in the seeded database",
    )


def run(args) -> list:
    accounts = args.groups_accounts
    url = common.seeded_database(accounts, orders_per_account=args.groups_orders_per_account)
    print(f"  measuring {accounts:,} accounts in {args.groups_groups:,} groups…", flush=True)
    result = subprocess.run(
        [common.PYTHON, str(Path(__file__).resolve()), "--child", str(args.groups_groups)],
        cwd=common.ROOT,
        env=common.django_env(url, DJANGO_ALLOWED_HOSTS="testserver"),
        check=True,
        capture_output=True,
        text=True,
    )
    got = json.loads(result.stdout.strip().splitlines()[-1])
    size = f"{accounts:,} accounts"
    rows = []
    for who in ("admin", "rep"):
        card = common.Row(
            f"card page of a {BIG_GROUP}-member group, as {who}, {size}",
            got[f"card_{who}_ms"],
            got[f"naive_tree_{who}_ms"],
            "ms",
            f"< {CARD_GOAL_MS:g} ms",
            None,
            f"median of {got['repeats']}; {got[f'named_{who}']} members named, "
            f"{got[f'hidden_{who}']} counted; baseline: the naive tree alone (one query per "
            "level and per member), not the whole page; the same account's card in no group: "
            f"{got['card_no_group_ms']:.0f} ms",
        )
        card.ok = got[f"card_{who}_ms"] < CARD_GOAL_MS
        rows.append(card)
    tiers = common.Row(
        f"tiers per group, {size} in {got['groups']:,} groups",
        got["group_s"],
        got["account_s"],
        "s",
        f"< {TIERS_GOAL_S:g} s",
        None,
        f"median of {got['tier_repeats']}; baseline: the per-account recompute on the same "
        f"data; {got['group_customers']:,} customers per group against "
        f"{got['account_customers']:,} per account; grouping {got['grouping_s']:.1f} s (once)",
    )
    tiers.ok = got["group_s"] < TIERS_GOAL_S
    rows.append(tiers)
    return rows


UNGROUP_SQL = "UPDATE accounts_account SET parent_id = NULL WHERE parent_id IS NOT NULL"
GROUPING_SQL = """
WITH ranked AS (
    SELECT id, ROW_NUMBER() OVER (ORDER BY id) - 1 AS rn FROM accounts_account
), head AS (
    SELECT id FROM ranked WHERE rn = 0
), big AS (
    -- the card's group: 20 members under the head, the rest under those 20
    SELECT r.id, CASE WHEN r.rn <= 20 THEN (SELECT id FROM head)
        ELSE (SELECT id FROM ranked WHERE rn = 1 + r.rn %% 20) END AS parent_id
    FROM ranked r WHERE r.rn BETWEEN 1 AND %(big)s - 1
), rest AS (
    SELECT id, (rn - %(big)s) %% %(groups)s AS g FROM ranked WHERE rn >= %(big)s
), roots AS (
    SELECT g, MIN(id) AS root FROM rest GROUP BY g
)
UPDATE accounts_account a SET parent_id = x.parent_id
FROM (
    SELECT id, parent_id FROM big
    UNION ALL
    SELECT rest.id, roots.root FROM rest JOIN roots USING (g) WHERE rest.id <> roots.root
) x
WHERE a.id = x.id
"""


def _naive_tree(user, account_id):
    """What the card would do without the recursive query: walk up, then down level by
    level, then ask each member's visibility and revenue one by one."""
    from accounts.models import Account
    from accounts.selectors import accounts_visible_to
    from scoring.models import TierSnapshot
    from scoring.selectors import latest_run

    run = latest_run()
    node = Account.objects.get(pk=account_id)
    while node.parent_id is not None:
        node = Account.objects.get(pk=node.parent_id)
    level, members = [node.pk], [node.pk]
    while level:
        level = list(Account.objects.filter(parent_id__in=level).values_list("pk", flat=True))
        members += level
    visible = accounts_visible_to(user)
    shown = []
    for pk in members:
        if visible.filter(pk=pk).exists():
            snap = TierSnapshot.objects.filter(run=run, account_id=pk).first()
            shown.append((pk, snap.revenue if snap else None))
    return shown


def _child(groups: int) -> None:
    import datetime
    import statistics
    import time

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from accounts.models import Account
    from crm.models import User
    from scoring.models import ScoringSettings, TierBasis, TierRun
    from scoring.selectors import account_group_tree
    from scoring.services import tiers_recompute

    settings.ALLOWED_HOSTS = ["*"]
    out: dict = {"groups": groups + 1, "repeats": 5, "tier_repeats": 2}

    def basis(value):
        row = ScoringSettings.load()
        row.tier_basis = value
        row.save()

    def recompute(day):
        started = time.perf_counter()
        run = tiers_recompute(trigger=TierRun.Trigger.CLI, as_of=day)
        return time.perf_counter() - started, run

    def page_ms(client, url):
        times = []
        for _ in range(out["repeats"]):
            started = time.perf_counter()
            assert client.get(url).status_code == 200
            times.append(time.perf_counter() - started)
        return statistics.median(times) * 1000

    try:
        with connection.cursor() as cursor:
            cursor.execute(UNGROUP_SQL)
        # The card of the measured account before it is in any group: what the rest of the
        # page costs on this machine now (the measured account is the 22nd by id, see below).
        admin = User.objects.filter(role=User.Role.ADMIN, is_active=True).first()
        lone = Account.objects.order_by("id")[21]
        client = Client()
        client.force_login(admin)
        out["card_no_group_ms"] = page_ms(client, reverse("accounts:detail", args=[lone.pk]))
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(GROUPING_SQL, {"big": BIG_GROUP, "groups": groups})
            cursor.execute("ANALYZE accounts_account")
        out["grouping_s"] = time.perf_counter() - started
        today = datetime.date.today()
        # Tiers: per group first, then per account (last: the database keeps per-account tiers).
        basis(TierBasis.GROUP)
        timings = []
        for i in range(out["tier_repeats"]):
            seconds, run = recompute(today - datetime.timedelta(days=i))
            timings.append(seconds)
        out["group_s"], out["group_customers"] = statistics.median(timings), run.customers

        # The card, on the per-group run's figures.
        member = Account.objects.filter(parent__parent__isnull=False).order_by("id").first()
        rep = member.owner
        url = reverse("accounts:detail", args=[member.pk])
        for who, user in (("admin", admin), ("rep", rep)):
            client = Client()
            client.force_login(user)
            assert client.get(url).status_code == 200
            page, naive = [], []
            for _ in range(out["repeats"]):
                started = time.perf_counter()
                client.get(url)
                page.append(time.perf_counter() - started)
                started = time.perf_counter()
                _naive_tree(user, member.pk)
                naive.append(time.perf_counter() - started)
            tree = account_group_tree(user=user, account=member)
            out[f"card_{who}_ms"] = statistics.median(page) * 1000
            out[f"naive_tree_{who}_ms"] = statistics.median(naive) * 1000
            out[f"named_{who}"], out[f"hidden_{who}"] = len(tree.members), tree.hidden

        basis(TierBasis.ACCOUNT)
        timings = []
        for i in range(out["tier_repeats"]):
            seconds, run = recompute(today - datetime.timedelta(days=i))
            timings.append(seconds)
        out["account_s"], out["account_customers"] = statistics.median(timings), run.customers
    finally:
        basis(TierBasis.ACCOUNT)
        with connection.cursor() as cursor:
            cursor.execute(UNGROUP_SQL)
    print(json.dumps(out))


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "--child":
        _child(int(sys.argv[2]))
