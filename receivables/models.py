"""Contracts (合同), their payment plans (回款计划), payments received (回款记录), how each
payment is allocated to plan entries, invoices issued (开票) and attachments.

Balances are never stored: what an entry, a contract or a payment still owes (or holds) is
derived from the allocations by `receivables.selectors` in SQL. Money is `Decimal` to the cent,
in the one currency of the installation (`settings.CRM_CURRENCY`).

A plan entry is due either on a fixed `due_date` or `days_after` an event of its contract
(signing, delivery, acceptance): then it has a due date once the contract holds that event's
date, and none (not scheduled yet) before.
"""

import datetime
import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

MONEY_DIGITS = 14
MONEY_PLACES = 2


def money_field(verbose_name: "str | _StrPromise", **kwargs) -> models.DecimalField:
    return models.DecimalField(
        verbose_name, max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, **kwargs
    )


class Contract(models.Model):
    """A signed (or drafted) contract with an account, its amount and payment plan."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        ACTIVE = "active", _("active")
        CLOSED = "closed", _("closed")
        CANCELLED = "cancelled", _("cancelled")

    account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="contracts",
    )
    number = models.CharField(_("contract number"), max_length=64, unique=True)
    title = models.CharField(_("title"), max_length=200, blank=True)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    amount = money_field(_("amount"))
    end_on = models.DateField(_("term ends on"), null=True, blank=True)
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="contracts",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    notes = models.TextField(_("notes"), blank=True)
    import_batch = models.ForeignKey(
        "imports.ImportBatch",
        verbose_name=_("import batch"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contracts",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-signed_on", "-id"]
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="contract_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(end_on__isnull=True)
                | Q(signed_on__isnull=True)
                | Q(end_on__gte=models.F("signed_on")),
                name="contract_ends_after_signing",
            ),
        ]
        indexes = [models.Index(fields=["account", "status"], name="contract_account_status")]

    def __str__(self) -> str:
        return self.number

    def event_date(self, event: str) -> datetime.date | None:
        """The date of one of the plan's events (None while it has not happened)."""
        dates: dict[str, datetime.date | None] = {
            PlanEntry.Event.SIGNING.value: self.signed_on,
            PlanEntry.Event.DELIVERY.value: self.delivered_on,
            PlanEntry.Event.ACCEPTANCE.value: self.accepted_on,
        }
        return dates.get(event)


class PlanEntry(models.Model):
    """One instalment of a contract's payment plan: an amount (given, or a percent of the
    contract's amount rounded to the cent) due on a date or N days after an event."""

    class Event(models.TextChoices):
        SIGNING = "signing", _("signing")
        DELIVERY = "delivery", _("delivery")
        ACCEPTANCE = "acceptance", _("acceptance")

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="entries"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    label = models.CharField(_("label"), max_length=100, blank=True)
    percent = models.DecimalField(
        _("percent"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    amount = money_field(_("amount"))
    due_date = models.DateField(_("due date"), null=True, blank=True)
    event = models.CharField(_("event"), max_length=20, choices=Event.choices, blank=True)
    days_after = models.PositiveSmallIntegerField(_("days after the event"), null=True, blank=True)

    class Meta:
        ordering = ["contract", "position", "id"]
        verbose_name = _("payment plan entry")
        verbose_name_plural = _("payment plan entries")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="plan_entry_amount_positive"),
            models.CheckConstraint(
                condition=Q(percent__isnull=True) | Q(percent__gt=0, percent__lte=100),
                name="plan_entry_percent_0_100",
            ),
            # Either a fixed date or a rule "N days after <event>", never both, never neither.
            models.CheckConstraint(
                condition=(Q(due_date__isnull=False) & Q(event="") & Q(days_after__isnull=True))
                | (Q(due_date__isnull=True) & ~Q(event="") & Q(days_after__isnull=False)),
                name="plan_entry_date_or_rule",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} #{self.position} {self.label}".strip()

    @property
    def resolved_due_date(self):
        """The fixed date, or the event's date plus `days_after` (None before the event)."""
        if self.due_date is not None:
            return self.due_date
        event_date = self.contract.event_date(self.event)
        if event_date is None or self.days_after is None:
            return None
        return event_date + datetime.timedelta(days=self.days_after)


class Payment(models.Model):
    """Money received from an account, allocated to plan entries (`PaymentAllocation`). Only
    an advance may hold more than it is allocated."""

    account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="payments",
    )
    contract = models.ForeignKey(
        Contract,
        verbose_name=_("contract"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments",
    )
    received_on = models.DateField(_("received on"))
    amount = money_field(_("amount"))
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    is_advance = models.BooleanField(_("advance"), default=False)
    notes = models.TextField(_("notes"), blank=True)
    import_batch = models.ForeignKey(
        "imports.ImportBatch",
        verbose_name=_("import batch"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="payments",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-received_on", "-id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
        ]
        indexes = [
            models.Index(fields=["account", "received_on"], name="payment_account_received"),
            models.Index(fields=["received_on"], name="payment_received_on"),
        ]

    def __str__(self) -> str:
        return f"{self.received_on} {self.amount} {self.reference}".strip()


class PaymentAllocation(models.Model):
    """The part of a payment that pays one plan entry."""

    payment = models.ForeignKey(
        Payment, verbose_name=_("payment"), on_delete=models.CASCADE, related_name="allocations"
    )
    entry = models.ForeignKey(
        PlanEntry,
        verbose_name=_("plan entry"),
        on_delete=models.PROTECT,
        related_name="allocations",
    )
    amount = money_field(_("amount"))

    class Meta:
        verbose_name = _("payment allocation")
        verbose_name_plural = _("payment allocations")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_amount_positive"),
            models.UniqueConstraint(fields=["payment", "entry"], name="allocation_payment_entry"),
        ]
        indexes = [models.Index(fields=["entry"], include=["amount"], name="allocation_entry")]

    def __str__(self) -> str:
        return f"{self.payment_id} → {self.entry_id}: {self.amount}"


class Invoice(models.Model):
    """An invoice (发票) issued against one plan entry."""

    entry = models.ForeignKey(
        PlanEntry, verbose_name=_("plan entry"), on_delete=models.PROTECT, related_name="invoices"
    )
    number = models.CharField(_("invoice number"), max_length=64, unique=True)
    issued_on = models.DateField(_("issued on"))
    amount = money_field(_("amount"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-issued_on", "-id"]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="invoice_amount_positive"),
        ]

    def __str__(self) -> str:
        return self.number


class ContractOrder(models.Model):
    """An order (revenue line) that belongs to a contract: at most one contract per order."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="order_links"
    )
    order = models.OneToOneField(
        "accounts.Order",
        verbose_name=_("order"),
        on_delete=models.CASCADE,
        related_name="contract_link",
    )

    class Meta:
        verbose_name = _("contract order")
        verbose_name_plural = _("contract orders")

    def __str__(self) -> str:
        return f"{self.contract_id} ← {self.order_id}"


def attachment_path(instance: "ContractAttachment", filename: str) -> str:
    # Never the user's file name on disk (it is kept in `name`): no path tricks, no clashes.
    return f"contracts/{instance.contract_id}/{uuid.uuid4().hex}"


class ContractAttachment(models.Model):
    """A file kept with a contract (the signed scan, an annex). Stored under MEDIA_ROOT with a
    random name, never served as media: only through the contract's page, which checks sight."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["contract", "id"]
        verbose_name = _("contract attachment")
        verbose_name_plural = _("contract attachments")

    def __str__(self) -> str:
        return self.name
