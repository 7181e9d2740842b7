from django.contrib import admin

from core.models import AuditEntry, PendingTask


@admin.register(PendingTask)
class PendingTaskAdmin(admin.ModelAdmin):
    list_display = ("task_name", "created_at", "attempts")
    readonly_fields = ("task_name", "args", "kwargs", "created_at", "attempts")


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The audit trail, read only: entries are written by services, never edited."""

    list_display = ("created_at", "actor", "action", "model", "object_repr", "account_id")
    list_filter = ("action", "model")
    search_fields = ("object_repr", "object_id")
    raw_id_fields = ("actor",)
    date_hierarchy = "created_at"
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
