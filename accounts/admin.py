from django.contrib import admin
from django.db import models

from accounts.models import (
    Account,
    AccountCompetitor,
    AccountSettings,
    AccountTeamMember,
    Competitor,
    Contact,
    Order,
)


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    fields = ("name", "title", "role", "phone", "email")


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ("name", "owner", "territory", "industry", "channel", "lifecycle", "tier")
    list_filter = ("tier", "channel", "lifecycle", "source", "to_enrich", "territory")
    search_fields = ("name", "normalized_name", "uscc", "external_code", "external_id")
    raw_id_fields = ("owner", "import_batch")
    readonly_fields = ("normalized_name", "tier", "tier_updated_at", "created_at", "updated_at")
    show_full_result_count = False
    inlines = [ContactInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("name", "account", "role", "phone", "email")
    list_filter = ("role",)
    search_fields = ("name", "email", "phone")
    raw_id_fields = ("account", "import_batch")
    show_full_result_count = False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ("account", "date", "amount", "product", "invoice_number")
    date_hierarchy = "date"
    search_fields = ("invoice_number", "product")
    raw_id_fields = ("account", "import_batch")
    show_full_result_count = False


@admin.register(AccountTeamMember)
class AccountTeamMemberAdmin(admin.ModelAdmin):
    list_display = ("account", "user", "role", "access", "created_at")
    list_filter = ("role", "access")
    raw_id_fields = ("account", "user", "added_by")
    show_full_result_count = False


@admin.register(Competitor)
class CompetitorAdmin(admin.ModelAdmin):
    list_display = ("name", "is_active", "created_at")
    search_fields = ("name",)


@admin.register(AccountCompetitor)
class AccountCompetitorAdmin(admin.ModelAdmin):
    list_display = ("account", "competitor", "share", "contract_end")
    raw_id_fields = ("account", "competitor")
    show_full_result_count = False


@admin.register(AccountSettings)
class AccountSettingsAdmin(admin.ModelAdmin):
    """Read-only here: the settings page (/accounts/settings/buying-centre/) edits it."""

    list_display = ("__str__", "contact_unmet_days", "updated_at")

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
