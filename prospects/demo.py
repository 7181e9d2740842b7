"""Demo rows of the prospects app, written in bulk (COPY).

Every potential account becomes a green or yellow prospect, a few existing ones red (won
through the pipeline), with decisions, segments and sub-stages; a few thousand accounts get
one to three worksheets each (the newest current).
"""

from datetime import UTC, datetime, timedelta

from accounts.models import Account
from core.bulk import copy_rows
from prospects.models import CRITERIA, Colour, Prospect, SubStage, Worksheet

SUB_STAGES = {
    Colour.GREEN: ["初次接触", "需求确认"],
    Colour.YELLOW: ["方案报价", "商务谈判"],
    Colour.RED: ["签约", "首单交付"],
}
ABANDON_REASONS = ["预算取消", "已与竞争对手签订长期合同", "需求不匹配", "联系人离职且无新对接人"]
NOTES = ["", "", "", "年内有扩产计划", "决策人关系良好", "对手报价更低", "需要样品测试"]


def add_arguments(parser) -> None:
    parser.add_argument(
        "--worksheet-accounts",
        type=int,
        default=3000,
        help="accounts that get demo worksheets (prospects first)",
    )


def _sub_stage_ids() -> dict[str, list[int]]:
    ids: dict[str, list[int]] = {}
    for colour, names in SUB_STAGES.items():
        for position, name in enumerate(names):
            stage, _created = SubStage.objects.get_or_create(
                colour=colour, name=name, defaults={"position": position}
            )
            ids.setdefault(colour, []).append(stage.pk)
    return ids


def seed(*, rng, account_ids, options, stdout) -> None:
    if not account_ids:
        return
    stages = _sub_stage_ids()
    now = datetime(2026, 1, 1, tzinfo=UTC)
    rows = list(
        Account.objects.filter(id__gte=min(account_ids), id__lte=max(account_ids))
        .order_by("id")
        .values_list("id", "lifecycle", "source", "owner_id")
    )
    prospect_rows = []
    colour_of: dict[int, str] = {}
    for aid, lifecycle, source, owner_id in rows:
        if lifecycle == Account.Lifecycle.POTENTIAL:
            colour = Colour.YELLOW if rng.random() < 0.3 else Colour.GREEN
        elif rng.random() < 0.03:
            colour = Colour.RED
        else:
            continue
        colour_of[aid] = colour
        roll = rng.random()
        if colour != Colour.RED and roll < 0.1:
            decision, reason = Prospect.Decision.ABANDON, rng.choice(ABANDON_REASONS)
        elif roll < 0.25:
            decision, reason = Prospect.Decision.DONT_GIVE_UP, ""
        else:
            decision, reason = Prospect.Decision.KEEP_VISITING, ""
        loyalty_roll = rng.random()
        loyalty = "low" if loyalty_roll < 0.45 else "high" if loyalty_roll < 0.8 else ""
        changed = now - timedelta(days=rng.randint(0, 180))
        prospect_rows.append(
            (
                aid,
                colour,
                rng.choice(stages[colour]) if rng.random() < 0.6 else None,
                changed.isoformat(),
                changed.isoformat() if colour == Colour.RED else None,
                decision,
                reason,
                changed.isoformat() if decision != Prospect.Decision.KEEP_VISITING else None,
                owner_id if decision != Prospect.Decision.KEEP_VISITING else None,
                loyalty,
                source,
                "",
                changed.isoformat(),
                changed.isoformat(),
            )
        )
    copy_rows(
        Prospect,
        [
            "account_id",
            "colour",
            "sub_stage_id",
            "colour_changed_at",
            "won_at",
            "decision",
            "decision_reason",
            "decided_at",
            "decided_by_id",
            "competitor_loyalty",
            "source",
            "notes",
            "created_at",
            "updated_at",
        ],
        prospect_rows,
    )

    wanted = options.get("worksheet_accounts", 3000)
    owners = {aid: owner_id for aid, _l, _s, owner_id in rows}
    chosen = [aid for aid in owners if aid in colour_of][:wanted]
    if len(chosen) < wanted:
        chosen += [aid for aid in owners if aid not in colour_of][: wanted - len(chosen)]
    count = 0
    # Yellow and red prospects tend to score higher than green ones.
    biases: dict[str | None, float] = {Colour.RED: 0.75, Colour.YELLOW: 0.6}

    def worksheet_rows():
        nonlocal count
        for aid in chosen:
            bias = biases.get(colour_of.get(aid), 0.4)
            n = rng.randint(1, 3)
            day = rng.randint(60, 365)
            for k in range(n):
                scores = [1 if rng.random() < bias else 0 for _c in CRITERIA]
                notes = [rng.choice(NOTES) for _c in CRITERIA]
                filled = now - timedelta(days=day) + timedelta(minutes=k)
                day = max(0, day - rng.randint(20, 60))
                count += 1
                yield (
                    aid,
                    owners[aid],
                    filled.isoformat(),
                    *[v for pair in zip(scores, notes, strict=True) for v in pair],
                    sum(scores),
                    k == n - 1,
                )

    columns = ["account_id", "author_id", "filled_at"]
    for c in CRITERIA:
        columns += [c.field, c.note_field]
    columns += ["total", "is_current"]
    copy_rows(Worksheet, columns, worksheet_rows())
    stdout.write(f"Prospects: {len(prospect_rows)} prospects, {count} worksheets.")
