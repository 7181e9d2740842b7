from django.conf import settings
from rest_framework.permissions import SAFE_METHODS, BasePermission


class IsManagerOrAdmin(BasePermission):
    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.can_manage)


class IsAdminRole(BasePermission):
    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_admin)


class ReadOrAdminWrites(BasePermission):
    """Reading for every signed-in user (narrowed by the view's queryset), writing for admins
    only: anyone else is refused (403) before their body is read."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return request.method in SAFE_METHODS or user.is_admin


class ApiDocsAccess(BasePermission):
    """The OpenAPI schema and the Swagger UI: signed-in users (session or token), or everyone
    when `CRM_API_DOCS_PUBLIC` is on."""

    def has_permission(self, request, view) -> bool:
        if settings.CRM_API_DOCS_PUBLIC:
            return True
        return bool(request.user and request.user.is_authenticated)
