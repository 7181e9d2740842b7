"""Writes of a user's own profile, credentials and preferences (name, email, password,
sessions, API tokens, language), and an admin's management of users (create, invite, edit,
deactivate, reactivate)."""

import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from core.audit import audit_log, diff_fields, snapshot
from crm.models import User


@transaction.atomic
def user_set_language(*, actor: User, language: str) -> User:
    """Remember the language the user chose ("" follows the browser again)."""
    allowed = {code for code, _name in User._meta.get_field("language").choices or ()}
    if language not in allowed | {""}:
        raise ValidationError({"language": _("Choose one of the offered languages.")})
    user = User.objects.select_for_update().get(pk=actor.pk)
    before = user.language
    if before != language:
        user.language = language
        user.save(update_fields=["language"])
        audit_log(
            actor=actor, action="update", instance=user, changes={"language": (before, language)}
        )
    return user


# What a user may change on their own profile page.
PROFILE_FIELDS = ["first_name", "last_name", "email", "language"]


def _user_fields_set(
    user: User, data: dict[str, Any], fields: list[str]
) -> tuple[dict[str, Any], dict[str, tuple[Any, Any]]]:
    """Set `data` on `user` (a field outside `fields` is refused), validated like the model's
    fields; returns the values before and the changes. Saves nothing."""
    before = snapshot(user, fields)
    for field, value in data.items():
        if field not in fields:
            raise ValidationError({field: _("This field cannot be set here.")})
        setattr(user, field, value)
    others = [f.name for f in User._meta.concrete_fields if f.name not in fields]
    user.full_clean(exclude=others, validate_unique=False)
    return before, diff_fields(before, snapshot(user, fields))


@transaction.atomic
def user_profile_update(*, actor: User, data: dict[str, Any]) -> User:
    """Change the actor's own name, email and language: validated like the model's fields,
    written to the audit trail (the email masked), nothing written when a value is refused."""
    user = User.objects.select_for_update().get(pk=actor.pk)
    _before, changes = _user_fields_set(user, data, PROFILE_FIELDS)
    if changes:
        user.save(update_fields=list(changes))
        audit_log(actor=actor, action="update", instance=user, changes=changes)
    return user


# --- credentials: API tokens, passwords, sessions -------------------------------------------------
# A user's API tokens die with the credentials they were obtained with: every service below that
# changes those deletes them (`api_tokens_revoke`). Sessions end by themselves when the password
# changes (Django's session hash follows the password hash) or the session generation is raised.


@transaction.atomic
def api_token_issue(*, user: User) -> Token:
    """The user's API token: the one they hold, or a new one if they hold none or it expired."""
    cutoff = timezone.now() - datetime.timedelta(days=settings.CRM_API_TOKEN_DAYS)
    Token.objects.filter(user=user, created__lte=cutoff).delete()
    token, _created = Token.objects.get_or_create(user=user)
    return token


def api_tokens_revoke(*, user: User) -> int:
    """Delete the user's API tokens; returns how many there were."""
    deleted, _by_model = Token.objects.filter(user=user).delete()
    return deleted


@transaction.atomic
def user_set_password(*, actor: User | None, user: User, password: str | None) -> User:
    """Set the user's password (None: disable password sign-in) and delete their API tokens.

    Their other sessions end at their next request; a view keeps the caller's own session with
    `update_session_auth_hash`. `actor` is who did it, for the audit trail (None: the admin
    site, whose own log names the admin). The password is checked by the validators.
    """
    if password is None:
        user.set_unusable_password()
    else:
        password_validation.validate_password(password, user)
        user.set_password(password)
    user.save(update_fields=["password"])
    api_tokens_revoke(user=user)
    audit_log(actor=actor, action="update", instance=user, changes={"password": ("", "")})
    return user


def _check_user_admin(actor: User) -> None:
    """Users are managed by admins (and, on the Django admin site, by staff allowed to change
    users); everyone else is refused."""
    if not (actor.is_admin or actor.has_perm("crm.change_user")):
        raise PermissionDenied


def _active_admins() -> "Q":
    return Q(is_active=True) & (Q(role=User.Role.ADMIN) | Q(is_superuser=True))


def _check_not_last_admin(user: User, field: str) -> None:
    """Refuse to take away the last active admin (locks every active admin's row first, so two
    admins removing each other at once cannot both succeed)."""
    admins = list(
        User.objects.select_for_update().filter(_active_admins()).values_list("pk", flat=True)
    )
    if admins == [user.pk]:
        raise ValidationError(
            {
                field: _(
                    "%(user)s is the last active administrator; make another user an "
                    "administrator first."
                )
                % {"user": user}
            }
        )


