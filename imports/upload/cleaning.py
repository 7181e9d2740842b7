"""Turning one cell of a messy legacy file into a value, or into an error code.

Cleaners never evaluate anything: a cell such as "=HYPERLINK(…)" or "@SUM(A1)" is kept as
the literal text it is (exports escape it again). Error codes are turned into messages at
display time (`error_message`), in the reader's language.
"""

import datetime
import operator
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, Contact
from accounts.normalize import USCC_ALPHABET, clean_uscc


class CellError(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


ERROR_MESSAGES = {
    "required": _("This value is required."),
    "name_empty": _("The name has no letters or digits."),
    "too_long": _("The value is too long."),
    "uscc_length": _("A unified social credit code has 18 characters."),
    "uscc_chars": _("The unified social credit code contains characters that are not allowed."),
    "uscc_check": _("The unified social credit code's check character is wrong."),
    "email_invalid": _("Not a valid email address."),
    "phone_invalid": _("Not a phone number."),
    "url_invalid": _("Not a valid web address."),
    "date_invalid": _("Not a date (use e.g. 2024-03-31)."),
    "birthday_invalid": _("Not a birthday (use e.g. 1980-05-17 or 05-17)."),
    "number_invalid": _("Not a number."),
    "number_too_big": _("The number is too big."),
    "negative": _("The number cannot be negative."),
    "channel_unknown": _("Unknown channel (use direct or distributor)."),
    "lifecycle_unknown": _("Unknown lifecycle (use existing or potential)."),
    "account_type_unknown": _(
        "Unknown account type (e.g. Prospect, Customer - Direct, Customer - Channel, Reseller)."
    ),
    "role_unknown": _("Unknown buying role (decision maker, handler, influencer or user)."),
    "territory_unknown": _("Unknown territory."),
    "owner_unknown": _("No such user, or you cannot give accounts to this user."),
    "exists": _("This account already exists (mode “create only”)."),
    "exists_elsewhere": _("This account already exists in a book you cannot see."),
    "code_taken": _("This code already belongs to another account."),
    "code_conflict": _("Another row of the file gives this code to a different company."),
    "see_row": _("Rejected with the row it repeats, which has errors."),
    "account_unknown": _("No account you can see matches this reference."),
    "account_ambiguous": _("Several accounts have this name; give the customer code."),
    "amount_missing": _("Give the amount, or the quantity and the unit price."),
    "duplicate_line": _("This order line is already in the database or earlier in the file."),
    "changed_meanwhile": _("The account was changed by someone else during the import."),
    # Warnings (ImportRowError level "warning"): the row is kept, the cell is not as it was.
    "phone_to_note": _("Not a phone number: kept as text in the note."),
    "phone_dropped": _("Not a phone number: left out."),
    "birthday_ignored": _("Not a birthday (use e.g. 1980-05-17 or 05-17): left empty."),
    "channel_ignored": _("Unknown channel (direct or distributor): left empty."),
    "lifecycle_ignored": _("Unknown lifecycle (existing or potential): left empty."),
    "role_ignored": _(
        "Unknown buying role (decision maker, handler, influencer or user): left empty."
    ),
    "account_type_ignored": _(
        "Unknown account type (e.g. Prospect, Customer - Direct, Customer - Channel, "
        "Reseller): left empty."
    ),
    "coordinate_invalid": _("Not a coordinate in degrees (e.g. 31.2304): no location."),
    "coordinate_out_of_range": _(
        "Out of range (latitude -90 to 90, longitude -180 to 180): no location."
    ),
    "coordinate_ambiguous": _(
        "Cannot tell the latitude from the longitude (both within ±90): no location."
    ),
    "coordinate_half": _("Only one of the latitude and the longitude: no location."),
    # The same, when the batch's admin chose "other" for unknown values (unknown_choices).
    "channel_other": _("Unknown channel (direct or distributor): set to Other."),
    "role_other": _(
        "Unknown buying role (decision maker, handler, influencer or user): set to Other."
    ),
    "account_type_other": _(
        "Unknown account type (e.g. Prospect, Customer - Direct, Customer - Channel, "
        "Reseller): channel set to Other, lifecycle left empty."
    ),
    "lines_repeated": _(
        "The same line (account, date, invoice, product, amount) is in this invoice several "
        "times (invoice × times): each is kept as a line of its own."
    ),
    "account_to_enrich": _(
        "No account has this customer code: a new account was named after the code, "
        "to be renamed (marked “to enrich”)."
    ),
    "nul_character": _(
        "The cell contains a NUL character (a zero byte), which cannot be stored; the row "
        "was not imported."
    ),
}


def error_message(code: str) -> str:
    message = ERROR_MESSAGES.get(code)
    if message is None:
        # A code of a kind that a higher app registered (imports.registry).
        from imports.registry import registered_message

        message = registered_message(code)
    return str(code if message is None else message)


class Failed:
    """What a Memo keeps for a raw value its cleaner refused: the error code."""

    __slots__ = ("code",)

    def __init__(self, code: str):
        self.code = code


class Memo(dict):
    """`memo[raw]` is `clean(raw)`, computed once per distinct raw value (legacy files repeat
    the same industries, dates, products, quantities and prices thousands of times), or a
    Failed holding the error code. A hit is one dict lookup. Cleared when it is full, so a
    file of a million distinct values does not keep them all."""

    __slots__ = ("clean", "limit")

    def __init__(self, clean, limit: int = 100_000):
        super().__init__()
        self.clean = clean
        self.limit = limit

    def __missing__(self, raw):
        try:
            value = self.clean(raw)
        except CellError as exc:
            value = Failed(exc.code)
        if len(self) >= self.limit:
            self.clear()
        self[raw] = value
        return value


_INVISIBLE_CHARS = "\u200b\u200c\u200d\u2060\ufeff\u00a0"
_INVISIBLE = dict.fromkeys(map(ord, _INVISIBLE_CHARS), " ")
_HAS_INVISIBLE = re.compile(f"[{_INVISIBLE_CHARS}]")


def text(value: str, max_length: int) -> str:
    if not value:
        return ""
    # translate() looks every character up in a dict: only pay for it when there is
    # something to replace (never in ASCII text).
    if not value.isascii() and _HAS_INVISIBLE.search(value):
        value = value.translate(_INVISIBLE)
    value = value.strip()
    if len(value) > max_length:
        raise CellError("too_long")
    return value


def required_text(value: str, max_length: int) -> str:
    value = text(value, max_length)
    if not value:
        raise CellError("required")
    return value


# A code already written as clean_uscc returns it (18 upper-case characters of the code's
# alphabet, nothing to fold), whose check character can be verified with dict lookups.
_PLAIN_USCC = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}")
_USCC_VALUE = {ch: i for i, ch in enumerate(USCC_ALPHABET)}.__getitem__
_USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]  # GB 32100-2015: 3^i mod 31


