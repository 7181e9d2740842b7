from django.contrib import admin

from prospects.models import CRITERION_FIELDS, Prospect, ProspectSettings, SubStage, Worksheet


@admin.register(SubStage)
class SubStageAdmin(admin.ModelAdmin):
    """Admins add the finer stages under each colour here."""

    list_display = ("name", "colour", "position", "is_active")
    list_editable = ("position", "is_active")
    list_filter = ("colour", "is_active")
    search_fields = ("name",)


@admin.register(Prospect)
class ProspectAdmin(admin.ModelAdmin):
    list_display = ("account", "colour", "sub_stage", "decision", "competitor_loyalty", "source")
    list_filter = ("colour", "decision", "competitor_loyalty", "source")
    search_fields = ("account__name",)
    raw_id_fields = ("account", "decided_by")
    readonly_fields = ("colour_changed_at", "won_at", "decided_at", "created_at", "updated_at")
    show_full_result_count = False

    def has_change_permission(self, request, obj=None):
        # Colour and decision changes have side effects (lifecycle, audit): the app does them.
        return False

    def has_add_permission(self, request):
        return False


@admin.register(Worksheet)
class WorksheetAdmin(admin.ModelAdmin):
    list_display = ("account", "filled_at", "author", "total", "is_current")
    list_filter = ("is_current", "total")
    search_fields = ("account__name",)
    raw_id_fields = ("account", "author")
    readonly_fields = ("total", "is_current", *CRITERION_FIELDS)
    show_full_result_count = False

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(ProspectSettings)
class ProspectSettingsAdmin(admin.ModelAdmin):
    list_display = ("rep_prospect_ratio", "updated_at", "updated_by")

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
