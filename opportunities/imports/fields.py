"""What a column of a deals or targets file can be mapped to, with the header synonyms that map
it by itself: our own names, the Chinese headers a team keeps in a sheet, and the export
headers of Salesforce (Opportunity report or Data Loader export) and HubSpot (deals export).
Also the values of the choice columns (stage, lead source, type, forecast category, measure)
as those systems and Chinese sheets write them, and the messages of the rows' errors."""

from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from imports.upload.cleaning import fold
from imports.upload.fields import Target
from opportunities.models import Opportunity
from opportunities.models import Target as Quota


def _t(key, label, *synonyms) -> Target:
    return Target(key, label, synonyms)


# The account of a deal: matched as an order line's is (credit code, customer code, name).
REFERENCE_TARGETS = ("account_name", "account_code", "account_uscc")

DEAL_TARGETS = [
    _t(
        "name",
        _("Opportunity name"),
        "商机名称",
        "商机",
        "机会名称",
        "商机主题",
        "项目名称",
        "opportunity name",
        "deal name",
        "name",
    ),
    _t(
        "account_name",
        _("Account name"),
        "客户名称",
        "客户",
        "公司名称",
        "客户全称",
        "单位名称",
        "关联客户",
        "account name",
        "account",
        "associated company",
        "company",
        "company name",
        "customer",
        "customer name",
    ),
    _t(
        "account_code",
        _("Customer code"),
        "客户编号",
        "客户编码",
        "客户代码",
        "customer code",
        "customer number",
        "account number",
    ),
    _t(
        "account_uscc",
        _("Unified social credit code"),
        "统一社会信用代码",
        "社会信用代码",
        "信用代码",
        "uscc",
        "credit code",
    ),
    _t(
        "amount",
        _("Amount"),
        "金额",
        "商机金额",
        "预计金额",
        "预计成交金额",
        "销售金额",
        "amount",
        "deal amount",
        "opportunity amount",
        "amount in company currency",
    ),
    _t(
        "close_date",
        _("Expected close date"),
        "预计成交日期",
        "预计签单日期",
        "预计结单日期",
        "结单日期",
        "成交日期",
        "close date",
        "expected close date",
        "closing date",
    ),
    _t(
        "stage",
        _("Stage"),
        "阶段",
        "销售阶段",
        "商机阶段",
        "stage",
        "deal stage",
        "opportunity stage",
        "sales stage",
    ),
    _t(
        "probability",
        _("Win probability (%)"),
        "赢单概率",
        "赢单率",
        "赢率",
        "成交概率",
        "probability",
        "deal probability",
        "win probability",
    ),
    _t(
        "owner",
        _("Owner"),
        "负责人",
        "商机负责人",
        "销售负责人",
        "所有人",
        "销售代表",
        "业务员",
        "opportunity owner",
        "deal owner",
        "owner",
        "owner name",
    ),
    _t(
        "source",
        _("Source"),
        "来源",
        "商机来源",
        "线索来源",
        "lead source",
        "source",
        "deal source",
        "original source",
    ),
    _t(
        "type",
        _("Type (new, upsell, renewal)"),
        "商机类型",
        "业务类型",
        "类型",
        "type",
        "deal type",
        "opportunity type",
    ),
    _t(
        "category",
        _("Forecast category"),
        "预测类别",
        "预测分类",
        "forecast category",
        "forecast category name",
    ),
    _t("next_step", _("Next step"), "下一步", "下一步计划", "下一步行动", "next step"),
    _t(
        "next_step_date",
        _("Next step due"),
        "下一步日期",
        "下次跟进日期",
        "next step date",
        "next step due",
    ),
    _t(
        "product_lines",
        _("Product lines"),
        "产品线",
        "意向产品",
        "产品",
        "product lines",
        "product line",
        "products",
    ),
    _t(
        "competitors",
        _("Competitors in play"),
        "竞争对手",
        "竞品",
        "competitors",
        "competitor",
        "main competitors",
    ),
    _t("description", _("Description"), "描述", "商机描述", "备注", "description"),
    # The deal's id in the system it comes from: a later import of the same export updates
    # the deal (mode "update") or skips it, instead of adding it twice.
    _t(
        "source_id",
        _("Record ID in the source system"),
        "商机id",
        "商机编号",
        "opportunity id",
        "deal id",
        "record id",
        "external id",
        "id",
    ),
    _t("created_on", _("Created on"), "创建日期", "创建时间", "create date", "created date"),
]

