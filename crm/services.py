"""Writes of a user's own profile, credentials and preferences (name, email, password,
sessions, API tokens, language)."""

import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
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


@transaction.atomic
def user_profile_update(*, actor: User, data: dict[str, Any]) -> User:
    """Change the actor's own name, email and language: validated like the model's fields,
    written to the audit trail (the email masked), nothing written when a value is refused."""
    user = User.objects.select_for_update().get(pk=actor.pk)
    before = snapshot(user, PROFILE_FIELDS)
    for field, value in data.items():
        if field not in PROFILE_FIELDS:
            raise ValidationError({field: _("This field cannot be set here.")})
        setattr(user, field, value)
    others = [f.name for f in User._meta.concrete_fields if f.name not in PROFILE_FIELDS]
    user.full_clean(exclude=others, validate_unique=False)
    changes = diff_fields(before, snapshot(user, PROFILE_FIELDS))
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


@transaction.atomic
def user_deactivate(*, actor: User, user: User) -> User:
    """Deactivate the user (who may change users only): they can no longer sign in, their
    sessions end and their API tokens are deleted, so that taking them back later revives
    nothing from before."""
    if not actor.has_perm("crm.change_user"):
        raise PermissionDenied
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
