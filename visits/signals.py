"""What visits announce to the apps above them.

An app that must react registers a receiver (in its AppConfig.ready()), so visits never name a
higher app's models or services. Sent inside the writing service's transaction: what a
receiver writes commits or rolls back with the visit, and an error it raises (a
ValidationError naming a field) refuses the whole visit.
"""

from django.dispatch import Signal

# A visit was logged (visits.services.visit_create, after its plan, reminders and next plan).
# Arguments: actor (User, who logged it), visit (Visit, saved, its contacts set),
# next_step_due (datetime.date | None: the due date given for its next step, checked to be
# on or after the visit and to come with a next step), next_step_due_time (datetime.time |
# None). Commitments turn a next step with a due date into one commitment.
visit_logged = Signal()