def uscc(value: str) -> str | None:
    if not value:
        return None
    if _PLAIN_USCC.fullmatch(value):
        total = sum(map(operator.mul, map(_USCC_VALUE, value[:17]), _USCC_WEIGHTS))
        if USCC_ALPHABET[-total % 31] == value[17]:
            return value
    try:
        return clean_uscc(value)
    except ValidationError as exc:
        raise CellError(exc.code or "uscc_check") from exc


_PHONE_JUNK = str.maketrans("", "", " -()+.\u3000（）")


def phone_key(phone: str) -> str | None:
    """Digits of a phone for matching ("+86 138-0000-0000" and "13800000000" match)."""
    # Digits only (the usual case): nothing to take out, and no translate() of each character.
    key = phone if phone.isascii() and phone.isdigit() else phone.translate(_PHONE_JUNK)
    if len(key) == 13 and key.startswith("86"):
        key = key[2:]
    return key if len(key) >= 5 else None


_PHONE_CHARS = re.compile(r"\+?[0-9(][0-9 \-().]*")
_PHONE_EXTENSION = re.compile(r"\s*(?:转|分机|ext\.?|x|#)\s*([0-9]{1,6})$", re.IGNORECASE)
_NOT_DIGIT = re.compile(r"[^0-9]")
_HAS_DIGIT = re.compile(r"\d")


