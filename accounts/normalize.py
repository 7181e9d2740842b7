"""Pure rules about account identity: the normalized name, the unified social credit code, and
how an account's industry compares."""

import functools
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


def industry_key(industry: str) -> str:
    """How industries are compared (prospects' ratios per industry, playbook's talk tracks and
    outline): letter case, full-width forms and spaces (at the ends, or several between two
    words, full-width 　 too) do not count."""
    return " ".join(unicodedata.normalize("NFKC", industry).split()).casefold()


def _common_end(texts: list[str]) -> str:
    end = min(texts, key=len)
    while not all(text.endswith(end) for text in texts):
        end = end[1:]
    return end


_CN_SUFFIXES_END = _common_end(_CN_SUFFIXES)  # 公司
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


def _words(name: str) -> list[str]:
    return [w for w in _SEPARATORS.split(unicodedata.normalize("NFKC", name or "").lower()) if w]


def normalize_account_name(name: str) -> str:
    """Fold width, case, spaces, punctuation and legal-form suffixes for duplicate detection.

    >>> normalize_account_name("ＡＢＣ  Trading Co., Ltd.")
    'abctrading'
    """
    words = _words(name)
    while len(words) > 1 and words[-1] in _LATIN_SUFFIX_WORDS:
        words.pop()
    text = "".join(words)
    # Only a text with the forms' common ending can end with one: most names are looked at once.
    while text.endswith(_CN_SUFFIXES_END):
        for suffix in _CN_SUFFIXES:
            if text.endswith(suffix) and len(text) > len(suffix):
                text = text[: -len(suffix)]
                break
        else:
            break
    return text[:255]


_NARROW_MAX = 255  # the longest name


# What normalization cuts off a folded name's end: Chinese legal forms one after another
# (有限公司, 分公司), then Latin ones (co, ltd); after a Latin one, only Latin ones.
_LEGAL_FORMS = ((_CN_SUFFIXES, False), (_LATIN_SUFFIX_WORDS, True))


def _continues(rest: str, text: str, *, latin_only: bool) -> bool:
    """Whether `text` could be `rest` (the end of a legal form) followed by more of them."""
    return rest.startswith(text) or (
        text.startswith(rest) and _starts_legal_forms(text[len(rest) :], latin_only=latin_only)
    )


@functools.lru_cache(maxsize=4096)  # queries differ; their ends (what is looked up) repeat
def _starts_legal_forms(text: str, *, latin_only: bool = False) -> bool:
    """Whether `text` could begin what normalization cuts off (“集团” of 集团有限公司)."""
    if not text:
        return True
    return any(
        _continues(form, text, latin_only=latin)
        for forms, latin in _LEGAL_FORMS
        if latin or not latin_only
        for form in forms
    )


def _inside_legal_forms(text: str) -> bool:
    """Whether `text` could be a piece of what normalization cuts off (“限公”, “n” of inc)."""
    return any(
        _continues(form[start:], text, latin_only=latin)
        for forms, latin in _LEGAL_FORMS
        for form in forms
        for start in range(len(form))
    )


def name_search_narrowing(query: str) -> str:
    """A text that every normalized name of an account found by `query` contains.

    An account is found when its name contains the query (any case) or its normalized name
    contains the normalized query. The first holds only if the folded name contains the folded
    query; the normalized name is the folded name minus its legal forms, so it contains the
    folded query minus whatever part of it could reach into those legal forms: the longest end
    of it that could begin them (“万达集团” → “万达”, since 集团有限公司 is one), or all of
    it when it could lie inside them (“公司”, “ltd”). Searching the normalized names for this
    text therefore misses no match, and one index serves it (names are at most 255
    characters, so a longer query is not narrowed).

    >>> name_search_narrowing("万达集团"), name_search_narrowing("宏达 电子")
    ('万达', '宏达电子')
    """
    folded = "".join(_words(query))
    if len(folded) > _NARROW_MAX or _inside_legal_forms(folded):
        return ""
    for cut in range(len(folded)):  # the longest possible beginning of legal forms first
        if _starts_legal_forms(folded[cut:]):
            return folded[:cut]
    return folded


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
