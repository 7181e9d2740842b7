"""Page-number pagination that never counts more than a cap of rows (fast on big tables)."""

from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property


class CappedPaginator(Paginator):
    """Counts at most `count_cap` rows: `SELECT COUNT(*) FROM (… LIMIT cap+1)`."""

    object_list: QuerySet[Any]

    def __init__(self, *args, count_cap: int = 10_000, **kwargs):
        self.count_cap = count_cap
        super().__init__(*args, **kwargs)

    @cached_property
    def count(self) -> int:
        return self.object_list.order_by()[: self.count_cap + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self.count_cap
