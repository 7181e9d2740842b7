"""Demo rows of the visits app for `seed_demo`: logged visits (about 5 per account by
default, `--visits-per-account`), planned visits in the coming two weeks and some touches,
written with COPY (core.bulk.copy_rows); `finish` runs the daily reminder job once."""

import datetime

from django.utils import timezone

from core.bulk import copy_rows
from visits.models import Slot, Touch, TouchType, Visit, VisitPlan
from visits.services import accounts_last_visit_refresh, reminders_run

PURPOSES = ["产品介绍", "需求调研", "商务洽谈", "回款跟进", "售后回访", "新品推广", "关系维护"]
OUTCOMES = ["客户有兴趣，约下次详谈", "已提交报价", "需技术交流", "暂无需求", "签订意向书", ""]
NEXT_STEPS = ["寄送样品", "准备报价单", "安排技术交流", "两周后回访", "邀请参观工厂", ""]
TOUCH_TYPES = [c for c, _label in TouchType.choices if c != TouchType.VISIT]


def add_arguments(parser):
    parser.add_argument(
        "--visits-per-account",
        type=float,
        default=5.0,
        help="average logged visits per account (visits demo)",
    )


def seed(*, rng, account_ids, options, stdout):
    per_account = options.get("visits_per_account", 5.0)
    today = timezone.localdate()
    now = timezone.now().isoformat()
    counts = {"visits": 0, "plans": 0, "touches": 0}

    def visits():
        for aid in account_ids:
            n = int(per_account * 2 * rng.random() + 0.5) if per_account else 0
            for _ in range(n):
                counts["visits"] += 1
                day = today - datetime.timedelta(days=rng.randint(1, 365))
                yield (
                    aid,
                    day.isoformat(),
                    f"{rng.choice([9, 10, 11, 14, 15, 16]):02d}:{rng.choice([0, 30]):02d}",
                    rng.choice(PURPOSES),
                    rng.choice(OUTCOMES),
                    rng.choice(NEXT_STEPS),
                    rng.choice([30, 45, 60, 90, 120]),
                    f"{rng.choice([0, 0, 50, 120, 300, 800]):.2f}",
                    now,
                    now,
                )

    copy_rows(
        Visit,
        [
            "account_id",
            "visit_date",
            "visit_time",
            "purpose",
            "outcome",
            "next_step",
            "duration_minutes",
            "expenses",
            "created_at",
            "updated_at",
        ],
        visits(),
    )
    # COPY is not a service: the accounts' last visit as the visit services keep it.
    accounts_last_visit_refresh(account_ids=account_ids)

    def plans():
        for aid in account_ids:
            if rng.random() < 0.15:
                counts["plans"] += 1
                morning = rng.random() < 0.5
                yield (
                    aid,
                    (today + datetime.timedelta(days=rng.randint(0, 13))).isoformat(),
                    "09:30" if morning else "14:30",
                    Slot.MORNING if morning else Slot.AFTERNOON,
                    rng.choice(PURPOSES),
                    rng.random() < 0.05,
                    VisitPlan.Status.PLANNED,
                    VisitPlan.Source.MANUAL,
                    now,
                    now,
                )

    copy_rows(
        VisitPlan,
        [
            "account_id",
            "planned_date",
            "planned_time",
            "slot",
            "purpose",
            "senior_manager",
            "status",
            "source",
            "created_at",
            "updated_at",
        ],
        plans(),
    )

    def touches():
        for aid in account_ids:
            if rng.random() < 0.4:
                counts["touches"] += 1
                yield (
                    aid,
                    rng.choice(TOUCH_TYPES),
                    (today - datetime.timedelta(days=rng.randint(1, 365))).isoformat(),
                    "",
                    now,
                )

    copy_rows(Touch, ["account_id", "type", "date", "note", "created_at"], touches())
    stdout.write(
        f"Visits demo: {counts['visits']} visits, {counts['plans']} plans, "
        f"{counts['touches']} touches."
    )


def finish(*, options, stdout) -> None:
    """The daily reminder job once, after the tiers are set (no email): the bell is not empty
    on the first day."""
    counts, _pending = reminders_run(day=timezone.localdate(), digests=False)
    summary = ", ".join(f"{kind} {n}" for kind, n in counts.items())
    stdout.write(f"Reminders: {summary}.")
