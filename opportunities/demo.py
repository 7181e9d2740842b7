"""Demo rows of the opportunities app for `seed_demo`: about one account in four has a deal (a
few have two: an upsell or a renewal beside the first), spread over the stages with amounts
from tens of thousands to a few million; a sixth are won and a tenth lost in the last quarter;
some moved stage or slipped their close date in the last fortnight, so the forecast's "since
last week" has something to say on the first day. Each rep and team gets targets for the
current month and quarter. Written with COPY (core.bulk.copy_rows), ids allocated here so the
change rows can point at their deals."""

import datetime
from decimal import Decimal

from django.db import connection
from django.db.models import Max, Sum
from django.utils import timezone

from accounts.models import Account, Order
from core.bulk import copy_rows
from crm.models import Team, User
from opportunities.models import LossReason, Opportunity, OpportunityChange, Stage, Target

NAMES = [
    ("年度框架采购", Opportunity.Kind.NEW),
    ("产线升级项目", Opportunity.Kind.NEW),
    ("备件年度合同续签", Opportunity.Kind.RENEWAL),
    ("新工厂设备配套", Opportunity.Kind.NEW),
    ("扩容增购", Opportunity.Kind.UPSELL),
    ("Service contract renewal", Opportunity.Kind.RENEWAL),
    ("Automation retrofit", Opportunity.Kind.NEW),
    ("Second site roll-out", Opportunity.Kind.UPSELL),
]
PRODUCT_LINES = ["传感器", "控制器", "Drives", "MRO", "软件服务"]
COMPETITORS = ["", "", "西门子", "施耐德", "ABB", "本地厂商"]


def _next_id(model) -> int:
    return (model.objects.aggregate(m=Max("id"))["m"] or 0) + 1


def seed(*, rng, account_ids, options, stdout) -> None:
    if not account_ids:
        return
    stages = list(Stage.objects.filter(is_active=True).order_by("position", "id"))
    open_stages = [s for s in stages if not s.is_won and not s.is_lost]
    won = next((s for s in stages if s.is_won), None)
    lost = next((s for s in stages if s.is_lost), None)
    reasons = list(LossReason.objects.filter(is_active=True).values_list("pk", flat=True))
    if not open_stages:
        return
    today = timezone.localdate()
    now = timezone.now()
    owner_of = dict(
        Account.objects.filter(pk__in=list(account_ids)).values_list("pk", "owner_id").order_by()
    )
    deals: list[tuple] = []
    changes: list[tuple] = []
    deal_id = _next_id(Opportunity)
    change_id = _next_id(OpportunityChange)
    for aid in account_ids:
        if rng.random() >= 0.25:
            continue
        for _ in range(2 if rng.random() < 0.15 else 1):
            name, kind = rng.choice(NAMES)
            amount = Decimal(rng.choice([3, 5, 8, 12, 20, 35, 60, 120, 250])) * Decimal(
                rng.randint(8, 12) * 1000
            )
            created = now - datetime.timedelta(days=rng.randint(5, 200), hours=rng.randint(0, 9))
            roll = rng.random()
            stage = rng.choice(open_stages)
            closed_on = None
            reason = None
            if roll < 0.16 and won:
                stage, closed_on = won, today - datetime.timedelta(days=rng.randint(0, 90))
            elif roll < 0.26 and lost:
                stage, closed_on = lost, today - datetime.timedelta(days=rng.randint(0, 90))
                reason = rng.choice(reasons) if reasons else None
            close_date = closed_on or today + datetime.timedelta(days=rng.randint(-10, 150))
            status = stage.status
            deals.append(
                (
                    deal_id,
                    aid,
                    f"{name} {deal_id}",
                    kind,
                    amount,
                    close_date,
                    stage.pk,
                    rng.choice(list(Opportunity.Category)),
                    status,
                    owner_of[aid],
                    rng.choice(list(Opportunity.Source)),
                    rng.choice(PRODUCT_LINES),
                    rng.choice(COMPETITORS),
                    reason,
                    closed_on,
                    owner_of[aid],
                    created,
                    now,
                )
            )
            first = open_stages[0]
            moved_on = stage.pk != first.pk
            # The last move: recent for about a third, so "since last week" shows some.
            recent = rng.random() < 0.35
            slipped = moved_on and status == "open" and recent and rng.random() < 0.3
            first_close = close_date - datetime.timedelta(days=45) if slipped else close_date
            by = owner_of[aid]
            changes.append(
                (
                    change_id,
                    deal_id,
                    "created",
                    created,
                    by,
                    None,
                    first.pk,
                    "",
                    "open",
                    None,
                    amount,
                    None,
                    first_close,
                )
            )
            change_id += 1
            if moved_on:
                moved = now - datetime.timedelta(days=rng.randint(1, 13) if recent else 20)
                moved = max(moved, created + datetime.timedelta(hours=1))
                changes.append(
                    (
                        change_id,
                        deal_id,
                        "changed",
                        moved,
                        by,
                        first.pk,
                        stage.pk,
                        "open",
                        status,
                        amount,
                        amount,
                        first_close,
                        close_date,
                    )
                )
                change_id += 1
            deal_id += 1
    copy_rows(
        Opportunity,
        [
            "id",
            "account_id",
            "name",
            "kind",
            "amount",
            "close_date",
            "stage_id",
            "category",
            "status",
            "owner_id",
            "source",
            "product_lines",
            "competitors",
            "loss_reason_id",
            "closed_on",
            "created_by_id",
            "created_at",
            "updated_at",
            "next_step",
            "close_note",
            "description",
        ],
        [(*deal, "", "", "") for deal in deals],
    )
    copy_rows(
        OpportunityChange,
        [
            "id",
            "opportunity_id",
            "kind",
            "changed_at",
            "changed_by_id",
            "stage_before_id",
            "stage_after_id",
            "status_before",
            "status_after",
            "amount_before",
            "amount_after",
            "close_date_before",
            "close_date_after",
        ],
        changes,
    )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Opportunity._meta.db_table}")
    targets = _targets(today)
    stdout.write(f"Opportunities demo: {len(deals)} deals, {targets} targets.")


