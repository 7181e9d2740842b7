"""Demo data: users, teams, territories, accounts with Pareto-shaped revenue, contacts, orders.

Rows are written in bulk (COPY); 100k accounts with about 2M order lines load in well under two
minutes. The revenue is shaped like a real book: the top 20% of customers bring about 80% of
it and no single customer more than a few percent (of a book of a few hundred customers or
more), and every rep holds customers from the top, the middle and the tail.
"""

import importlib
import math
import random
import time
from array import array
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils.translation import gettext

from accounts.models import Account, Contact, Order
from accounts.normalize import USCC_ALPHABET, normalize_account_name, uscc_check_char
from core.bulk import copy_rows
from crm.demo import DEMO_PASSWORD
from crm.models import Team, Territory, User

# Apps that add their own demo rows: each module has `seed(*, rng, account_ids, options,
# stdout)` and may have `add_arguments(parser)` and `finish(*, options, stdout)`. Their `seed`
# runs in this order after the core rows, then their `finish` in the same order.
DEMO_MODULES = [
    "prospects.demo",
    "visits.demo",
    "commitments.demo",
    "opportunities.demo",
    # Before scoring's: its drift (fading customers) must be in the orders the tiers read.
    "health.demo",
    "receivables.demo",
    "scoring.demo",
]
TERRITORIES = ["华东", "华北", "华南", "华中", "西南", "西北", "东北"]
CITIES = [
    "上海",
    "北京",
    "广州",
    "深圳",
    "杭州",
    "南京",
    "苏州",
    "成都",
    "重庆",
    "武汉",
    "西安",
    "天津",
    "青岛",
    "宁波",
    "厦门",
    "长沙",
    "郑州",
    "沈阳",
    "大连",
    "合肥",
]
# Where each rep works: the demo's accounts lie within ~15 km of their rep's city (WGS-84), so
# the sales map and the day's route have something to show; one account in eight has no place.
REP_CITY_CENTRES = [
    (31.2304, 121.4737),  # 上海
    (30.2741, 120.1551),  # 杭州
    (32.0603, 118.7969),  # 南京
    (31.2989, 120.5853),  # 苏州
    (29.8683, 121.5440),  # 宁波
    (39.9042, 116.4074),  # 北京
    (23.1291, 113.2644),  # 广州
    (22.5431, 114.0579),  # 深圳
]
WORDS = [
    "华信",
    "宏达",
    "恒通",
    "永兴",
    "金桥",
    "东方",
    "新元",
    "博远",
    "中科",
    "瑞丰",
    "鼎盛",
    "天成",
    "海川",
    "德润",
    "启明",
    "众合",
    "远航",
    "嘉禾",
    "卓越",
    "联创",
]
CN_KINDS = [
    "机械",
    "电子",
    "化工",
    "物流",
    "医疗器械",
    "建材",
    "食品",
    "纺织",
    "汽车零部件",
    "软件",
    "能源",
    "环保科技",
]
CN_FORMS = ["有限公司", "股份有限公司", "集团有限公司", "有限责任公司"]
EN_WORDS = [
    "Acme",
    "Pacific",
    "Summit",
    "Orient",
    "Golden Bridge",
    "Evergreen",
    "Pioneer",
    "Harbor",
    "Silverline",
    "Northstar",
    "Blue River",
    "Keystone",
]
EN_KINDS = ["Industrial", "Electronics", "Logistics", "Medical", "Trading", "Materials", "Foods"]
EN_FORMS = ["Co., Ltd.", "Ltd.", "Inc.", "Corporation", "Limited"]
INDUSTRIES = [
    "制造业",
    "电子",
    "化工",
    "物流",
    "医疗",
    "建材",
    "食品饮料",
    "纺织",
    "汽车",
    "软件与信息服务",
    "能源",
    "环保",
]
# Revenue weight of the customer ranked k of m: exp(-k / (m * REVENUE_DECAY)) puts about 80% of
# the revenue in the top 20% at any size, and the largest customer near 8/m of it.
REVENUE_DECAY = 0.124
# Spread of each customer's weight around the curve (log-normal sigma): no staircase.
REVENUE_NOISE = 0.15
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "磊",
    "强",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "涛",
    "明",
    "超",
    "秀英",
    "建国",
    "海燕",
    "志强",
    "丽华",
]
TITLES = ["总经理", "采购经理", "技术总监", "财务经理", "生产主管", "工程师", "副总裁"]
INTERESTS = ["高尔夫", "钓鱼", "茶艺", "书法", "跑步", "摄影", "围棋", "旅行", "红酒", "篮球"]
PRODUCTS = ["标准件", "控制器", "传感器", "备件包", "年度服务", "耗材", "定制方案"]
# The demo keeps to the four roles of the buying centre (no "other").
ROLES = [c for c, _ in Contact.Role.choices if c != Contact.Role.OTHER]