@transaction.atomic
def user_deactivate(*, actor: User, user: User) -> User:
    """Deactivate the user (admins only): they can no longer sign in, their sessions end and
    their API tokens are deleted, so that taking them back later revives nothing from before.
    Nobody deactivates themselves, and the last active admin stays."""
    _check_user_admin(actor)
    if user.pk == actor.pk:
        raise ValidationError({"is_active": _("You cannot deactivate yourself.")})
    if user.is_active and (user.is_superuser or user.role == User.Role.ADMIN):
        _check_not_last_admin(user, "is_active")
    locked = User.objects.select_for_update().get(pk=user.pk)
    was_active = locked.is_active
    locked.is_active = False
    locked.session_generation += 1
    locked.save(update_fields=["is_active", "session_generation"])
    api_tokens_revoke(user=locked)
    audit_log(
        actor=actor, action="update", instance=locked, changes={"is_active": (was_active, False)}
    )
    user.is_active, user.session_generation = locked.is_active, locked.session_generation
    return locked


@transaction.atomic
def user_sign_out_everywhere(*, user: User) -> int:
    """End every session of the user and delete their API tokens; returns the tokens deleted.

    The view that calls it keeps its own session with `update_session_auth_hash(request, user)`:
    `user` comes back with its new session generation.
    """
    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    user.refresh_from_db(fields=["session_generation"])
    revoked = api_tokens_revoke(user=user)
    audit_log(actor=user, action="sign_out_everywhere", instance=user)
    return revoked


# --- User management (admins) --------------------------------------------------------------------

USER_EDIT_FIELDS = ["first_name", "last_name", "email", "role", "team", "territory"]


@transaction.atomic
def user_create(*, actor: User, data: dict[str, Any], password: str | None) -> User:
    """Create a user (admins only) with `data` (username, names, e-mail, role, team,
    territory). With `password` None the user has no password until they set one from the
    invitation (`user_invite_send`), which needs an e-mail address; otherwise the password is
    checked by the validators. Nothing is written when a value is refused."""
    _check_user_admin(actor)
    fields = ["username", *USER_EDIT_FIELDS]
    unknown = set(data) - set(fields)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: _("This field cannot be set here.")})
    user = User(**data)
    user.full_clean(exclude=["password"])
    if password is None:
        if not user.email:
            raise ValidationError({"email": _("An invitation needs an e-mail address.")})
        user.set_unusable_password()
    else:
        try:
            password_validation.validate_password(password, user)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from None
        user.set_password(password)
    user.save()
    audit_log(
        actor=actor,
        action="create",
        instance=user,
        changes={f: (None, v) for f, v in snapshot(user, fields).items() if v not in (None, "")},
        extra={"invited": password is None},
    )
    return user


@transaction.atomic
def user_update(*, actor: User, user: User, data: dict[str, Any]) -> User:
    """Change a user's names, e-mail, role, team and territory (admins only). The last active
    admin keeps the admin role. Nothing is written when a value is refused."""
    _check_user_admin(actor)
    locked = User.objects.select_for_update().get(pk=user.pk)
    before, changes = _user_fields_set(locked, data, USER_EDIT_FIELDS)
    was_admin = before["role"] == User.Role.ADMIN
    if "role" in changes and was_admin and locked.is_active and not locked.is_superuser:
        _check_not_last_admin(locked, "role")
    if changes:
        locked.save(update_fields=list(changes))
        audit_log(actor=actor, action="update", instance=locked, changes=changes)
    return locked


@transaction.atomic
def user_reactivate(*, actor: User, user: User) -> User:
    """Let a deactivated user sign in again (admins only). Their old sessions and API tokens
    stay dead (deactivation ended them); they sign in afresh."""
    _check_user_admin(actor)
    locked = User.objects.select_for_update().get(pk=user.pk)
    if not locked.is_active:
        locked.is_active = True
        locked.save(update_fields=["is_active"])
        audit_log(
            actor=actor, action="update", instance=locked, changes={"is_active": (False, True)}
        )
    return locked


def user_invite_link(*, user: User, base_url: str) -> str:
    """The one-time link on which `user` sets their password: Django's password reset token,
    which stops working once a password is set (or after `PASSWORD_RESET_TIMEOUT`)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    return base_url.rstrip("/") + path


def user_invite_send(*, actor: User, user: User, base_url: str) -> None:
    """E-mail `user` an invitation with a link to set their password (admins only), in the
    user's language (or the active one), through the app's e-mail settings. Raises what the
    mail server raises; nothing is written but the audit entry."""
    _check_user_admin(actor)
    if not user.is_active:
        raise ValidationError({"email": _("This user is deactivated; reactivate them first.")})
    if not user.email:
        raise ValidationError({"email": _("An invitation needs an e-mail address.")})
    with translation.override(user.language or translation.get_language()):
        context = {
            "user": user,
            "link": user_invite_link(user=user, base_url=base_url),
            "hours": settings.CRM_PASSWORD_RESET_LINK_HOURS,
            "invited_by": actor,
        }
        subject = _("You are invited to the CRM")
        body = render_to_string("crm/email/invite.txt", context)
    EmailMultiAlternatives(subject=subject, body=body, to=[user.email]).send()
    audit_log(actor=actor, action="invite", instance=user, changes={"email": ("", "")})
