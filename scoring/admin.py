from django.contrib import admin

from scoring.models import RecomputeLock, ScoringSettings, TierRun, TierSnapshot


@admin.register(ScoringSettings)
class ScoringSettingsAdmin(admin.ModelAdmin):
    list_display = ("__str__", "method", "window_days", "updated_at", "updated_by")
    readonly_fields = ("updated_at", "updated_by")

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(TierRun)
class TierRunAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "status",
        "trigger",
        "as_of",
        "method",
        "customers",
        "changed_count",
        "finished_at",
    )
    list_filter = ("status", "trigger", "method")
    raw_id_fields = ("actor", "previous_run")
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(TierSnapshot)
class TierSnapshotAdmin(admin.ModelAdmin):
    list_display = ("run", "account", "position", "tier", "previous_tier", "revenue", "priority")
    list_filter = ("tier", "priority", "quadrant")
    raw_id_fields = ("run", "account")
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(RecomputeLock)
class RecomputeLockAdmin(admin.ModelAdmin):
    list_display = ("name",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
