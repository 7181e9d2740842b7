"""Users, roles, teams and territories; the outbox for tasks queued while the broker is down."""

import hashlib

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class Territory(models.Model):
    """A sales territory (区域)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    code = models.CharField(_("code"), max_length=30, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("territory")
        verbose_name_plural = _("territories")

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    """A team of reps led by a manager."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    manager = models.ForeignKey(
        "crm.User",
        verbose_name=_("manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_teams",
    )
    territory = models.ForeignKey(
        Territory, verbose_name=_("territory"), null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A CRM user. The role decides which accounts the user sees (see crm.selectors)."""

    class Role(models.TextChoices):
        REP = "rep", _("Sales rep")
        MANAGER = "manager", _("Sales manager")
        ADMIN = "admin", _("Administrator")

    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.REP)
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    territory = models.ForeignKey(
        Territory, verbose_name=_("territory"), null=True, blank=True, on_delete=models.SET_NULL
    )
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        choices=[("en", "English"), ("zh-hans", "简体中文")],
        help_text=_("Empty: follow the browser."),
    )
    # Raised by "sign out everywhere" and deactivation (crm.services): part of the session hash,
    # so every session signed in before no longer matches and ends at its next request.
    session_generation = models.PositiveIntegerField(
        _("session generation"), default=0, editable=False
    )

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        indexes = [models.Index(fields=["team", "role"])]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def save(self, *args, **kwargs):
        # A new password (set_password: our services, the admin site, Django's `changepassword`
        # command) deletes the user's API tokens, whichever path set it; sessions end by the
        # session hash, which follows the password hash.
        password_changed = self._password is not None and not self._state.adding
        super().save(*args, **kwargs)
        if password_changed:
            from rest_framework.authtoken.models import Token

            Token.objects.filter(user=self).delete()

    def get_session_auth_hash(self) -> str:
        return self._with_session_generation(super().get_session_auth_hash())

    def get_session_auth_fallback_hash(self):
        for value in super().get_session_auth_fallback_hash():
            yield self._with_session_generation(value)

    def _with_session_generation(self, value: str) -> str:
        """Django's hash (an HMAC of the password hash) bound to the session generation; at
        generation 0 it is Django's own, so sessions from before the field stay valid."""
        if not self.session_generation:
            return value
        return hashlib.sha256(f"{value}:{self.session_generation}".encode()).hexdigest()

    @property
    def is_admin(self) -> bool:
        return self.is_active and (self.is_superuser or self.role == self.Role.ADMIN)

    @property
    def is_manager(self) -> bool:
        return self.is_active and self.role == self.Role.MANAGER

    @property
    def can_manage(self) -> bool:
        """Managers and admins: may recompute tiers, reassign within their scope, etc."""
        return self.is_admin or self.is_manager


class AppSettings(models.Model):
    """Base of each app's settings: one row (pk 1) that an admin edits in the UI.

    Subclass it in an app (`scoring.ScoringSettings`, …) with fields and defaults; read it with
    `MySettings.load()`, write it with `crm.services.app_settings_update`.
    """

    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        "crm.User",
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
        obj, _created = cls.objects.get_or_create(pk=1)
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
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.task_name}{tuple(self.args)}"


class AuditEntry(models.Model):
    """Who changed what and when. Personal fields are masked before they are stored."""

    actor = models.ForeignKey(
        "crm.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=40)
    model = models.CharField(max_length=60)
    object_id = models.CharField(max_length=40, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    account_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    changes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["model", "object_id"], name="audit_model_object")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_id} {self.action} {self.model}"
