"""What a column can be mapped to, and the header synonyms that map it automatically.

Headers are compared after folding width, case, spaces, punctuation, a trailing "(必填)"-style
remark and a leading "*" required-marker, so "客户名称*", "Account Name" and "account_name"
all match. A header that matches no synonym that way is split into its words (CamelCase,
snake_case, kebab-case: "CustomerNo", "order_qty") whose usual abbreviations are spelled out
("no" → number, "qty" → quantity) and compared again. The export headers of Salesforce,
HubSpot, Odoo, 纷享销客 and 销售易 are included (docs/IMPORTS.md lists which maps where).
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
        "partner name",
        "公司名",
        "客户名",
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
        "vat",
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
        "internal reference",
        "reference",
        "ref",
    ),
    # The record's id in the CRM the file was exported from (Salesforce Id, HubSpot Record
    # ID, Odoo's external ID, 纷享销客 / 销售易 数据ID): kept with the account as its external
    # reference, so a second import of the same export finds the account again.
    _t(
        "source_id",
        _("Record ID in the source system"),
        "id",
        "record id",
        "account id",
        "company id",
        "external id",
        "source id",
        "数据id",
        "记录id",
        "客户id",
    ),
    _t(
        "industry",
        _("Industry"),
        "行业",
        "所属行业",
        "行业类别",
        "行业分类",
        "industry",
        "industry id",
    ),
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
        "客户类别",
        "channel",
    ),
    # A CRM's account type (Salesforce Type, HubSpot Type, 客户类型): says both whether the
    # account already buys (lifecycle) and through which channel (cleaning.ACCOUNT_TYPES).
    _t(
        "account_type",
        _("Account type (lifecycle and channel)"),
        "客户类型",
        "客户性质",
        "account type",
        "type",
        "company type",
        "relationship type",
    ),
    _t(
        "lifecycle",
        _("Lifecycle"),
        "客户状态",
        "生命周期",
        "lifecycle",
        "lifecycle stage",
        "status",
        "成交状态",
        "客户阶段",
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
    ),
    # Parts of an address in columns of their own (Salesforce Billing*, HubSpot, Odoo): joined
    # after the street into the account's address.
    _t(
        "address_city",
        _("City"),
        "城市",
        "市",
        "所在城市",
        "city",
        "billing city",
    ),
    _t(
        "address_state",
        _("State or province"),
        "省份",
        "省",
        "所在省份",
        "state",
        "province",
        "state region",
        "billing state",
        "billing state province",
        "state id",
    ),
    _t(
        "address_postal_code",
        _("Postal code"),
        "邮编",
        "邮政编码",
        "postal code",
        "zip",
        "zip code",
        "postcode",
        "billing postal code",
        "billing zip postal code",
    ),
    _t(
        "address_country",
        _("Country"),
        "国家",
        "country",
        "country region",
        "billing country",
        "country id",
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
        "website url",
        "domain",
        "url",
    ),
    _t(
        "notes",
        _("Notes"),
        "备注",
        "说明",
        "描述",
        "notes",
        "note",
        "description",
        "account description",
        "remarks",
        "comment",
        "internal notes",
    ),
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
    # Where the account is (the sales map), in WGS-84 decimal degrees; a bad or out-of-range
    # cell is a warning (the row kept, no location). "坐标" holds both, in either order.
    _t(
        "latitude",
        _("Latitude"),
        "纬度",
        "北纬",
        "latitude",
        "lat",
        "billing latitude",
        "shipping latitude",
        "geo latitude",
    ),
    _t(
        "longitude",
        _("Longitude"),
        "经度",
        "东经",
        "longitude",
        "lng",
        "lon",
        "long",
        "billing longitude",
        "shipping longitude",
        "geo longitude",
    ),
    _t(
        "coordinates",
        _("Coordinates (latitude, longitude)"),
        "坐标",
        "经纬度",
        "经纬度坐标",
        "位置坐标",
        "gps",
        "gps坐标",
        "coordinates",
        "geo coordinates",
        "lat lng",
        "lat long",
        "latlng",
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
        "salesperson",
        "所有人",
        "客户所有人",
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
        "job position",
        "function",
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
        "customer number",
        "customer account",
        "debtor number",
        "account number",
        "account id",
        "客户id",
        "客户号",
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
        "document date",
        "posting date",
        "delivery date",
        "ship date",
        "transaction date",
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
        "line amount",
        "net amount",
        "net value",
        "net total",
        "total amount",
        "total price",
        "extended price",
        "subtotal",
    ),
    _t(
        "quantity",
        _("Quantity"),
        "数量",
        "销量",
        "qty",
        "quantity",
        "quantity ordered",
        "order quantity",
        "quantity sold",
        "units",
    ),
    _t(
        "unit_price",
        _("Unit price"),
        "单价",
        "价格",
        "含税单价",
        "unit price",
        "price",
        "net price",
        "sales price",
        "price each",
    ),
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
        "sales order",
        "sales order number",
        "document number",
        "bill number",
        "receipt number",
        "transaction id",
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
        "产品编码",
        "产品编号",
        "物料编码",
        "物料名称",
        "商品编码",
        "存货编码",
        "存货名称",
        "货号",
        "item",
        "item code",
        "item name",
        "item number",
        "item description",
        "product code",
        "product number",
        "product id",
        "stock code",
        "stock number",
        "article",
        "article number",
        "material",
        "description",
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


# Word boundaries inside CamelCase: "OrderNo", "CustomerID", "HTTPLink", "Contact2Email".
_CAMEL = re.compile(
    r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=[0-9])|(?<=[0-9])(?=[A-Za-z])"
)
_WORDS = re.compile(r"[^\W_]+")
# Abbreviations of ERP and shop exports, spelled out as the synonyms spell them.
ABBREVIATIONS = {
    "no": "number",
    "nr": "number",
    "nbr": "number",
    "num": "number",
    "qty": "quantity",
    "amt": "amount",
    "cust": "customer",
    "acct": "account",
    "inv": "invoice",
    "desc": "description",
    "descr": "description",
    "prod": "product",
    "addr": "address",
    "dt": "date",
    "ord": "order",
    "doc": "document",
}


def header_words(text: str) -> list[str]:
    """The words of a header: "CustomerNo" → ["customer", "number"]."""
    text = unicodedata.normalize("NFKC", str(text or "")).strip()
    text = _REMARK.sub("", _CAMEL.sub(" ", text)).lower()
    return [ABBREVIATIONS.get(word, word) for word in _WORDS.findall(text)]


def _canonical(text: str) -> str:
    return "".join(header_words(text))


def kind_targets(kind: str) -> list[Target]:
    """The targets of a kind: built in (customers, orders), or registered by a higher app
    (imports.registry); none for an unknown kind."""
    if kind in TARGETS:
        return TARGETS[kind]
    from imports.registry import import_kind

    registered = import_kind(kind)
    return list(registered.targets) if registered is not None else []


def _synonym_index(kind: str) -> dict[str, str]:
    index: dict[str, str] = {}
    targets = kind_targets(kind)
    for target in targets:
        for synonym in (target.key, *target.synonyms):
            index.setdefault(fold_header(synonym), target.key)
    for target in targets:
        for synonym in (target.key, *target.synonyms):
            index.setdefault(_canonical(synonym), target.key)
    return index


_INDEX = {kind: _synonym_index(kind) for kind in TARGETS}
_CONTACT_KEYS = {t.key for t in CONTACT_TARGETS}


def _index(kind: str) -> dict[str, str]:
    index = _INDEX.get(kind)
    if index is None:
        index = _INDEX[kind] = _synonym_index(kind)
    return index


def forget_index(kind: str) -> None:
    """Drop the header index of a registered kind (its targets changed)."""
    if kind not in TARGETS:
        _INDEX.pop(kind, None)


def target_choices(kind: str) -> list[tuple[str, str]]:
    return [(t.key, t.label) for t in kind_targets(kind)]


def target_keys(kind: str) -> set[str]:
    return {t.key for t in kind_targets(kind)}


def match_header(kind: str, header: str) -> str:
    """The target a header maps to by synonym, or ""."""
    folded = fold_header(header)
    if not folded:
        return ""
    index = _index(kind)
    if folded in index:
        return index[folded]
    canonical = _canonical(header)
    if canonical in index:
        return index[canonical]
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


# Headers only one vendor's export has: the source system of a file's record ids.
SOURCE_MARKERS = {
    "hubspot": ("record id", "company domain name", "lifecycle stage", "company owner"),
    "salesforce": (
        "master record id",
        "system modstamp",
        "billing street",
        "account source",
        "parent account id",
        "billing geocode accuracy",
    ),
    "odoo": ("is a company", "is company", "related company", "company type", "customer rank"),
}


def _vendor(headers: list[str]) -> str:
    folded = {_canonical(h) for h in headers} | {fold_header(h) for h in headers}
    for system, markers in SOURCE_MARKERS.items():
        if any(_canonical(marker) in folded for marker in markers):
            return system
    return ""


def source_system(headers: list[str], mapping: list[str]) -> str:
    """The system a file's record ids belong to (SOURCE_MARKERS), or, for a file of no
    known vendor, "file:" and its id column's header: ids are only compared within one."""
    if "source_id" not in mapping:
        return ""
    vendor = _vendor(headers)
    if vendor:
        return vendor
    index = mapping.index("source_id")
    header = headers[index] if index < len(headers) else ""
    return ("file:" + fold_header(header))[:40]


