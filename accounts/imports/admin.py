from django.contrib import admin

from accounts.imports.models import ImportBatch, ImportBeforeImage, ImportMapping, ImportRowError


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ("id", "file_name", "kind", "status", "created_by", "created_at")
    list_filter = ("kind", "status")
    search_fields = ("file_name", "file_sha256")
    readonly_fields = [f.name for f in ImportBatch._meta.fields]

    def has_add_permission(self, request):
        return False  # batches come from the import pages, the API or the CLI


@admin.register(ImportRowError)
class ImportRowErrorAdmin(admin.ModelAdmin):
    list_display = ("batch", "row_number", "column", "code", "value")
    list_filter = ("code",)
    raw_id_fields = ("batch",)


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
