"""Pure rules about account identity: the normalized name and the unified social credit code."""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Longest first, so 股份有限公司 is folded before 有限公司.
_SUFFIXES = sorted(
    [
        "集团股份有限公司",
        "股份有限公司",
        "有限责任公司",
        "集团有限公司",
        "有限公司",
        "分公司",
        "公司",
        "co.,ltd.",
        "co.,ltd",
        "co.ltd.",
        "co.ltd",
        "coltd",
        "company limited",
        "limited",
        "ltd.",
        "ltd",
        "incorporated",
        "inc.",
        "inc",
        "corporation",
        "corp.",
        "corp",
        "llc",
        "gmbh",
        "co.",
    ],
    key=len,
    reverse=True,
)
_PUNCT = re.compile(r"[\s\.,，。·\-_/\\()（）\[\]【】&'\"“”‘’]+")


def normalize_account_name(name: str) -> str:
    """Fold width, case, spaces, punctuation and legal-form suffixes for duplicate detection.

    >>> normalize_account_name("ＡＢＣ  Trading Co., Ltd.")
    'abctrading'
    """
    text = unicodedata.normalize("NFKC", name or "").lower().strip()
    changed = True
    while changed:
        changed = False
        stripped = text.rstrip(" .,")
        for suffix in _SUFFIXES:
            compact_suffix = suffix.replace(" ", "")
            compact = stripped.replace(" ", "")
            if compact.endswith(compact_suffix) and len(compact) > len(compact_suffix):
                # remove the suffix from the spaced text by counting its non-space characters
                remaining = len(compact_suffix)
                index = len(stripped)
                while remaining and index:
                    index -= 1
                    if stripped[index] != " ":
                        remaining -= 1
                text = stripped[:index]
                changed = True
                break
    return _PUNCT.sub("", text)[:255]


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
