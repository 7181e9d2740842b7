from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination


class KeysetPagination(CursorPagination):
    """Keyset (cursor) pagination: no COUNT(*) and no deep OFFSET, so big lists stay fast.

    The ordering comes from `?ordering=` (OrderingFilter) when the view allows it.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-id"

    def get_page_size(self, request) -> int:
        """`page_size` is a positive whole number (capped at max_page_size); else 400."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isdigit() or int(raw) < 1:
            raise ValidationError({self.page_size_query_param: ["Give a whole number from 1."]})
        return min(int(raw), self.max_page_size)
