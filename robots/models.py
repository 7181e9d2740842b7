"""Group robots (WeCom 企业微信, DingTalk 钉钉, Feishu 飞书): where reminders reach reps in the
chat apps they live in.

A `RobotWebhook` belongs to a team or to one user (exactly one: a check constraint). A user's
robot gets that user's reminders; a team's robot gets the reminders of the team's members,
grouped by rep. A `RobotMessage` is one batch for one channel (the daily digest, or the urgent
reminders that appeared since the last run): one HTTP request, or a few when the platform's
size limit forces a split. A `RobotDelivery` says which reminder went out in which batch; its
unique constraint (webhook, reminder) makes every reminder reach every channel exactly once.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Platform(models.TextChoices):
    WECOM = "wecom", _("WeCom (企业微信)")
    DINGTALK = "dingtalk", _("DingTalk (钉钉)")
    FEISHU = "feishu", _("Feishu (飞书)")


class RobotWebhook(models.Model):
    team = models.ForeignKey(
        "crm.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    platform = models.CharField(_("platform"), max_length=10, choices=Platform.choices)
    name = models.CharField(_("name"), max_length=100)
    # The webhook URL carries the robot's credential (key / access_token / hook id) and the
    # secret signs DingTalk's and Feishu's requests: both stored, never shown back in full.
    url = models.CharField(_("webhook URL"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_success_at = models.DateTimeField(_("last success"), null=True, blank=True)
    last_failure_at = models.DateTimeField(_("last failure"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    consecutive_failures = models.PositiveIntegerField(_("consecutive failures"), default=0)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("group robot")
        verbose_name_plural = _("group robots")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(team__isnull=False, user__isnull=True)
                    | Q(team__isnull=True, user__isnull=False)
                ),
                name="robots_webhook_team_or_user",
            )
        ]

    def __str__(self) -> str:
        return self.name


class RobotMessage(models.Model):
    """One batch for one channel; its state, attempts and error are the delivery's."""

    class Kind(models.TextChoices):
        DIGEST = "digest", _("Daily digest")
        URGENT = "urgent", _("Urgent reminders")

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped")

    webhook = models.ForeignKey(
        RobotWebhook, verbose_name=_("robot"), on_delete=models.CASCADE, related_name="messages"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    date = models.DateField(_("date"))
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    # Parts already accepted by the platform: a retry after a split resumes at the next one.
    parts_sent = models.PositiveIntegerField(_("parts sent"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    answer = models.CharField(_("platform's answer"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("robot message")
        verbose_name_plural = _("robot messages")
        constraints = [
            models.UniqueConstraint(
                fields=["webhook", "date"],
                condition=Q(kind="digest"),
                name="robots_message_one_digest_a_day",
            )
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(state="pending"),
                name="robots_message_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date}"


class RobotDelivery(models.Model):
    """One reminder in one channel's batch: exactly once per reminder and channel."""

    webhook = models.ForeignKey(
        RobotWebhook,
        verbose_name=_("robot"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # the unique constraint's index starts with it
    )
    # No database foreign key: the visits app deletes reminders in bulk (the hourly sweep) and
    # must not pay for, or be blocked by, a check from an app above it. A delivery whose
    # reminder is gone is simply left out of its message.
    reminder = models.ForeignKey(
        "visits.Reminder",
        verbose_name=_("reminder"),
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    message = models.ForeignKey(
        RobotMessage,
        verbose_name=_("message"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("robot delivery")
        verbose_name_plural = _("robot deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["webhook", "reminder"], name="robots_delivery_once_per_channel"
            )
        ]

    def __str__(self) -> str:
        return f"{self.webhook_id}:{self.reminder_id}"