def make_uscc(n: int) -> str:
    """A valid-looking credit code that is unique per n."""
    body = "91" + f"{110000 + n % 600000:06d}"
    digits = []
    m = n
    for _ in range(9):
        digits.append(USCC_ALPHABET[m % 31])
        m //= 31
    first17 = body + "".join(digits)
    return first17 + uscc_check_char(first17)


@contextmanager
def _foreign_keys_checked_in_bulk(models):
    """Take the foreign keys of `models`' tables off while their rows are copied in and put
    them back after: re-adding a key checks every row in one set-based query, where leaving
    it on queues one check per row for the commit (millions here). All of it happens in the
    caller's transaction, so a failure restores the keys too."""
    tables = [model._meta.db_table for model in models]
    with connection.cursor() as cursor:
        # Run the checks queued so far (users, teams): a table with pending checks cannot
        # be altered.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)",
            [tables],
        )
        keys = cursor.fetchall()
        for table, name, _definition in keys:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    yield
    with connection.cursor() as cursor:
        for table, name, definition in keys:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _demo_modules() -> list:
    modules = []
    for name in DEMO_MODULES:
        try:
            modules.append(importlib.import_module(name))
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    return modules


class Command(BaseCommand):
    help = "Load demo data: users, teams, territories, accounts, contacts and orders."

    def add_arguments(self, parser):
        parser.add_argument("--accounts", type=int, default=2000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--orders-per-account",
            type=float,
            default=25.0,
            help="average order lines per existing account",
        )
        parser.add_argument("--reps", type=int, default=0, help="reps (default: scale)")
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when accounts exist"
        )
        parser.add_argument(
            "--i-know-this-is-production",
            action="store_true",
            help="load the demo users (published password) even under production settings",
        )
        for module in _demo_modules():
            if hasattr(module, "add_arguments"):
                module.add_arguments(parser)

    def handle(self, *args, **opts):
        if settings.CRM_PRODUCTION and not opts["i_know_this_is_production"]:
            raise CommandError(
                gettext(
                    "Refusing to load demo data under production settings: it creates the users "
                    "admin, manager and rep with the published password %(password)s. Pass "
                    "--i-know-this-is-production to load it anyway."
                )
                % {"password": DEMO_PASSWORD}
            )
        if opts["if_empty"] and Account.objects.exists():
            self.stdout.write("Accounts exist; demo data not loaded.")
            return
        started = time.monotonic()
        rng = random.Random(opts["seed"])
        n_accounts = opts["accounts"]
        n_reps = opts["reps"] or max(4, min(200, n_accounts // 500))
        phases = []

        def phase(label, fn, *args):
            began = time.monotonic()
            result = fn(*args)
            phases.append(f"{label} {time.monotonic() - began:.1f}s")
            return result

        with transaction.atomic():
            territories, reps = self._people(n_reps)
            with _foreign_keys_checked_in_bulk([Account, Contact, Order]):
                account_ids = phase("accounts", self._accounts, rng, n_accounts, territories, reps)
                n_contacts = phase("contacts", self._contacts, rng, account_ids)
                n_orders = phase(
                    "orders", self._orders, rng, account_ids, opts["orders_per_account"]
                )
            for module in _demo_modules():
                phase(
                    module.__name__,
                    lambda m=module: m.seed(
                        rng=rng, account_ids=account_ids, options=opts, stdout=self.stdout
                    ),
                )
            # Work that needs every app's rows (the reminder job reads the tiers), in order.
            for module in _demo_modules():
                if hasattr(module, "finish"):
                    phase(
                        f"{module.__name__}.finish",
                        lambda m=module: m.finish(options=opts, stdout=self.stdout),
                    )
            # Foreign keys are checked at commit (deferred); count that time too.
            began = time.monotonic()
        phases.append(f"commit {time.monotonic() - began:.1f}s")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {len(account_ids)} accounts, {n_contacts} contacts, {n_orders} orders "
                f"in {time.monotonic() - started:.1f}s ({', '.join(phases)})."
            )
        )
        self.stdout.write(f"Demo logins (password {DEMO_PASSWORD}): rep, manager, admin")

    def _people(self, n_reps: int):
        territories = []
        for name in TERRITORIES:
            territory, _ = Territory.objects.get_or_create(name=name)
            territories.append(territory)

        # Hash once: every demo user shares the password, and hashing is deliberately slow.
        password_hash = make_password(DEMO_PASSWORD)

        def user(username, role, **extra):
            obj, _ = User.objects.get_or_create(
                username=username, defaults={"role": role, "password": password_hash, **extra}
            )
            return obj

        user("admin", User.Role.ADMIN, is_staff=True, is_superuser=True, first_name="Admin")
        n_teams = max(1, n_reps // 8)
        teams = []
        for t in range(n_teams):
            manager = user(
                "manager" if t == 0 else f"manager{t + 1}",
                User.Role.MANAGER,
                first_name=f"Manager {t + 1}",
            )
            team, _ = Team.objects.get_or_create(
                name=f"Team {t + 1}",
                defaults={"manager": manager, "territory": territories[t % len(territories)]},
            )
            teams.append(team)
        reps = []
        for r in range(n_reps):
            reps.append(
                user(
                    "rep" if r == 0 else f"rep{r + 1}",
                    User.Role.REP,
                    team=teams[r % n_teams],
                    territory=territories[r % len(territories)],
                    first_name=f"Rep {r + 1}",
                )
            )
        return territories, reps

    def _next_id(self, model) -> int:
        last = model.objects.order_by("-id").values_list("id", flat=True).first()
        return (last or 0) + 1

    def _revenue_weights(self, rng, existing: list[bool], owner_of: list[int], n_owners: int):
        """One revenue weight per account (0: potential, no orders), Pareto-shaped by rank.

        The ranks are dealt round the reps like cards (each rep's customers shuffled first), so
        every rep holds customers from the top, the middle and the tail of the curve."""
        queues: list[list[int]] = [[] for _ in range(n_owners)]
        for i, is_customer in enumerate(existing):
            if is_customer:
                queues[owner_of[i]].append(i)
        for queue in queues:
            rng.shuffle(queue)
        dealt: list[int] = []
        while any(queues):
            for queue in queues:
                if queue:
                    dealt.append(queue.pop())
        weights = array("d", bytes(8 * len(existing)))
        scale = max(1, len(dealt)) * REVENUE_DECAY
        for rank, i in enumerate(dealt):
            weights[i] = math.exp(-rank / scale + rng.gauss(0, REVENUE_NOISE))
        return weights

    def _accounts(self, rng, n, territories, reps) -> list[int]:
        """Accounts created over the last five years in id order, as a real book grows."""
        start = self._next_id(Account)
        ids = list(range(start, start + n))
        now = datetime.now(UTC).replace(microsecond=0)
        first = now - timedelta(days=5 * 365)
        step = (now - first) / max(1, n)
        r = rng.random
        sources = [c for c, _ in Account.Source.choices]
        owners = [(rep.id, rep.territory_id) for rep in reps]
        owner_of = [aid % len(owners) for aid in ids]
        existing = [r() < 0.8 for _aid in ids]
        # An array keeps memory flat at 100k accounts.
        self._weights = self._revenue_weights(rng, existing, owner_of, len(owners))

        def pick(seq):
            return seq[int(r() * len(seq))]

        def rows():
            for i, aid in enumerate(ids):
                if r() < 0.7:
                    name = f"{pick(CITIES)}{pick(WORDS)}{pick(CN_KINDS)}{pick(CN_FORMS)}"
                else:
                    name = f"{pick(EN_WORDS)} {pick(EN_KINDS)} {pick(EN_FORMS)}"
                name = f"{name} {aid}" if r() < 0.5 else f"{name}（{aid}）"
                owner_id, territory_id = owners[owner_of[i]]
                created = first + step * i + timedelta(seconds=int(r() * 3600))
                updated = created + (now - created) * r()
                centre_lat, centre_lng = REP_CITY_CENTRES[owner_of[i] % len(REP_CITY_CENTRES)]
                placed = r() < 0.875
                lat = round(centre_lat + (r() - 0.5) * 0.27, 6) if placed else None
                lng = round(centre_lng + (r() - 0.5) * 0.31, 6) if placed else None
                yield (
                    aid,
                    name,
                    normalize_account_name(name),
                    make_uscc(aid) if r() < 0.6 else None,
                    f"D{aid:08d}",
                    pick(INDUSTRIES),
                    territory_id,
                    "distributor" if r() < 0.25 else "direct",
                    "existing" if existing[i] else "potential",
                    pick(sources),
                    owner_id,
                    "",
                    f"0{10 + int(r() * 990)}-{1000000 + int(r() * 98999999)}",
                    "",
                    "",
                    "",
                    created,
                    updated,
                    lat,
                    lng,
                    "import" if placed else "",
                    updated if placed else None,
                )

        columns = [
            "id",
            "name",
            "normalized_name",
            "uscc",
            "external_code",
            "industry",
            "territory_id",
            "channel",
            "lifecycle",
            "source",
            "owner_id",
            "address",
            "phone",
            "website",
            "notes",
            "tier",
            "created_at",
            "updated_at",
            "latitude",
            "longitude",
            "location_source",
            "location_updated_at",
        ]
        copy_rows(Account, columns, rows())
        return ids

    def _contacts(self, rng, account_ids) -> int:
        now = datetime.now(UTC).replace(microsecond=0)
        r = rng.random
        count = 0

        def pick(seq):
            return seq[int(r() * len(seq))]

        def rows():
            nonlocal count
            for aid in account_ids:
                for k in range(1 + int(r() * 5)):
                    count += 1
                    month = 1 + int(r() * 12)
                    # Mostly days 1-28; a few 29th/30th to exercise Feb 29 and month ends.
                    day = 1 + int(r() * 28) if r() < 0.98 else 29 if month == 2 else 30
                    yield (
                        aid,
                        f"{pick(SURNAMES)}{pick(GIVEN)}",
                        pick(TITLES),
                        ROLES[0] if k == 0 else pick(ROLES),
                        f"13{100000000 + int(r() * 899999999)}",
                        f"c{aid}_{k}@example.com",
                        f"wx_{aid}_{k}",
                        month,
                        day,
                        # A Feb 29 birthday keeps no year: the year may not be a leap year.
                        1960 + int(r() * 36) if r() < 0.6 and day != 29 else None,
                        pick(INTERESTS),
                        "",
                        now,
                        now,
                    )

        columns = [
            "account_id",
            "name",
            "title",
            "role",
            "phone",
            "email",
            "chat_handle",
            "birthday_month",
            "birthday_day",
            "birthday_year",
            "interests",
            "notes",
            "created_at",
            "updated_at",
        ]
        copy_rows(Contact, columns, rows())
        return count

    def _orders(self, rng, account_ids, per_account: float) -> int:
        """About `per_account` lines per existing account over the last two years; each
        account's revenue follows its Pareto weight, and 2% of lines are returns."""
        today = date.today()
        days = [(today - timedelta(days=d)).isoformat() for d in range(730)]
        stamps = [f"{d} 10:00:00+08" for d in days]
        r = rng.random
        count = 0
        weights = self._weights
        mean_weight = (sum(weights) / max(1, len(weights))) or 1.0
        max_lines = max(1, int(per_account * 4))

        def rows():
            nonlocal count
            if per_account <= 0:
                return
            for i, aid in enumerate(account_ids):
                weight = weights[i]
                if weight == 0.0:
                    continue
                # Around the average, never one or two lines for a big customer: a year's
                # window then holds about half of each customer's revenue, as in a real book.
                lines = min(max_lines, max(1, round(per_account * (0.5 + r()))))
                share = 50_000 * weight / mean_weight * 2 / lines
                for _ in range(lines):
                    count += 1
                    amount = share * (0.5 + r())
                    if r() < 0.02:
                        amount = -amount * 0.3
                    day = int(r() * 730)
                    yield (
                        aid,
                        days[day],
                        f"{amount:.2f}",
                        f"INV{count:09d}" if r() < 0.7 else "",
                        pick_product(),
                        stamps[day],
                    )

        def pick_product():
            return PRODUCTS[int(r() * len(PRODUCTS))]

        columns = ["account_id", "date", "amount", "invoice_number", "product", "created_at"]
        copy_rows(Order, columns, rows())
        return count
