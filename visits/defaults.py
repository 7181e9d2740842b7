"""The built-in rows an admin starts from: the 17 items of the pre-visit checklist (出发前检核)
and the occasions (contacts' birthdays, Spring Festival and Mid-Autumn on the lunar calendar,
New Year). The data migration writes them; `seed_defaults` adds any that are missing."""

from typing import Any

CHECKLIST = [
    ("Dress and appearance fit the visit", "个人服装、形象是否得体", ""),
    ("Sales map ready", "行销地图是否准备好", ""),
    ("The trade's situation, style and habits understood", "是否了解该行业的状况、风格与习惯", ""),
    ("Customers classified and graded", "客户是否已分类、分级", ""),
    ("Customer card prepared", "客户卡是否准备好", ""),
    ("Visit goals and visit quota set", "拜访目标与拜访量是否确定", ""),
    ("Key accounts clear", "重点客户是否明确", ""),
    ("Advertising, promotion and PR in step", "广告、促销、公关活动是否配合", ""),
    ("Materials and samples packed", "资料、样品是否带齐", ""),
    ("Intelligence-gathering outline ready", "情报调查提纲是否准备好", ""),
    ("Answers ready for being turned away or refused", "被拒绝时的应对是否准备好", ""),
    ("All likely big-order chances listed", "可能的大订单机会是否都已列出", "opportunities"),
    ("Referrals or word of mouth used", "是否利用了有力人士介绍或口碑", ""),
    ("The key person / decision maker known", "是否知道关键人物（决策人）", "decision_maker"),
    ("Letter or phone used, appointment made", "是否已用信函或电话预约", ""),
    ("The pitch that will move this customer chosen", "是否选定了打动该客户的说法", ""),
    (
        "The handler's or decision maker's interests known",
        "是否了解承办人或决策人的兴趣爱好",
        "interests",
    ),
]

OCCASIONS: list[dict[str, Any]] = [
    {
        "code": "birthday",
        "kind": "birthday",
        "name_en": "Birthday",
        "name_zh_hans": "生日",
        "gift_type": "birthday_gift",
        "gift_tiers": ["A"],
        "gift_roles": ["decision_maker", "handler"],
        "greeting_type": "card",
        "greeting_tiers": ["B", "C"],
        "greeting_roles": ["decision_maker", "handler"],
    },
    {
        "code": "spring_festival",
        "kind": "lunar",
        "month": 1,
        "day": 1,
        "name_en": "Spring Festival",
        "name_zh_hans": "春节",
        "gift_type": "souvenir",
        "gift_tiers": ["A"],
        "gift_roles": ["decision_maker", "handler"],
        "greeting_type": "card",
        "greeting_tiers": ["B", "C"],
        "greeting_roles": ["decision_maker"],
    },
    {
        "code": "mid_autumn",
        "kind": "lunar",
        "month": 8,
        "day": 15,
        "name_en": "Mid-Autumn Festival",
        "name_zh_hans": "中秋节",
        "gift_type": "souvenir",
        "gift_tiers": ["A"],
        "gift_roles": ["decision_maker"],
        "greeting_type": "message",
        "greeting_tiers": ["B"],
        "greeting_roles": ["decision_maker", "handler"],
    },
    {
        "code": "new_year",
        "kind": "solar",
        "month": 1,
        "day": 1,
        "name_en": "New Year",
        "name_zh_hans": "元旦",
        "gift_type": "souvenir",
        "gift_tiers": [],
        "gift_roles": [],
        "greeting_type": "card",
        "greeting_tiers": ["A", "B"],
        "greeting_roles": ["decision_maker"],
    },
]


def seed_defaults(checklist_item_model=None, occasion_model=None) -> None:
    """Create the missing built-in rows (models given by a migration, else the real ones)."""
    if checklist_item_model is None or occasion_model is None:
        from visits.models import ChecklistItem, Occasion

        checklist_item_model, occasion_model = ChecklistItem, Occasion
    for position, (en, zh, shows) in enumerate(CHECKLIST, 1):
        checklist_item_model.objects.get_or_create(
            position=position, defaults={"text_en": en, "text_zh_hans": zh, "shows": shows}
        )
    for row in OCCASIONS:
        occasion_model.objects.get_or_create(code=row["code"], defaults=row)
