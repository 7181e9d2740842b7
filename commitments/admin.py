from django.contrib import admin

from commitments.models import Commitment


@admin.register(Commitment)
class CommitmentAdmin(admin.ModelAdmin):
    list_display = ("due_date", "due_time", "title", "account", "owner", "status", "source")
    list_filter = ("status", "source")
    search_fields = ("title", "account__name")
    raw_id_fields = ("account", "contact", "prospect", "owner", "requested_by", "source_visit")