# Headers of an export of people (Salesforce Contact, HubSpot contacts), not of companies.
PERSON_EXPORT_MARKERS = (
    "reports to id",
    "mailing street",
    "assistant name",
    "contact owner",
    "associated company",
    "lead status",
)


def _is_person_export(headers: list[str]) -> bool:
    words = {_canonical(h) for h in headers}
    return any(_canonical(marker) in words for marker in PERSON_EXPORT_MARKERS)


def _person_export(headers: list[str], mapping: list[str]) -> list[str]:
    """In an export of people, a record id is a person's (not an account's external
    reference), a bare "Name" is the person's, and the phone is the person's."""
    out: list[str] = []
    for header, target in zip(headers, mapping, strict=False):
        if target == "source_id":
            target = ""
        elif target == "name" and fold_header(header) == "name":
            target = "contact_name"
        elif target == "phone":
            target = "contact_phone"
        out.append("" if target and target in out else target)  # the first column wins
    return out


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
    if kind == "customers" and not saved and _is_person_export(headers):
        mapping = _person_export(headers, mapping)
    if kind == "customers" and not saved and "source_id" in mapping:
        # A bare "ID" is a record id only in a known vendor's export; in any other list it is
        # as likely a row number, which would match another file's rows by mistake.
        index = mapping.index("source_id")
        if fold_header(headers[index]) == "id" and not _vendor(headers):
            mapping[index] = ""
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
    if kind not in TARGETS:
        from imports.registry import import_kind

        registered = import_kind(kind)
        if registered is not None:
            problems += registered.validate(seen, labels)
    return problems