def phone(value: str) -> str:
    """A phone number as people write it, normalised, or CellError("phone_invalid").

    Full-width digits, dashes, brackets and spaces are folded (NFKC); a +86, 0086 or 86
    prefix is taken off (a landline dialled from abroad gets its 0 back); a mobile is its 11
    digits ("+86 138 0013 8000" → 13800138000), a landline with its area code is written
    0AA-NNNNNNNN ("０２１－６２３４ ５６７８" → 021-62345678), an extension follows 转. Other
    countries' numbers keep their + and digits. Anything else ("n/a", "见备注", letters,
    fewer than 5 or more than 15 digits) is not a phone."""
    if len(value) == 11 and value.isascii() and value.isdigit() and value[0] == "1":
        return value  # the usual case: a mobile written as its digits
    folded = (value if value.isascii() else unicodedata.normalize("NFKC", value)).strip()
    extension = ""
    m = _PHONE_EXTENSION.search(folded)
    if m:
        extension, folded = m[1], folded[: m.start()]
    if not _PHONE_CHARS.fullmatch(folded):
        raise CellError("phone_invalid")
    digits = _NOT_DIGIT.sub("", folded)
    abroad = folded.startswith("+") or digits.startswith("00")
    if abroad:
        digits = digits.lstrip("0") if digits.startswith("00") else digits
        if not digits.startswith("86"):
            if not 5 <= len(digits) <= 15:
                raise CellError("phone_invalid")
            return f"+{digits}" + (f"转{extension}" if extension else "")
        digits = digits[2:]
        if digits and digits[0] not in "01":
            digits = "0" + digits  # +86 21 6234 5678: the area code without its 0
    elif len(digits) == 13 and digits.startswith("861"):
        digits = digits[2:]
    if not 5 <= len(digits) <= 15:
        raise CellError("phone_invalid")
    if digits[0] == "0" and 10 <= len(digits) <= 12:
        area = 3 if digits[1] in "12" else 4  # 010, 02X; else 0XXX
        digits = f"{digits[:area]}-{digits[area:]}"
    return digits + (f"转{extension}" if extension else "")


def split_phones(value: str) -> list[str]:
    """The phones of a cell ("138…；139…"); a cell with no digit at all ("n/a", "见备注") is
    one value, not split on its "/"."""
    if not value:
        return []
    return split_multi(value) if _HAS_DIGIT.search(value) else [value]


_email_validator = EmailValidator()
# The everyday shape of an address ("li.na+crm@mail.example.cn"): a strict subset of what
# EmailValidator accepts (dot-atom of plain characters, host labels, a letters-only top
# level), so it needs no further check; anything else goes through the validator.
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_PLAIN_EMAIL = re.compile(
    rf"[a-z0-9_+-]+(?:\.[a-z0-9_+-]+)*@{_LABEL}(?:\.{_LABEL})*\.[a-z]{{2,63}}", re.ASCII
)


def email(value: str) -> str:
    value = text(value, 254).lower()
    if not value:
        return ""
    value = value.removeprefix("mailto:")
    if _PLAIN_EMAIL.fullmatch(value):
        return value
    try:
        _email_validator(value)
    except ValidationError as exc:
        raise CellError("email_invalid") from exc
    return value


_url_validator = URLValidator()


def website(value: str) -> str:
    value = text(value, 200)
    if not value:
        return ""
    if "://" not in value:
        value = "https://" + value
    try:
        _url_validator(value)
    except ValidationError as exc:
        raise CellError("url_invalid") from exc
    return value


_NUMBER_JUNK = str.maketrans("", "", " ,，¥￥$€£\u3000")
_NUMBER_WORDS = ("rmb", "cny", "usd", "元")


_PLAIN_NUMBER = re.compile(r"-?([0-9]+)(?:\.([0-9]+))?")


