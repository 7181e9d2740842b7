"""What every app shares: the base of each app's settings row, the outbox of tasks queued
while the broker is down, and the audit trail.

PendingTask and AuditEntry moved here from crm and keep their tables (crm_pendingtask,
crm_auditentry): see core/migrations/0001_initial.py.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppSettings(models.Model):
    """Base of each app's settings: one row (pk 1) that an admin edits in the UI.

    Subclass it in an app (`scoring.ScoringSettings`, …) with fields and defaults; read it with
    `MySettings.load()`, write it with `core.services.app_settings_update`.
    """

    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="%(app_label)s_%(class)s_single")
        ]

    def __str__(self) -> str:
        return str(self._meta.verbose_name)

    @classmethod
    def load(cls):
        """The one row, created with the defaults the first time it is read."""
        obj, _created = cls._default_manager.get_or_create(pk=1)
        return obj


class PendingTask(models.Model):
    """A Celery task written in the same transaction as the change that needs it.

    It is published after commit and deleted once the broker took it; if the broker was down,
    `republish_pending_tasks_task` publishes it later, so no queued work is lost.
    """

    task_name = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    attempts = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "crm_pendingtask"  # the table's name from before the model moved to core
        ordering = ["id"]
        verbose_name = _("pending task")
        verbose_name_plural = _("pending tasks")

    def __str__(self) -> str:
        return f"{self.task_name}{tuple(self.args)}"


class AuditEntry(models.Model):
    """Who changed what and when. Personal fields are masked before they are stored."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=40)
    model = models.CharField(max_length=60)
    object_id = models.CharField(max_length=40, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    account_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    changes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        db_table = "crm_auditentry"  # the table's name from before the model moved to core
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["model", "object_id"], name="audit_model_object")]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_id} {self.action} {self.model}"
