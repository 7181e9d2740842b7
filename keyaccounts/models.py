"""The key-account plan (大客户计划): one per A account and year, with its objectives,
whitespace, relationship goals, SWOT, actions (commitments) and frozen quarterly reviews."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, Contact
from commitments.models import Commitment


class KeyAccountPlan(models.Model):
    account = models.ForeignKey(
        Account, verbose_name=_("account"), on_delete=models.CASCADE, related_name="key_plans"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    revenue_target = models.DecimalField(
        _("revenue target"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    share_target = models.DecimalField(
        _("target share of the customer's spend (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
    )
    strengths = models.JSONField(_("strengths"), default=list, blank=True)
    weaknesses = models.JSONField(_("weaknesses"), default=list, blank=True)
    opportunities = models.JSONField(_("opportunities"), default=list, blank=True)
    threats = models.JSONField(_("threats"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-year", "account_id"]
        verbose_name = _("key-account plan")
        verbose_name_plural = _("key-account plans")
        constraints = [
            models.UniqueConstraint(fields=["account", "year"], name="keyplan_one_per_year"),
            models.CheckConstraint(
                condition=Q(share_target__isnull=True)
                | Q(share_target__gte=0, share_target__lte=100),
                name="keyplan_share_0_100",
            ),
            models.CheckConstraint(
                condition=Q(year__gte=2000, year__lte=2100), name="keyplan_year_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.year}"


class WhitespaceRow(models.Model):
    """A site or department of the customer (a row of the whitespace matrix). Linked to an
    account (the plan's own or a member of its group), the row's cells are filled from that
    account's orders."""

    plan = models.ForeignKey(
        KeyAccountPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="rows"
    )
    name = models.CharField(_("site or department"), max_length=120)
    site_account = models.ForeignKey(
        Account,
        verbose_name=_("orders of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("site or department")
        verbose_name_plural = _("sites and departments")
        constraints = [
            models.UniqueConstraint(fields=["plan", "name"], name="keyplan_row_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class WhitespaceProduct(models.Model):
    """A product line the rep adds to the matrix's columns (besides those of the orders)."""

    plan = models.ForeignKey(
        KeyAccountPlan,
        verbose_name=_("plan"),
        on_delete=models.CASCADE,
        related_name="extra_products",
    )
    name = models.CharField(_("product line"), max_length=200)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("product line")
        verbose_name_plural = _("product lines")
        constraints = [
            models.UniqueConstraint(fields=["plan", "name"], name="keyplan_product_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class WhitespaceMark(models.Model):
    """A cell the rep marks "could buy"."""

    row = models.ForeignKey(
        WhitespaceRow,
        verbose_name=_("site or department"),
        on_delete=models.CASCADE,
        related_name="marks",
    )
    product = models.CharField(_("product line"), max_length=200)

    class Meta:
        verbose_name = _("could-buy mark")
        verbose_name_plural = _("could-buy marks")
        constraints = [
            models.UniqueConstraint(fields=["row", "product"], name="keyplan_mark_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.row} × {self.product}"


class RelationshipGoal(models.Model):
    """Where the rep wants a buying-centre member to stand, by when. The current stance is the
    contact's own (read live)."""

    plan = models.ForeignKey(
        KeyAccountPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="goals"
    )
    contact = models.ForeignKey(
        Contact, verbose_name=_("contact"), on_delete=models.CASCADE, related_name="+"
    )
    goal_stance = models.CharField(_("goal stance"), max_length=10, choices=Contact.Stance.choices)
    due_date = models.DateField(_("by"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("relationship goal")
        verbose_name_plural = _("relationship goals")
        constraints = [
            models.UniqueConstraint(fields=["plan", "contact"], name="keyplan_goal_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} → {self.goal_stance}"


class PlanAction(models.Model):
    """An action of the plan: a commitment (owner, due date, open/done) of the plan's account."""

    plan = models.ForeignKey(
        KeyAccountPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="actions"
    )
    commitment = models.OneToOneField(
        Commitment, verbose_name=_("commitment"), on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("plan action")
        verbose_name_plural = _("plan actions")

    def __str__(self) -> str:
        return str(self.commitment_id)


class PlanReview(models.Model):
    """A quarterly review: the plan frozen as it was (JSON of all its parts), who and when.
    Never changed once written."""

    plan = models.ForeignKey(
        KeyAccountPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="reviews"
    )
    version = models.PositiveIntegerField(_("version"))
    snapshot = models.JSONField(_("snapshot"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("plan review")
        verbose_name_plural = _("plan reviews")
        constraints = [
            models.UniqueConstraint(fields=["plan", "version"], name="keyplan_review_version"),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} v{self.version}"

    def save(self, *args, **kwargs) -> None:
        # A review is a frozen version: written once, never rewritten (one-row rule).
        if self.pk is not None:
            raise ValidationError(_("A review is frozen and cannot be changed."))
        super().save(*args, **kwargs)
