from rest_framework.pagination import CursorPagination


class KeysetPagination(CursorPagination):
    """Keyset (cursor) pagination: no COUNT(*) and no deep OFFSET, so big lists stay fast.

    The ordering comes from `?ordering=` (OrderingFilter) when the view allows it.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-id"
