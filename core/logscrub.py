"""A logging filter that removes secrets and personal data from every record.

Attached to every handler in `LOGGING` (settings/base.py). It rewrites the formatted message,
the exception text and the stack text of each record, so that passwords, tokens, phone numbers,
e-mail addresses and birthdays never reach a log file, whatever a caller passed in.
"""

import logging
import re

MASK = "***"

_SENSITIVE_KEYS = (
    r"password\d?|passwd|pwd|new_password\d|old_password|secret|api[_-]?key|access[_-]?key"
    r"|token|auth[_-]?token|csrfmiddlewaretoken|csrftoken|sessionid|session[_-]?key"
    r"|authorization|cookie|phone|mobile|tel|telephone|fax|email|e-mail|chat_handle|wechat"
    r"|birthday(?:_month|_day|_year|_display)?|birth_?date|birth_year|date_of_birth|dob"
)
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # key=value, key: value, 'key': 'value', "key": ["value"], key=value&… (query strings)
    (
        re.compile(
            rf"(?i)(?<![A-Za-z0-9])((?:{_SENSITIVE_KEYS}))(\s*['\"]?\s*[:=]\s*\[?\s*['\"]?)"
            r"(?!(?:Token|Bearer|Basic)\s)([^'\"&\s,;}\]]+)"
        ),
        rf"\1\2{MASK}",
    ),
    # Authorization header values
    (re.compile(r"(?i)\b(Token|Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}"), rf"\1 {MASK}"),
    # API tokens (40 hex characters, DRF's key format)
    (re.compile(r"(?i)(?<![0-9a-f])[0-9a-f]{40}(?![0-9a-f])"), MASK),
    # e-mail addresses
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), MASK),
    # mainland mobile numbers, optionally with +86 / 86 and separators
    (re.compile(r"(?<!\d)(?:\+?86[\s-]?)?1[3-9]\d(?:[\s-]?\d{4}){2}(?!\d)"), MASK),
    # landlines: 010-12345678, (021) 1234 5678, 0755-1234567
    (re.compile(r"(?<!\d)\(?0\d{2,3}\)?[\s-]\d{3,4}[\s-]?\d{4}(?!\d)"), MASK),
    # international numbers: +44 20 7946 0958
    (re.compile(r"\+\d{1,3}(?:[\s-]?\d){7,13}(?!\d)"), MASK),
    # birthdays without a year as shown on the card: --02-29
    (re.compile(r"(?<![\w-])--\d{2}-\d{2}(?!\d)"), MASK),
]


def scrub(text: str) -> str:
    """`text` with every secret and personal value replaced by ***."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class ScrubSensitiveData(logging.Filter):
    """Scrub the message, exception and stack of every record that passes this handler."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep what can be kept
            message = str(record.msg)
        record.msg = scrub(message)
        record.args = ()
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        return True