MEASURE_COLUMNS = {
    Quota.Measure.REVENUE: ("销售额目标", "销售目标", "收入目标", "业绩目标", "revenue target"),
    Quota.Measure.NEW_CUSTOMERS: ("新客户目标", "新客户数", "新增客户数", "new customers target"),
    Quota.Measure.VISITS: ("拜访目标", "拜访次数", "拜访数量", "访问数量定额", "visits target"),
    Quota.Measure.A_VISITS: ("a类客户拜访", "a类拜访", "a visits target"),
    Quota.Measure.PIPELINE_PROSPECTS: ("潜在客户数", "商机储备", "pipeline prospects target"),
}

TARGET_TARGETS = [
    _t(
        "rep",
        _("Rep"),
        "销售代表",
        "销售",
        "业务员",
        "负责人",
        "员工",
        "姓名",
        "rep",
        "sales rep",
        "user",
        "username",
        "owner",
    ),
    _t("team", _("Team"), "团队", "销售团队", "小组", "team", "sales team"),
    _t("period", _("Period (month or quarter)"), "期间", "周期", "月份", "季度", "period"),
    _t("measure", _("Measure"), "指标", "考核指标", "目标类型", "measure", "metric", "kpi"),
    _t("value", _("Target value"), "目标", "目标值", "指标值", "定额", "value", "target", "quota"),
    # A sheet with one column per measure ("销售额目标", "拜访次数" …): each filled cell is a
    # target of its own.
    *[
        _t(f"value_{measure.value}", format_lazy("{} ({})", measure.label, _("target")), *synonyms)
        for measure, synonyms in ((m, MEASURE_COLUMNS[m]) for m in Quota.Measure)
    ],
]


def validate_deals(seen: set[str], labels: dict[str, str]) -> list[str]:
    problems = [
        gettext("Map a column to “%(field)s”.") % {"field": labels[key]}
        for key in ("name", "close_date", "stage")
        if key not in seen
    ]
    if not seen & set(REFERENCE_TARGETS):
        problems.append(gettext("Map a column to the account name, customer code or credit code."))
    return problems


def validate_targets(seen: set[str], labels: dict[str, str]) -> list[str]:
    problems = []
    if not seen & {"rep", "team"}:
        problems.append(gettext("Map a column to the rep or the team."))
    if "period" not in seen:
        problems.append(gettext("Map a column to “%(field)s”.") % {"field": labels["period"]})
    by_measure = {k for k in seen if k.startswith("value_")}
    if not by_measure and not {"measure", "value"} <= seen:
        problems.append(gettext("Map the measure and the target value, or a column per measure."))
    return problems


