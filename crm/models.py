"""Users, roles, teams and territories."""

import hashlib
from typing import ClassVar, Self

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import MinValueValidator
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
    # The source's floor of 25–30 potential enterprise customers is the sales department's
    # (营销部至少应该有25~30个潜在企业顾客), so it is a team's figure, not each rep's.
    pipeline_minimum = models.PositiveIntegerField(
        _("pipeline minimum"),
        default=25,
        validators=[MinValueValidator(1)],
        help_text=_(
            "Open prospects (green and yellow, not abandoned) the team's reps should hold "
            "together; below it the team's manager is warned."
        ),
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

    objects: ClassVar[UserManager[Self]] = UserManager()

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
        # `_password` (set by set_password) is missing from django-stubs.
        password_changed = self._password is not None and not self._state.adding  # type: ignore[attr-defined]
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
