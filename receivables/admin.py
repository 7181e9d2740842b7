from django.contrib import admin

from receivables.models import (
    Contract,
    ContractAttachment,
    ContractOrder,
    Invoice,
    Payment,
    PaymentAllocation,
    PlanEntry,
)


class PlanEntryInline(admin.TabularInline):
    model = PlanEntry
    extra = 0


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ("number", "account", "signed_on", "amount", "status", "owner")
    list_filter = ("status",)
    search_fields = ("number", "account__name")
    raw_id_fields = ("account", "owner", "created_by", "import_batch")
    inlines = [PlanEntryInline]


@admin.register(PlanEntry)
class PlanEntryAdmin(admin.ModelAdmin):
    list_display = ("contract", "position", "label", "amount", "due_date", "event", "days_after")
    raw_id_fields = ("contract",)


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ("received_on", "account", "contract", "amount", "reference", "is_advance")
    search_fields = ("reference", "account__name")
    raw_id_fields = ("account", "contract", "created_by", "import_batch")


@admin.register(PaymentAllocation)
class PaymentAllocationAdmin(admin.ModelAdmin):
    list_display = ("payment", "entry", "amount")
    raw_id_fields = ("payment", "entry")


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    list_display = ("number", "entry", "issued_on", "amount")
    search_fields = ("number",)
    raw_id_fields = ("entry", "created_by")


@admin.register(ContractOrder)
class ContractOrderAdmin(admin.ModelAdmin):
    list_display = ("contract", "order")
    raw_id_fields = ("contract", "order")


@admin.register(ContractAttachment)
class ContractAttachmentAdmin(admin.ModelAdmin):
    list_display = ("name", "contract", "content_type", "size", "uploaded_at")
    raw_id_fields = ("contract", "uploaded_by")