def _targets(today: datetime.date) -> int:
    """Each rep's targets for this month and this quarter from last year's revenue of the
    accounts they own (a tenth more), plus visit and pipeline quotas; teams get the sums."""
    month = today.replace(day=1)
    quarter = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
    year_ago = today - datetime.timedelta(days=365)
    revenue = dict(
        Order.objects.filter(date__gte=year_ago)
        .values_list("account__owner")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    reps = list(User.objects.filter(role=User.Role.REP, is_active=True).values_list("pk", "team"))
    rows: list[tuple] = []
    per_team: dict[tuple, Decimal] = {}
    for rep, team in reps:
        yearly = max(Decimal(revenue.get(rep) or 0), Decimal(0)) * Decimal("1.1")
        for period, start, months in (("month", month, 1), ("quarter", quarter, 3)):
            quota = {
                "revenue": (yearly / 12 * months).quantize(Decimal("1000")),
                "new_customers": Decimal(2 * months),
                "visits": Decimal(40 * months),
                "a_visits": Decimal(10 * months),
                "pipeline_prospects": Decimal(10),
            }
            for measure, value in quota.items():
                rows.append((rep, None, period, start, measure, value))
                if team:
                    key = (team, period, start, measure)
                    per_team[key] = per_team.get(key, Decimal(0)) + value
    teams = set(Team.objects.values_list("pk", flat=True))
    rows += [(None, t, p, s, m, v) for (t, p, s, m), v in per_team.items() if t in teams]
    now = timezone.now()
    copy_rows(
        Target,
        [
            "user_id",
            "team_id",
            "period",
            "period_start",
            "measure",
            "value",
            "created_at",
            "updated_at",
        ],
        [(*row, now, now) for row in rows],
    )
    return len(rows)
