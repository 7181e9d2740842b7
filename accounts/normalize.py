"""Pure rules about account identity: the normalized name and the unified social credit code."""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Chinese legal forms, longest first so 股份有限公司 is folded before 有限公司.
_CN_SUFFIXES = sorted(
    [
        "集团股份有限公司",
        "股份有限公司",
        "有限责任公司",
        "集团有限公司",
        "有限公司",
        "分公司",
        "公司",
    ],
    key=len,
    reverse=True,
)
# Latin legal-form words, folded from the end of the name ("Co., Ltd." -> co ltd).
_LATIN_SUFFIX_WORDS = {
    "co",
    "company",
    "ltd",
    "limited",
    "inc",
    "incorporated",
    "corp",
    "corporation",
    "llc",
    "gmbh",
    "plc",
    "sa",
    "ag",
}
_SEPARATORS = re.compile(r"[\s\.,，。·\-_/\\()（）\[\]【】&'\"“”‘’]+")


def normalize_account_name(name: str) -> str:
    """Fold width, case, spaces, punctuation and legal-form suffixes for duplicate detection.

    >>> normalize_account_name("ＡＢＣ  Trading Co., Ltd.")
    'abctrading'
    """
    words = [w for w in _SEPARATORS.split(unicodedata.normalize("NFKC", name or "").lower()) if w]
    while len(words) > 1 and words[-1] in _LATIN_SUFFIX_WORDS:
        words.pop()
    text = "".join(words)
    folded = True
    while folded:
        folded = False
        for suffix in _CN_SUFFIXES:
            if text.endswith(suffix) and len(text) > len(suffix):
                text = text[: -len(suffix)]
                folded = True
                break
    return text[:255]


USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
_USCC_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def clean_uscc(value: str) -> str:
    """Return the code upper-cased and stripped, or raise ValidationError (GB 32100-2015)."""
    code = unicodedata.normalize("NFKC", value or "").strip().upper().replace(" ", "")
    if len(code) != 18:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(n)d.")
            % {"n": len(code)},
            code="uscc_length",
        )
    if not _USCC_SHAPE.match(code):
        raise ValidationError(
            _("The unified social credit code contains characters that are not allowed."),
            code="uscc_chars",
        )
    if uscc_check_char(code[:17]) != code[17]:
        raise ValidationError(
            _("The unified social credit code's check character is wrong."), code="uscc_check"
        )
    return code


def validate_uscc(value: str) -> None:
    if value:
        clean_uscc(value)
