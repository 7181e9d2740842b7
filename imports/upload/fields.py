"""What a column can be mapped to, and the header synonyms that map it automatically.

Headers are compared after folding width, case, spaces, punctuation, a trailing "(必填)"-style
remark and a leading "*" required-marker, so "客户名称*", "Account Name" and "account_name"
all match. Salesforce and HubSpot export headers are included.
"""

import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

CONTACT_SLOTS = 3  # up to three contacts in one row: contact_*, contact2_*, contact3_*


@dataclass(frozen=True)
class Target:
    key: str
    label: str
    synonyms: tuple[str, ...]


def _t(key, label, *synonyms) -> Target:
    return Target(key, label, synonyms)


ACCOUNT_TARGETS = [
    _t(
        "name",
        _("Account name"),
        "客户名称",
        "公司名称",
        "单位名称",
        "企业名称",
        "客户全称",
        "公司全称",
        "名称",
        "客户",
        "公司",
        "单位",
        "account name",
        "company",
        "company name",
        "account",
        "organization",
        "organisation",
        "organization name",
        "customer name",
        "customer",
    ),
    _t(
        "uscc",
        _("Unified social credit code"),
        "统一社会信用代码",
        "社会信用代码",
        "信用代码",
        "统一信用代码",
        "纳税人识别号",
        "税号",
        "uscc",
        "unified social credit code",
        "credit code",
        "tax id",
        "tax number",
    ),
    _t(
        "external_code",
        _("Customer code"),
        "客户编号",
        "客户代码",
        "客户编码",
        "编号",
        "customer id",
        "customer code",
        "customer number",
        "account number",
        "account id",
        "record id",
        "company id",
        "external id",
    ),
    _t("industry", _("Industry"), "行业", "所属行业", "行业类别", "行业分类", "industry"),
    _t(
        "territory",
        _("Territory"),
        "区域",
        "地区",
        "销售区域",
        "大区",
        "片区",
        "territory",
        "region",
        "sales region",
        "sales territory",
    ),
    _t(
        "channel",
        _("Channel"),
        "渠道",
        "渠道类型",
        "客户类型",
        "客户类别",
        "channel",
        "account type",
        "type",
    ),
    _t(
        "lifecycle",
        _("Lifecycle"),
        "客户状态",
        "生命周期",
        "lifecycle",
        "lifecycle stage",
        "status",
    ),
    _t(
        "address",
        _("Address"),
        "地址",
        "公司地址",
        "详细地址",
        "联系地址",
        "办公地址",
        "通讯地址",
        "address",
        "street",
        "street address",
        "billing street",
        "billing address",
        "shipping street",
    ),
    _t(
        "phone",
        _("Company phone"),
        "公司电话",
        "电话",  # a landline: the company's, by default (a numbered 电话2 is a contact's)
        "总机",
        "座机",
        "办公电话",
        "单位电话",
        "company phone",
        "main phone",
        "office phone",
        "account phone",
        "phone number",
    ),
    _t(
        "website",
        _("Website"),
        "网址",
        "网站",
        "公司网站",
        "主页",
        "官网",
        "website",
        "web site",
        "company domain name",
        "domain",
        "url",
    ),
    _t("notes", _("Notes"), "备注", "说明", "描述", "notes", "note", "description", "remarks"),
    _t(
        "revenue_potential",
        _("Revenue potential"),
        "潜在收入",
        "收入潜力",
        "预计年采购额",
        "年采购额",
        "潜力",
        "revenue potential",
        "potential",
        "annual revenue",
        "expected revenue",
    ),
    _t(
        "owner",
        _("Owner (user name or email)"),
        "负责人",
        "客户经理",
        "销售代表",
        "业务员",
        "所属销售",
        "销售",
        "归属人",
        "owner",
        "account owner",
        "company owner",
        "contact owner",
        "sales rep",
        "assigned to",
    ),
]

