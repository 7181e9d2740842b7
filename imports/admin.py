from django.contrib import admin
from django.core.exceptions import PermissionDenied

from imports.models import (
    ImportBatch,
    ImportBeforeImage,
    ImportMapping,
    ImportRowError,
    ImportRowMatch,
)


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ("id", "file_name", "kind", "status", "created_by", "created_at")
    list_filter = ("kind", "status")
    search_fields = ("file_name", "file_sha256")
    readonly_fields = [f.name for f in ImportBatch._meta.fields]

    def has_add_permission(self, request):
        return False  # batches come from the import pages, the API or the CLI

    def has_delete_permission(self, request, obj=None):
        # A running batch is never deleted: the rows it is writing carry its id, with no
        # database constraint to refuse a dangling one.
        if obj is not None and obj.is_active and not obj.is_stale:
            return False
        return super().has_delete_permission(request, obj)

    def delete_queryset(self, request, queryset):
        running = [b for b in queryset if b.is_active and not b.is_stale]
        if running:
            raise PermissionDenied
        super().delete_queryset(request, queryset)


@admin.register(ImportRowError)
class ImportRowErrorAdmin(admin.ModelAdmin):
    list_display = ("batch", "row_number", "column", "code", "value")
    list_filter = ("code",)
    raw_id_fields = ("batch",)


@admin.register(ImportRowMatch)
class ImportRowMatchAdmin(admin.ModelAdmin):
    list_display = ("batch", "row_number", "account_id", "account_name", "reason", "action")
    list_filter = ("reason",)
    raw_id_fields = ("batch",)

    def has_add_permission(self, request):
        return False  # written by the import's check and run

    def has_change_permission(self, request, obj=None):
        return False  # a record of what the check found


@admin.register(ImportBeforeImage)
class ImportBeforeImageAdmin(admin.ModelAdmin):
    list_display = ("batch", "model", "object_id")
    list_filter = ("model",)
    raw_id_fields = ("batch",)

    def has_change_permission(self, request, obj=None):
        return False  # undo depends on them being exactly as stored


@admin.register(ImportMapping)
class ImportMappingAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "created_by", "updated_at")
    list_filter = ("kind",)
