from django.conf import settings
from rest_framework.permissions import BasePermission


class IsManagerOrAdmin(BasePermission):
    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.can_manage)


class IsAdminRole(BasePermission):
    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_admin)


class ApiDocsAccess(BasePermission):
    """The OpenAPI schema and the Swagger UI: signed-in users (session or token), or everyone
    when `CRM_API_DOCS_PUBLIC` is on."""

    def has_permission(self, request, view) -> bool:
        if settings.CRM_API_DOCS_PUBLIC:
            return True
        return bool(request.user and request.user.is_authenticated)
