"""What visits tell the buying centre (accounts.buying_centre, registered in VisitsConfig.ready):
the latest day each contact was met on a visit, or touched."""

from typing import Any

from django.db.models import Max, QuerySet

from accounts.models import Contact
from visits.models import Touch, Visit


def contacts_last_visited(contacts: QuerySet[Contact, Any]) -> QuerySet[Any]:
    """{contact_id, day}: the latest visit each of `contacts` was met on (one grouped query)."""
    return (
        Visit.contacts.through.objects.filter(contact_id__in=contacts)
        .values("contact_id")
        .annotate(day=Max("visit__visit_date"))
        .order_by()
    )


def contacts_last_touched(contacts: QuerySet[Contact, Any]) -> QuerySet[Any]:
    """{contact_id, day}: the latest touch (letter, message, gift, …) to each of `contacts`."""
    return (
        Touch.objects.filter(contact_id__in=contacts)
        .values("contact_id")
        .annotate(day=Max("date"))
        .order_by()
    )
