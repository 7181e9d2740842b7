"""FilterSets shared by the API (and usable by pages)."""

from core.filters import DateFilter, IdFilterSet, IntegerFilter
from visits.models import Reminder, Touch, Visit, VisitPlan


class VisitFilter(IdFilterSet):
    date_from = DateFilter(field_name="visit_date", lookup_expr="gte")
    date_to = DateFilter(field_name="visit_date", lookup_expr="lte")

    class Meta:
        model = Visit
        fields = ["account", "plan", "logged_by", "date_from", "date_to"]


class VisitPlanFilter(IdFilterSet):
    date_from = DateFilter(field_name="planned_date", lookup_expr="gte")
    date_to = DateFilter(field_name="planned_date", lookup_expr="lte")
    rep = IntegerFilter(field_name="account__owner")

    class Meta:
        model = VisitPlan
        fields = ["account", "status", "source", "senior_manager", "rep", "date_from", "date_to"]


class TouchFilter(IdFilterSet):
    date_from = DateFilter(field_name="date", lookup_expr="gte")
    date_to = DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = Touch
        fields = ["account", "contact", "type", "occasion", "date_from", "date_to"]


class ReminderFilter(IdFilterSet):
    date_from = DateFilter(field_name="date", lookup_expr="gte")
    date_to = DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = Reminder
        fields = ["status", "kind", "account", "recipient", "date_from", "date_to"]
