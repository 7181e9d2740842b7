"""What visits announce to the apps above them.

An app that must react registers a receiver (in its AppConfig.ready()), so visits never name a
higher app's models or services. Sent inside the writing service's transaction: what a
receiver writes commits or rolls back with the visit, and an error it raises (a
ValidationError naming a field) refuses the whole visit.
"""

from django.dispatch import Signal

# A visit was logged (visits.services.visit_create) with a due date for its next step.
# Arguments: actor (User, who logged it), visit (Visit, saved, its contacts set),
# next_step_due (datetime.date), next_step_due_time (datetime.time | None). Commitments turn
# the next step into one commitment.
visit_logged = Signal()
