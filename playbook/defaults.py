"""The built-in talk tracks and intelligence outline an admin starts from, drawn from the
pre-visit checklist of the source material ("建立情报调查提纲", "准备遭挡驾或拒绝的话术",
"用什么行销话术打动客户", "知道关键人或做出决策的人", "了解承办人或决策人的兴趣爱好", "是否将订货
可能较大机会全部列出", "是否利用有力人士介绍或口碑") and its notes on customers (distributors or
end users; more usage, more frequent use, more products; loyalty to the competitor; price
competition and look-alike products). The data migration writes them; `seed_defaults` adds any
that are missing (by `code`), never overwriting an admin's edits."""

from typing import Any

# (code, situation, title en, title zh, text en, text zh)
TALK_TRACKS: list[tuple[str, str, str, str, str, str]] = [
    (
        "first_call_benefit",
        "first_call",
        "Open with what they gain",
        "从客户的利益谈起",
        "Say who you are and why you came in one sentence, then talk about how we can help "
        "them make money: lower cost of use, fewer stoppages, a product that sells. Ask one "
        "open question about their business before showing anything.",
        "用一句话说明自己是谁、为何而来，然后谈我们如何帮客户赚钱：降低使用成本、减少停机、"
        "好卖的产品。展示任何资料之前，先问一个关于对方生意的开放式问题。",
    ),
    (
        "first_call_old_contact",
        "first_call",
        "An old contact from your former work",
        "以前工作中认识的旧客户",
        "Tell them about your new work and what changed for you. People who once sold to you, "
        "or peers you did business with, already trust you: ask for a short meeting and for "
        "the right person to talk to.",
        "详述自己的新工作和变化。以前向您销售过东西的人、曾有生意往来的同行，对您已有信赖感："
        "请对方安排一次简短的会面，并介绍合适的对接人。",
    ),
    (
        "gatekeeper_name",
        "gatekeeper",
        "The receptionist will not let you through",
        "前台或秘书挡驾",
        "Be polite and brief; never argue. Ask for the name and title of the person who "
        "handles purchasing and the best time to reach them, leave a brochure with your card, "
        "and make an appointment by phone or letter before the next visit.",
        "礼貌、简短，绝不争辩。请教负责采购的人的姓名、职务以及方便联系的时间，留下说明书和"
        "名片，下次拜访前先用电话或信函预约。",
    ),
    (
        "gatekeeper_referral",
        "gatekeeper",
        "Come back through a referral",
        "借助有力人士的介绍",
        "If the door stays closed, find someone the decision maker listens to (a customer, a "
        "partner, an association) and ask them to introduce you; mention their name when you "
        "call again.",
        "如果一直进不了门，找一位决策人信任的人（客户、合作伙伴、协会）代为引荐；再次联系时提及"
        "介绍人的名字。",
    ),
    (
        "refusal_small_step",
        "refusal",
        '"We are not interested"',
        "“我们不感兴趣”",
        "Thank them and ask what would have to change for it to be worth a look. Offer a "
        "small next step (a sample, a trial, a visit next quarter), keep in touch with "
        "occasional touches, and record the prospect as green, not lost.",
        "表示感谢，并请教：要怎样才值得考虑？提出一个小的下一步（样品、试用、下季度再访），"
        "平时用适当的方式保持联系，把该潜在客户记为绿色，而不是放弃。",
    ),
    (
        "price_value",
        "price",
        '"Your price is too high"',
        "“你们的价格太高”",
        "Ask what they compare it with. Move from unit price to what it costs them in use: "
        "consumption, service life, downtime, service and delivery. Never cut the price in the "
        "first answer; if you give something, ask for something (volume, payment terms).",
        "先问对方和什么比较。把话题从单价转到使用总成本：用量、寿命、停机、服务和交货。第一次"
        "回应绝不降价；如需让步，要换取对方的承诺（采购量、付款条件）。",
    ),
    (
        "competitor_supplier",
        "competitor",
        '"We already have a supplier"',
        "“我们已经有供应商了”",
        "Never speak ill of the competitor. Ask what they would improve in the current "
        "supply; where products look alike, the difference is service. Offer to take a part "
        "of the volume as a trial so they have a second source.",
        "不要批评竞争对手。请教对方对现有供应有哪些希望改进之处；产品同质时，差别在服务。建议"
        "先试用一部分用量，让对方多一个供应来源。",
    ),
    (
        "closing_ask",
        "closing",
        "Ask for the order",
        "要求订单",
        "Sum up the two or three benefits they agreed with, propose a concrete first order "
        "(products, quantity, date) and ask directly. Agree the next step with a date, then "
        "arrive and reply exactly as promised.",
        "总结对方认可的两三点好处，提出具体的首次订单（品种、数量、日期）并直接提出请求。约定"
        "带日期的下一步，然后依约定时间抵达，依承诺回复。",
    ),
]

# (code, question en, question zh)
QUESTIONS: list[tuple[str, str, str]] = [
    (
        "trade_style",
        "What is the state of their trade, and what are their style and habits?",
        "该行业的状况如何？客户的经营风格与习惯是什么？",
    ),
    (
        "buyer_type",
        "Are they a distributor or an end user, and how do they buy?",
        "客户是经销商还是终端用户？采购方式如何？",
    ),
    (
        "decision_maker",
        "Who is the key person or decision maker, and who handles the purchase?",
        "谁是关键人物或决策人？谁是承办人？",
    ),
    (
        "interests",
        "What are the handler's and the decision maker's interests?",
        "承办人和决策人的兴趣爱好是什么？",
    ),
    (
        "current_supplier",
        "Who supplies them now, and how loyal are they to that supplier?",
        "目前的供应商是谁？对其忠诚度高低？",
    ),
    (
        "usage",
        "How much do they use, how often, and which products?",
        "目前的使用量、使用频率和使用品种如何？",
    ),
    (
        "big_orders",
        "Which big-order chances are coming (projects, expansion, tenders)?",
        "近期有哪些可能的大订单机会（项目、扩产、招标）？",
    ),
    (
        "budget_terms",
        "What budget, price level and payment terms do they expect?",
        "预算、价格水平和付款条件如何？",
    ),
    (
        "complaints",
        "What are they unhappy with in the products or service they get now?",
        "对现有的产品或服务有哪些不满？",
    ),
    (
        "referrals",
        "Who could introduce us or speak well of us?",
        "有哪些有力人士可以介绍或推荐我们？",
    ),
]


def seed_defaults(talk_track_model: Any = None, question_model: Any = None) -> None:
    """Create the missing built-in rows (models given by a migration, else the real ones)."""
    if talk_track_model is None or question_model is None:
        from playbook.models import IntelligenceQuestion, TalkTrack

        talk_track_model, question_model = TalkTrack, IntelligenceQuestion
    for position, (code, situation, title_en, title_zh, text_en, text_zh) in enumerate(
        TALK_TRACKS, 1
    ):
        talk_track_model.objects.get_or_create(
            code=code,
            defaults={
                "situation": situation,
                "title_en": title_en,
                "title_zh_hans": title_zh,
                "text_en": text_en,
                "text_zh_hans": text_zh,
                "position": position,
            },
        )
    for position, (code, text_en, text_zh) in enumerate(QUESTIONS, 1):
        question_model.objects.get_or_create(
            code=code,
            defaults={"text_en": text_en, "text_zh_hans": text_zh, "position": position},
        )
