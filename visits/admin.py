from django.contrib import admin
from django.db import transaction

from visits.models import (
    ChecklistItem,
    ChecklistTick,
    DigestEmail,
    Occasion,
    Reminder,
    ReminderRun,
    Touch,
    Visit,
    VisitPlan,
    VisitSettings,
)
from visits.services import accounts_last_visit_refresh


@admin.register(VisitSettings)
class VisitSettingsAdmin(admin.ModelAdmin):
    list_display = ("__str__", "cadence_a_days", "cadence_b_days", "cadence_c_days", "updated_at")


@admin.register(ChecklistItem)
class ChecklistItemAdmin(admin.ModelAdmin):
    list_display = ("position", "text_en", "text_zh_hans", "shows", "active")
    list_editable = ("active",)


@admin.register(VisitPlan)
class VisitPlanAdmin(admin.ModelAdmin):
    list_display = ("planned_date", "planned_time", "account", "status", "source", "senior_manager")
    list_filter = ("status", "source", "slot", "senior_manager")
    date_hierarchy = "planned_date"
    raw_id_fields = ("account", "created_by")
    show_full_result_count = False


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    list_display = ("visit_date", "account", "purpose", "duration_minutes", "expenses")
    date_hierarchy = "visit_date"
    raw_id_fields = ("account", "plan", "logged_by", "contacts")
    search_fields = ("purpose", "outcome")
    show_full_result_count = False

    # The admin writes visits without the services: it keeps the accounts' last visit date
    # the way they do (accounts_last_visit_refresh, in the same transaction).
    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            before = (
                Visit.objects.filter(pk=obj.pk).values_list("account_id", flat=True).first()
                if change
                else None
            )
            super().save_model(request, obj, form, change)
            accounts_last_visit_refresh(account_ids=[obj.account_id, before or obj.account_id])

    def delete_model(self, request, obj):
        with transaction.atomic():
            account_id = obj.account_id
            super().delete_model(request, obj)
            accounts_last_visit_refresh(account_ids=[account_id])

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            account_ids = list(queryset.values_list("account_id", flat=True).distinct())
            super().delete_queryset(request, queryset)
            accounts_last_visit_refresh(account_ids=account_ids)


@admin.register(ChecklistTick)
class ChecklistTickAdmin(admin.ModelAdmin):
    list_display = ("plan", "item", "ticked_by", "ticked_at")
    raw_id_fields = ("plan", "ticked_by")


@admin.register(Occasion)
class OccasionAdmin(admin.ModelAdmin):
    list_display = ("code", "name_en", "name_zh_hans", "kind", "month", "day", "date", "active")
    list_filter = ("kind", "active")


@admin.register(Touch)
class TouchAdmin(admin.ModelAdmin):
    list_display = ("date", "type", "account", "contact", "occasion")
    list_filter = ("type",)
    raw_id_fields = ("account", "contact", "created_by")
    show_full_result_count = False


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = ("date", "kind", "recipient", "account", "status", "remind_on", "snoozed_until")
    list_filter = ("kind", "status")
    raw_id_fields = ("recipient", "account", "contact", "plan", "occasion")
    show_full_result_count = False


@admin.register(ReminderRun)
class ReminderRunAdmin(admin.ModelAdmin):
    list_display = ("date", "started_at", "finished_at", "created")


@admin.register(DigestEmail)
class DigestEmailAdmin(admin.ModelAdmin):
    list_display = ("date", "recipient", "state", "attempts", "items", "sent_at")
    list_filter = ("state",)
    raw_id_fields = ("recipient",)
