"""Routers for every API app: record ids in URLs are whole numbers.

Any other id ("AAA", "null") answers 404 before a view runs, instead of reaching a query
that cannot take it.
"""

from rest_framework.routers import DefaultRouter, SimpleRouter

ID_PATTERN = r"[0-9]+"


class IdSimpleRouter(SimpleRouter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._default_value_pattern = ID_PATTERN


class IdRouter(DefaultRouter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._default_value_pattern = ID_PATTERN