def decimal(value: str, *, places: int, max_digits: int, allow_negative: bool = True):
    if not value:
        return None
    plain = _PLAIN_NUMBER.fullmatch(value)
    if (
        plain is not None
        and len(plain[1]) <= max_digits - places
        and (plain[2] is None or len(plain[2]) <= places)
    ):
        # Already clean ("1200", "-3", "50.5"): exact as it stands, nothing to round and
        # within the digits allowed; equal to the quantized value the slow path gives.
        number = Decimal(value)
        if number < 0 and not allow_negative:
            raise CellError("negative")
        return number
    raw = unicodedata.normalize("NFKC", value).lower().translate(_NUMBER_JUNK)
    for word in _NUMBER_WORDS:
        raw = raw.replace(word, "")
    negative = raw.startswith("(") and raw.endswith(")")
    if negative:
        raw = raw[1:-1]
    try:
        number = Decimal(raw)
    except InvalidOperation as exc:
        raise CellError("number_invalid") from exc
    if not number.is_finite():
        raise CellError("number_invalid")
    if negative:
        number = -number
    number = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if len(number.as_tuple().digits) > max_digits:
        raise CellError("number_too_big")
    if number < 0 and not allow_negative:
        raise CellError("negative")
    return number


_EXCEL_EPOCH = datetime.date(1899, 12, 30)
_DATE_PATTERNS = [
    re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T].*)?"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
]
_DMY = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})(?:[ T].*)?")
_SERIAL = re.compile(r"\d{5}(?:\.\d+)?")


@lru_cache(maxsize=65536)
def parse_date(value: str) -> datetime.date:
    """ISO and Chinese dates (2024-03-31, 2024/3/31, 2024.3.31, 2024年3月31日, 20240331),
    D/M/YYYY or M/D/YYYY (month first unless the first number is above 12, as US exports
    write it), and Excel serial day numbers (45382)."""
    value = unicodedata.normalize("NFKC", value).strip()
    for pattern in _DATE_PATTERNS:
        m = pattern.fullmatch(value)
        if m:
            return _date(int(m[1]), int(m[2]), int(m[3]))
    m = _DMY.fullmatch(value)
    if m:
        a, b, year = int(m[1]), int(m[2]), int(m[3])
        month, day = (b, a) if a > 12 else (a, b)
        return _date(year, month, day)
    if _SERIAL.fullmatch(value):
        serial = float(value)
        if 1 <= serial < 2958466:
            return _EXCEL_EPOCH + datetime.timedelta(days=int(serial))
    raise CellError("date_invalid")


def _date(year: int, month: int, day: int) -> datetime.date:
    try:
        return datetime.date(year, month, day)
    except ValueError as exc:
        raise CellError("date_invalid") from exc


def date(value: str) -> datetime.date | None:
    return parse_date(value) if value else None


_MONTH_DAY = re.compile(r"(?:--)?(\d{1,2})[-/.月](\d{1,2})日?")


def birthday(value: str) -> tuple[int | None, int | None, int | None]:
    """(month, day, year) from a full date or a year-less "05-17", "--05-17", "5月17日"."""
    if not value:
        return None, None, None
    return _birthday(value)


@lru_cache(maxsize=65536)
def _birthday(value: str) -> tuple[int | None, int | None, int | None]:
    folded = unicodedata.normalize("NFKC", value).strip()
    m = _MONTH_DAY.fullmatch(folded)
    if m:
        month, day = int(m[1]), int(m[2])
        try:
            datetime.date(2000, month, day)  # a leap year: 02-29 is a birthday
        except ValueError as exc:
            raise CellError("birthday_invalid") from exc
        return month, day, None
    try:
        d = parse_date(folded)
    except CellError as exc:
        raise CellError("birthday_invalid") from exc
    if not 1900 <= d.year <= 2100:
        raise CellError("birthday_invalid")
    return d.month, d.day, d.year


