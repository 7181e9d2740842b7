"""What visits does when other apps announce events (connected in VisitsConfig.ready())."""

import datetime
from typing import Any

from crm.models import User
from visits.services.reminders import reminders_after_reassignment


def reminders_follow_reassigned_accounts(
    sender: Any,
    *,
    actor: User,
    moves: list,
    new_owner_id: int,
    today: datetime.date,
    **kwargs: Any,
) -> None:
    """Accounts changed owner (inside the reassigning transaction): open reminders go to the
    new owner and both reps are notified. Logged visits keep their `logged_by`."""
    reminders_after_reassignment(
        actor=actor,
        account_ids=[m.account_id for m in moves],
        old_owner_ids=[m.old_owner_id for m in moves],
        new_owner_id=new_owner_id,
        today=today,
    )
