from django.contrib import admin

from accounts.imports.models import ImportBatch


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ("file_name", "kind", "status", "created_by", "created_at")
    list_filter = ("kind", "status")
