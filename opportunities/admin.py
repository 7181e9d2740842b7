from django.contrib import admin

from opportunities.models import LossReason, Opportunity, Stage, Target

admin.site.register(Stage)
admin.site.register(LossReason)


@admin.register(Opportunity)
class OpportunityAdmin(admin.ModelAdmin):
    list_display = ("name", "account", "amount", "close_date", "stage", "status", "owner")
    list_filter = ("status", "stage")
    search_fields = ("name", "account__name")
    raw_id_fields = ("account", "owner", "created_by", "import_batch")


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = ("period_start", "period", "measure", "value", "user", "team")
    list_filter = ("period", "measure")
    raw_id_fields = ("user", "team", "set_by", "import_batch")
