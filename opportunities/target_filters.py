"""The targets' FilterSet, shared by the API (`/api/v1/targets/`) and the list page:
`period` (month, quarter), `period_start` (a date: the period's first day), `measure`, `user`
and `team` (ids). A value it cannot read is a 400 naming the parameter."""

from core.filters import IdFilterSet
from opportunities.models import Target


class TargetFilter(IdFilterSet):
    class Meta:
        model = Target
        fields = ["period", "period_start", "measure", "user", "team"]
