"""What commitments tell the buying centre (accounts.buying_centre, registered in
CommitmentsConfig.ready): the latest day a commitment to each contact was done."""

from typing import Any

from django.db.models import Max, QuerySet
from django.db.models.functions import TruncDate

from accounts.models import Contact
from commitments.models import Commitment


def contacts_last_served(contacts: QuerySet[Contact, Any]) -> QuerySet[Any]:
    """{contact_id, day}: the local day the latest commitment done for each of `contacts` was
    marked done (one grouped query)."""
    return (
        Commitment.objects.filter(
            contact_id__in=contacts, status=Commitment.Status.DONE, done_at__isnull=False
        )
        .values("contact_id")
        .annotate(day=Max(TruncDate("done_at")))
        .order_by()
    )
