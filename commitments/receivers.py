"""What commitments do when lower apps announce events (connected in CommitmentsConfig.ready()),
and the digest section they add."""

import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from commitments.models import Commitment
from commitments.selectors import commitments_for_digest, digest_recipients
from commitments.services import commitment_from_visit
from crm.models import User
from visits.digest import DigestSection
from visits.models import Visit


def commitment_from_logged_visit(
    sender: Any,
    *,
    actor: User,
    visit: Visit,
    next_step_due: datetime.date | None = None,
    next_step_due_time: datetime.time | None = None,
    **kwargs: Any,
) -> None:
    """A visit was logged (inside the visit's transaction): a next step with a due date
    becomes the logger's commitment, once."""
    if next_step_due is None:
        return
    commitment_from_visit(
        actor=actor, visit=visit, due_date=next_step_due, due_time=next_step_due_time
    )


def _line(commitment: Commitment) -> str:
    when = commitment.due_date.isoformat()
    if commitment.due_time is not None:
        when += f" {commitment.due_time:%H:%M}"
    return f"{when} · {commitment.account.name}: {commitment.title}"


class CommitmentsDigest:
    """The digest's section: the recipient's open commitments overdue and due that day."""

    key = "commitments"

    def recipients(self, day: datetime.date) -> QuerySet[User]:
        return digest_recipients(day)

    def section(self, recipient: User, day: datetime.date, *, limit: int) -> DigestSection | None:
        overdue, due_today = commitments_for_digest(recipient, day=day)
        n_overdue, n_today = overdue.count(), due_today.count()
        if n_overdue + n_today == 0:
            return None
        lines = [_("Overdue: %(line)s") % {"line": _line(c)} for c in overdue[:limit]]
        lines += [
            _("Due today: %(line)s") % {"line": _line(c)}
            for c in due_today[: max(limit - len(lines), 0)]
        ]
        return DigestSection(
            key=self.key,
            title=_("Commitments overdue or due today"),
            lines=lines,
            total=n_overdue + n_today,
        )
