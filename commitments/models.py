"""Commitments (the API calls them tasks): what a rep promised a customer, by when.

"Reply as promised" (依约定时间抵达, 依承诺回复): a commitment has an account (and optionally the
contact it was promised to, or a prospect), what was promised, a due date and time, its owner
(who must do it) and who asked for it (the colleague who created or assigned it). It is made by
hand, from a visit's next step, or from a reminder; a visit's next step becomes one commitment
at most (a database constraint).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class CommitmentQuerySet(models.QuerySet):
    def open(self) -> "CommitmentQuerySet":
        return self.filter(status=Commitment.Status.OPEN)

    def overdue(self, today) -> "CommitmentQuerySet":
        """Open and due before `today` (a commitment due today is due, not yet overdue)."""
        return self.open().filter(due_date__lt=today)


class Commitment(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")

    class Source(models.TextChoices):
        MANUAL = "manual", _("By hand")
        VISIT = "visit", _("From a visit's next step")
        REMINDER = "reminder", _("From a reminder")

    account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="commitments",
    )
    contact = models.ForeignKey(
        "accounts.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="commitments",
    )
    prospect = models.ForeignKey(
        "prospects.Prospect",
        verbose_name=_("prospect"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="commitments",
    )
    title = models.CharField(_("what was promised"), max_length=255)
    notes = models.TextField(_("notes"), blank=True)
    due_date = models.DateField(_("due date"))
    due_time = models.TimeField(_("due time"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="commitments",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("asked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.MANUAL
    )
    source_visit = models.ForeignKey(
        "visits.Visit",
        verbose_name=_("from visit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="commitments",
    )
    source_reminder = models.ForeignKey(
        "visits.Reminder",
        verbose_name=_("from reminder"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = CommitmentQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "due_time", "id"]
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", done_at__isnull=True)
                | Q(status="done", done_at__isnull=False),
                name="commitment_done_has_time",
            ),
            models.UniqueConstraint(
                fields=["source_visit"],
                condition=Q(source_visit__isnull=False),
                name="commitment_one_per_visit",
                violation_error_message=_("This visit's next step is already a commitment."),
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "status", "due_date"], name="commitment_owner_due"),
            models.Index(fields=["account", "status"], name="commitment_account"),
        ]

    def __str__(self) -> str:
        return f"{self.due_date:%Y-%m-%d} {self.title}"
