"""What the accounts announce to the rest of the project.

An app that must react registers a receiver (in its AppConfig.ready()), so accounts never
name a higher app's models or services. Sent inside the writing service's transaction: what a
receiver writes commits or rolls back with the reassignment.
"""

from django.dispatch import Signal

# Accounts changed owner. Arguments: actor (User), moves (list[AccountMove]: account_id and
# old_owner_id of each account that moved), new_owner_id, reason (str, may be ""), today
# (datetime.date). Done work (logged visits) stays with whoever did it; receivers move what
# belongs to the future (open reminders) and notify the reps who gained or lost accounts.
accounts_reassigned = Signal()