CONTACT_TARGETS = [
    _t(
        "name",
        _("Contact name"),
        "联系人",
        "联系人姓名",
        "姓名",
        "联系人名称",
        "客户联系人",
        "contact",
        "contact name",
        "full name",
        "name",
    ),
    _t("first_name", _("Contact first name"), "名", "first name", "given name"),
    _t("last_name", _("Contact last name"), "姓", "last name", "surname", "family name"),
    _t(
        "title",
        _("Contact title"),
        "职务",
        "职位",
        "头衔",
        "联系人职务",
        "title",
        "job title",
        "position",
    ),
    _t("role", _("Buying role"), "角色", "采购角色", "决策角色", "buying role", "role"),
    _t(
        "phone",
        _("Contact phone"),
        "手机",
        "手机号",
        "手机号码",
        "联系电话",
        "联系人电话",
        "联系人手机",
        "移动电话",
        "phone",
        "mobile",
        "mobile phone",
        "mobile phone number",
        "cell",
        "tel",
        "telephone",
    ),
    _t(
        "email",
        _("Contact email"),
        "邮箱",
        "电子邮箱",
        "电子邮件",
        "邮件",
        "联系人邮箱",
        "email",
        "e-mail",
        "email address",
        "mail",
    ),
    _t(
        "chat",
        _("Chat handle (WeChat, QQ)"),
        "微信",
        "微信号",
        "qq",
        "聊天账号",
        "wechat",
        "chat",
        "chat handle",
    ),
    _t(
        "birthday",
        _("Contact birthday"),
        "生日",
        "出生日期",
        "联系人生日",
        "birthday",
        "birthdate",
        "date of birth",
        "dob",
    ),
    _t("interests", _("Contact interests"), "兴趣爱好", "爱好", "兴趣", "interests", "hobbies"),
]

ORDER_TARGETS = [
    _t(
        "account_name",
        _("Account name"),
        "客户名称",
        "公司名称",
        "单位名称",
        "企业名称",
        "客户",
        "购买单位",
        "account name",
        "company",
        "company name",
        "account",
        "customer",
        "customer name",
    ),
    _t(
        "account_code",
        _("Customer code"),
        "客户编号",
        "客户代码",
        "客户编码",
        "customer id",
        "customer code",
        "account number",
        "account id",
    ),
    _t(
        "account_uscc",
        _("Unified social credit code"),
        "统一社会信用代码",
        "社会信用代码",
        "信用代码",
        "纳税人识别号",
        "税号",
        "uscc",
        "credit code",
        "tax id",
    ),
    _t(
        "date",
        _("Date"),
        "日期",
        "订单日期",
        "销售日期",
        "开票日期",
        "发货日期",
        "成交日期",
        "单据日期",
        "date",
        "order date",
        "invoice date",
        "close date",
    ),
    _t(
        "amount",
        _("Amount"),
        "金额",
        "销售额",
        "订单金额",
        "含税金额",
        "价税合计",
        "总金额",
        "合计",
        "amount",
        "total",
        "revenue",
        "sales",
        "order amount",
        "line total",
    ),
    _t("quantity", _("Quantity"), "数量", "销量", "qty", "quantity"),
    _t("unit_price", _("Unit price"), "单价", "价格", "unit price", "price"),
    _t(
        "invoice_number",
        _("Invoice number"),
        "发票号",
        "发票号码",
        "单号",
        "订单号",
        "订单编号",
        "单据编号",
        "invoice",
        "invoice number",
        "invoice no",
        "order number",
        "order id",
    ),
    _t(
        "product",
        _("Product"),
        "产品",
        "产品名称",
        "商品",
        "商品名称",
        "品名",
        "物料",
        "product",
        "product name",
        "item",
        "sku",
    ),
    _t("profit", _("Profit"), "利润", "毛利", "毛利润", "profit", "margin", "gross profit"),
]


def _contact_targets() -> list[Target]:
    out = []
    for slot in range(1, CONTACT_SLOTS + 1):
        prefix = "contact_" if slot == 1 else f"contact{slot}_"
        for t in CONTACT_TARGETS:
            label = t.label if slot == 1 else f"{t.label} {slot}"
            out.append(Target(prefix + t.key, label, t.synonyms if slot == 1 else ()))
    return out


CUSTOMER_TARGETS = ACCOUNT_TARGETS + _contact_targets()
TARGETS = {"customers": CUSTOMER_TARGETS, "orders": ORDER_TARGETS}
REQUIRED = {"customers": ("name",), "orders": ("date",)}

