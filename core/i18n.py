"""Text kept in both languages on a row (name_en / name_zh_hans and the like)."""

from django.utils.translation import get_language


def bilingual(en: str, zh: str) -> str:
    """The Chinese text for a Chinese user when there is one, else the English text; a row
    written in one language only shows that language to everyone."""
    language = (get_language() or "").lower()
    if language.startswith("zh"):
        return zh or en
    return en or zh