def _choices(mapping: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {fold(s): value for value, synonyms in mapping.items() for s in (value, *synonyms)}


def fold(value: str) -> str:
    return re.sub(r"[\s_\-]+", "", unicodedata.normalize("NFKC", value).lower())


CHANNELS = _choices(
    {
        Account.Channel.DIRECT: (
            "终端客户",
            "终端",
            "使用者",
            "直销",
            "直客",
            "end user",
            "direct",
        ),
        Account.Channel.DISTRIBUTOR: ("经销商", "代理商", "分销商", "渠道商", "dealer", "reseller"),
        Account.Channel.OTHER: ("其他", "其它"),
    }
)
LIFECYCLES = _choices(
    {
        Account.Lifecycle.EXISTING: (
            "现有客户",
            "现有",
            "老客户",
            "已成交",
            "多次成交",
            "成交客户",
            "正式客户",
            "customer",
            "active",
            "evangelist",  # HubSpot lifecycle stages
        ),
        Account.Lifecycle.POTENTIAL: (
            "潜在客户",
            "潜在",
            "意向客户",
            "未成交",
            "prospect",
            "lead",
            "subscriber",
            "marketing qualified lead",
            "sales qualified lead",
            "marketingqualifiedlead",
            "salesqualifiedlead",
            "opportunity",
        ),
    }
)

# A CRM's account type: (lifecycle, channel), either may be "" (says nothing about it).
# Salesforce Account.Type's standard picklist, HubSpot's company Type, the usual Chinese ones.
_EXISTING, _POTENTIAL = Account.Lifecycle.EXISTING.value, Account.Lifecycle.POTENTIAL.value
_DIRECT, _DISTRIBUTOR = Account.Channel.DIRECT.value, Account.Channel.DISTRIBUTOR.value
ACCOUNT_TYPES = {
    fold(label): value
    for value, labels in {
        (_POTENTIAL, ""): ("Prospect", "潜在客户", "意向客户", "未成交客户"),
        (_EXISTING, _DIRECT): ("Customer - Direct", "直销客户", "终端客户", "直客"),
        (_EXISTING, _DISTRIBUTOR): ("Customer - Channel", "渠道客户"),
        (_EXISTING, ""): ("Customer", "正式客户", "成交客户", "老客户", "现有客户"),
        ("", _DISTRIBUTOR): (
            "Channel Partner / Reseller",
            "Channel Partner",
            "Reseller",
            "Partner",
            "Distributor",
            "经销商",
            "代理商",
            "分销商",
            "渠道商",
        ),
        # Known, and saying nothing about our lifecycle or channel.
        ("", ""): ("Installation Partner", "Technology Partner", "Vendor", "Other", "其他"),
    }.items()
    for label in labels
}


def account_type(value: str) -> tuple[str, str]:
    """(lifecycle, channel) of an account type; CellError for an unknown one."""
    try:
        return ACCOUNT_TYPES[fold(value)]
    except KeyError as exc:
        raise CellError("account_type_unknown") from exc


ROLES = _choices(
    {
        Contact.Role.DECISION_MAKER: ("决策人", "决策者", "拍板人", "decision maker", "dm"),
        Contact.Role.HANDLER: ("承办人", "经办人", "采购", "handler", "buyer"),
        Contact.Role.INFLUENCER: ("影响者", "影响人", "influencer"),
        Contact.Role.USER: ("使用者", "用户", "使用人", "user"),
        Contact.Role.OTHER: ("其他", "其它"),
    }
)


def choice(value: str, table: dict[str, str], code: str) -> str:
    if not value:
        return ""
    try:
        return table[fold(value)]
    except KeyError as exc:
        raise CellError(code) from exc


_MULTI = re.compile(r"\s*[;；、\n|/]\s*")
_SEPARATOR = re.compile(r"[;；、\n|/]")


def split_multi(value: str) -> list[str]:
    """ "张三；李四" → ["张三", "李四"]: several contacts merged into one cell."""
    if not value:
        return []
    if not _SEPARATOR.search(value):  # the usual case; a plain search is 4× cheaper
        return [value]
    return [part for part in _MULTI.split(value) if part]