_REMARK = re.compile(r"[（(\[【].*?[）)\]】]")
_FOLD = re.compile(r"[\s\.\-_/\\:：*＊#№'\"“”]+")


def fold_header(text: str) -> str:
    """Header text as compared with synonyms."""
    text = unicodedata.normalize("NFKC", str(text or "")).lower().strip()
    text = _REMARK.sub("", text)
    return _FOLD.sub("", text)


def _synonym_index(kind: str) -> dict[str, str]:
    index: dict[str, str] = {}
    for target in TARGETS[kind]:
        for synonym in (target.key, *target.synonyms):
            index.setdefault(fold_header(synonym), target.key)
    return index


_INDEX = {kind: _synonym_index(kind) for kind in TARGETS}
_CONTACT_KEYS = {t.key for t in CONTACT_TARGETS}


def target_choices(kind: str) -> list[tuple[str, str]]:
    return [(t.key, t.label) for t in TARGETS[kind]]


def target_keys(kind: str) -> set[str]:
    return {t.key for t in TARGETS[kind]}


def match_header(kind: str, header: str) -> str:
    """The target a header maps to by synonym, or ""."""
    folded = fold_header(header)
    if not folded:
        return ""
    index = _INDEX[kind]
    if folded in index:
        return index[folded]
    if kind == "customers":
        # 联系人2 / 电话2 / Contact 2 Email / 第二联系人…: a numbered second or third contact.
        m = re.fullmatch(r"(?:第([二三]))?(.*?)([23])?", folded)
        if m:
            slot = {"二": "2", "三": "3"}.get(m.group(1) or "", m.group(3) or "")
            base = index.get(m.group(2), "")
            if base == "phone":  # 电话2: the second contact's phone
                base = "contact_phone"
            if slot and base.startswith("contact_") and base[8:] in _CONTACT_KEYS:
                return f"contact{slot}_{base[8:]}"
        m = re.fullmatch(r"contact([23])(.*)", folded)
        if m:
            base = index.get("contact" + m.group(2), "") or index.get(m.group(2), "")
            if base.startswith("contact_"):
                return f"contact{m.group(1)}_{base[8:]}"
    return ""


def auto_map(kind: str, headers: list[str], saved: dict[str, str] | None = None) -> list[str]:
    """One target per header (or ""), each target used once; a saved mapping wins."""
    saved_folded = {fold_header(k): v for k, v in (saved or {}).items()}
    keys = target_keys(kind)
    used: set[str] = set()
    mapping = []
    for header in headers:
        target = saved_folded.get(fold_header(header), "") if saved else ""
        if target not in keys:
            target = "" if saved else match_header(kind, header)
        if target in used:
            target = ""
        if target:
            used.add(target)
        mapping.append(target)
    if kind == "customers" and not saved:
        # A lone "Phone" with no contact next to it is the company's phone.
        contact_cols = {"contact_name", "contact_first_name", "contact_last_name", "contact_email"}
        if "contact_phone" in used and not (used & contact_cols) and "phone" not in used:
            mapping = ["phone" if t == "contact_phone" else t for t in mapping]
    return mapping


def validate_mapping(kind: str, mapping: list[str]) -> list[str]:
    """Problems with a mapping, as messages (empty when it is usable)."""
    problems = []
    keys = target_keys(kind)
    seen: set[str] = set()
    for target in mapping:
        if not target:
            continue
        if target not in keys:
            problems.append(gettext("Unknown target field “%(field)s”.") % {"field": target})
        elif target in seen:
            label = dict(target_choices(kind))[target]
            problems.append(gettext("“%(field)s” is mapped to two columns.") % {"field": label})
        seen.add(target)
    labels = dict(target_choices(kind))
    if kind == "customers" and "name" not in seen:
        problems.append(gettext("Map a column to “%(field)s”.") % {"field": labels["name"]})
    if kind == "orders":
        if "date" not in seen:
            problems.append(gettext("Map a column to “%(field)s”.") % {"field": labels["date"]})
        if not seen & {"account_name", "account_code", "account_uscc"}:
            problems.append(
                gettext("Map a column to the account name, customer code or credit code.")
            )
        if "amount" not in seen and not {"quantity", "unit_price"} <= seen:
            problems.append(gettext("Map the amount, or both the quantity and the unit price."))
    return problems