def _choices(mapping: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {fold(s): str(value) for value, synonyms in mapping.items() for s in (value, *synonyms)}


SOURCES = _choices(
    {
        Opportunity.Source.EXISTING_CUSTOMER: (
            "existing customer",
            "existing business",
            "老客户",
            "现有客户",
            "老客户介绍",
        ),
        # Salesforce's standard Lead Source values, HubSpot's original sources, Chinese ones.
        Opportunity.Source.REFERRAL: (
            "referral",
            "partner referral",
            "employee referral",
            "external referral",
            "word of mouth",
            "转介绍",
            "介绍",
            "朋友介绍",
            "有力人士介绍",
        ),
        Opportunity.Source.VISIT: ("visit", "cold call", "phone inquiry", "拜访", "陌拜", "电话"),
        Opportunity.Source.WEB: (
            "web",
            "website",
            "organic search",
            "paid search",
            "direct traffic",
            "social media",
            "email marketing",
            "官网",
            "网站",
            "网络",
            "线上",
        ),
        Opportunity.Source.EVENT: (
            "event",
            "trade show",
            "seminar - internal",
            "seminar - partner",
            "seminar",
            "展会",
            "会议",
            "活动",
            "研讨会",
        ),
        Opportunity.Source.PARTNER: ("partner", "合作伙伴", "渠道", "代理商"),
        Opportunity.Source.OTHER: (
            "other",
            "purchased list",
            "advertisement",
            "public relations",
            "offline sources",
            "其他",
            "其它",
        ),
    }
)
KINDS = _choices(
    {
        Opportunity.Kind.NEW: (
            "new business",
            "new customer",
            "newbusiness",
            "新业务",
            "新客户",
            "新签",
        ),
        Opportunity.Kind.UPSELL: (
            "existing business",
            "existingbusiness",
            "existing customer - upgrade",
            "upsell",
            "增购",
            "追加",
            "加购",
            "增购升级",
        ),
        Opportunity.Kind.RENEWAL: (
            "renewal",
            "existing customer - replacement",
            "existing customer - downgrade",
            "续约",
            "续费",
            "续签",
        ),
    }
)
CATEGORIES = _choices(
    {
        Opportunity.Category.COMMIT: ("commit", "closed", "closed won", "承诺", "确定", "已承诺"),
        Opportunity.Category.BEST_CASE: ("best case", "bestcase", "最佳", "乐观", "可能"),
        Opportunity.Category.PIPELINE: ("pipeline", "管道", "储备", "渠道"),
        Opportunity.Category.OMITTED: (
            "omitted",
            "not forecasted",
            "omit",
            "忽略",
            "排除",
            "不预测",
        ),
    }
)
MEASURES = _choices(
    {
        Quota.Measure.REVENUE: ("revenue", "sales", "销售额", "收入", "营收", "业绩", "销售收入"),
        Quota.Measure.NEW_CUSTOMERS: ("new customers", "新客户", "新客户数", "新增客户"),
        Quota.Measure.VISITS: ("visits", "拜访", "拜访次数", "拜访数量", "访问", "访问数量"),
        Quota.Measure.A_VISITS: (
            "a visits",
            "visits to a accounts",
            "a-tier visits",
            "a类客户拜访",
            "a类拜访",
            "重点客户拜访",
        ),
        Quota.Measure.PIPELINE_PROSPECTS: (
            "prospects",
            "pipeline prospects",
            "prospects in the pipeline",
            "潜在客户",
            "潜在客户数",
            "商机储备",
            "储备客户",
        ),
    }
)
for _measure in Quota.Measure:
    MEASURES.setdefault(fold(str(_measure.label)), _measure.value)

# Other systems' stage names, as the built-in stage (by code) they stand for. HubSpot's default
# sales pipeline gives its internal ids (appointmentscheduled …) in an export of ids and its
# labels otherwise; Salesforce's default stages are named. An admin's own stage of the same
# name always wins (these are only looked up when no stage has that name or code).
STAGE_ALIASES: dict[str, tuple[str, ...]] = {
    "first_contact": (
        "appointmentscheduled",
        "appointment scheduled",
        "prospecting",
        "初步接洽",
        "初次接触",
        "线索",
    ),
    "needs_confirmed": (
        "qualifiedtobuy",
        "qualified to buy",
        "qualification",
        "needs analysis",
        "需求分析",
        "需求确定",
    ),
    "proposal": (
        "presentationscheduled",
        "presentation scheduled",
        "value proposition",
        "id. decision makers",
        "perception analysis",
        "proposal/price quote",
        "方案",
        "报价",
        "方案/报价",
    ),
    "negotiation": (
        "decisionmakerboughtin",
        "decision maker bought-in",
        "contractsent",
        "contract sent",
        "negotiation/review",
        "谈判",
        "合同谈判",
    ),
    "won": ("closedwon", "closed won", "成交", "已成交", "赢单", "签约"),
    "lost": ("closedlost", "closed lost", "丢单", "失败", "输单"),
}

MESSAGES = {
    "stage_unknown": _("No stage has this name or code."),
    "stage_inactive": _("This stage is no longer used for new deals."),
    "probability_invalid": _("Not a probability (a number from 0 to 100, or a percentage)."),
    "owner_defaulted": _("No such user: the deal was given to the default owner."),
    "owner_out_of_scope": _("You cannot give deals or targets to this user."),
    "source_other": _("Unknown source: set to Other."),
    "type_new": _("Unknown type (new business, upsell or renewal): set to New business."),
    "category_pipeline": _("Unknown forecast category: set to Pipeline."),
    "created_on_ignored": _("Not a date: the deal counts as created today."),
    "deal_exists": _("A deal with this record ID already exists (mode “create only”)."),
    "deal_repeated": _("An earlier row of the file has the same record ID."),
    "deal_out_of_scope": _("A deal with this record ID exists in a book you cannot see."),
    "rep_unknown": _("No such user."),
    "team_unknown": _("No such team, or not one of yours."),
    "rep_and_team": _("Give the rep or the team, not both."),
    "rep_or_team": _("Give the rep or the team."),
    "period_invalid": _("Not a month or a quarter (use e.g. 2026-01, 2026-Q1 or 2026年1月)."),
    "measure_unknown": _(
        "Unknown measure (revenue, new customers, visits, A-tier visits or prospects)."
    ),
    "target_exists": _("This target is already set (mode “create only”)."),
    "target_repeated": _("An earlier row of the file sets the same target."),
}
