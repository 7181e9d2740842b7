"""Sections of the daily digest email that apps above visits add (by registration).

The digest (visits.services.reminders) lists a recipient's reminders; an app above visits
registers a `DigestSource` in its AppConfig.ready() to add a section of its own (commitments
add the recipient's overdue and due-today commitments). A source says who has something to
read on a day (so that someone without reminders still gets the email) and, for one recipient,
the section's lines. Sources are called inside the digest's transaction and read only.
"""

import datetime
from dataclasses import dataclass
from typing import Protocol

from django.db.models import QuerySet
from django.utils.functional import Promise

from crm.models import User


@dataclass(frozen=True)
class DigestSection:
    """One section of a recipient's digest: a heading, its first lines, and how many in all."""

    key: str
    title: str | Promise
    lines: list[str]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.lines)


class DigestSource(Protocol):
    key: str

    def recipients(self, day: datetime.date) -> QuerySet[User]:
        """Users with something in this section on `day` (a queryset, used as a subquery)."""
        ...

    def section(self, recipient: User, day: datetime.date, *, limit: int) -> DigestSection | None:
        """The recipient's section on `day` (at most `limit` lines), None when empty."""
        ...


_sources: dict[str, DigestSource] = {}


def digest_source_register(source: DigestSource) -> None:
    """Add a section to every digest (once per key: a second registration replaces it)."""
    _sources[source.key] = source


def digest_sources() -> list[DigestSource]:
    return list(_sources.values())
