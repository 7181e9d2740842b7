"""The built-in stages and loss reasons an admin starts from. The stages follow the worksheet's
yellow sub-stages (初步接触, 需求确认, 方案报价, 商务谈判, 赢单, 输单), each with a default win
probability. The data migration writes them; an admin renames, reorders or adds to them."""

from typing import Any

# (code, English, Chinese, probability %, won, lost)
STAGES: list[tuple[str, str, str, int, bool, bool]] = [
    ("first_contact", "First contact", "初步接触", 10, False, False),
    ("needs_confirmed", "Needs confirmed", "需求确认", 25, False, False),
    ("proposal", "Proposal and quotation", "方案报价", 50, False, False),
    ("negotiation", "Commercial negotiation", "商务谈判", 75, False, False),
    ("won", "Won", "赢单", 100, True, False),
    ("lost", "Lost", "输单", 0, False, True),
]

# (code, English, Chinese)
LOSS_REASONS: list[tuple[str, str, str]] = [
    ("price", "Price", "价格"),
    ("competitor", "Lost to a competitor", "输给竞争对手"),
    ("no_budget", "No budget", "没有预算"),
    ("no_decision", "No decision, project stopped", "未决策 / 项目中止"),
    ("fit", "Our solution did not fit", "方案不匹配"),
    ("relationship", "Relationship", "客户关系"),
    ("other", "Other", "其他"),
]


def seed_defaults(stage_model: Any, reason_model: Any) -> None:
    """Add the built-in rows that are missing (by code); never changes an edited row."""
    have = set(stage_model.objects.exclude(code="").values_list("code", flat=True))
    stage_model.objects.bulk_create(
        stage_model(
            code=code,
            name_en=en,
            name_zh_hans=zh,
            position=(index + 1) * 10,
            probability=probability,
            is_won=won,
            is_lost=lost,
        )
        for index, (code, en, zh, probability, won, lost) in enumerate(STAGES)
        if code not in have
    )
    have = set(reason_model.objects.exclude(code="").values_list("code", flat=True))
    reason_model.objects.bulk_create(
        reason_model(code=code, name_en=en, name_zh_hans=zh, position=(index + 1) * 10)
        for index, (code, en, zh) in enumerate(LOSS_REASONS)
        if code not in have
    )
