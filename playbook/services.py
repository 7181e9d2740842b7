"""Writes of talk tracks, outline questions (admins) and intelligence answers (the account's
book). Every write is audited; an answer is updated in place, its earlier texts stay in the
audit trail."""

from collections.abc import Mapping
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Account
from accounts.selectors import account_check_visible
from core.audit import audit_created, audit_log, diff_fields, snapshot
from crm.models import User
from playbook.models import (
    ANSWER_MAX_LENGTH,
    IntelligenceAnswer,
    IntelligenceQuestion,
    TalkTrack,
)
from playbook.selectors import questions_for_industry

TALK_TRACK_FIELDS = [
    "situation",
    "title_en",
    "title_zh_hans",
    "text_en",
    "text_zh_hans",
    "industry",
    "position",
    "active",
]
QUESTION_FIELDS = ["industry", "text_en", "text_zh_hans", "position", "active"]

Direction = Literal["up", "down"]


def _check_admin(actor: User) -> None:
    if actor is None or not actor.is_admin:
        raise PermissionDenied


def _apply(instance: models.Model, data: Mapping[str, Any], fields: list[str]) -> None:
    for name, value in data.items():
        if name not in fields:
            raise ValidationError({name: _("This field cannot be set here.")})
        if isinstance(value, str):
            value = value.strip()
        if name == "position" and value is None:
            continue  # the service places it last
        if value is None:
            raise ValidationError({name: _("This field cannot be empty.")})
        setattr(instance, name, value)


def _check_pair(instance: models.Model, en: str, zh: str, message: str) -> None:
    if not getattr(instance, en) and not getattr(instance, zh):
        raise ValidationError({en: message})


def _last_position(queryset: models.QuerySet) -> int:
    last = queryset.order_by("-position").values_list("position", flat=True).first()
    return (last or 0) + 1


def _save(instance: models.Model, fields: list[str], *, actor: User, before: dict | None) -> None:
    instance.full_clean(exclude=["code"])
    instance.save()
    if before is None:
        audit_created(actor=actor, instance=instance, fields=fields)
        return
    audit_log(
        actor=actor,
        action="update",
        instance=instance,
        changes=diff_fields(before, snapshot(instance, fields)),
    )


def _move(
    instance: models.Model, siblings: models.QuerySet, direction: Direction, *, actor: User
) -> None:
    """Swap `instance` with its neighbour among `siblings`, numbering them 1..n."""
    if direction not in ("up", "down"):
        raise ValidationError({"direction": _("Choose up or down.")})
    rows = list(siblings.select_for_update().order_by("position", "id"))
    index = next(i for i, row in enumerate(rows) if row.pk == instance.pk)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(rows):
        return
    rows[index], rows[other] = rows[other], rows[index]
    before = {row.pk: row.position for row in rows}
    for position, row in enumerate(rows, 1):
        row.position = position
    siblings.model.objects.bulk_update(rows, ["position"])
    moved = rows[other]
    audit_log(
        actor=actor,
        action="update",
        instance=moved,
        changes={"position": (before[moved.pk], moved.position)},
    )


# --- Talk tracks -------------------------------------------------------------------------


def _talk_track_save(actor: User, track: TalkTrack, data: Mapping[str, Any]) -> TalkTrack:
    before = None if track.pk is None else snapshot(track, TALK_TRACK_FIELDS)
    _apply(track, data, TALK_TRACK_FIELDS)
    _check_pair(track, "title_en", "title_zh_hans", _("Write a title in at least one language."))
    _check_pair(track, "text_en", "text_zh_hans", _("Write the text in at least one language."))
    if data.get("position") is None and track.pk is None:
        track.position = _last_position(TalkTrack.objects.filter(situation=track.situation))
    _save(track, TALK_TRACK_FIELDS, actor=actor, before=before)
    return track


@transaction.atomic
def talk_track_create(*, actor: User, data: Mapping[str, Any]) -> TalkTrack:
    _check_admin(actor)
    return _talk_track_save(actor, TalkTrack(), data)


@transaction.atomic
def talk_track_update(*, actor: User, track: TalkTrack, data: Mapping[str, Any]) -> TalkTrack:
    _check_admin(actor)
    track = TalkTrack.objects.select_for_update().get(pk=track.pk)
    return _talk_track_save(actor, track, data)


@transaction.atomic
def talk_track_delete(*, actor: User, track: TalkTrack) -> None:
    _check_admin(actor)
    audit_log(actor=actor, action="delete", instance=track)
    track.delete()


@transaction.atomic
def talk_track_move(*, actor: User, track: TalkTrack, direction: Direction) -> None:
    """Move a talk track one place up or down among those of its situation."""
    _check_admin(actor)
    _move(track, TalkTrack.objects.filter(situation=track.situation), direction, actor=actor)


# --- The intelligence outline ------------------------------------------------------------


def _question_save(
    actor: User, question: IntelligenceQuestion, data: Mapping[str, Any]
) -> IntelligenceQuestion:
    before = None if question.pk is None else snapshot(question, QUESTION_FIELDS)
    _apply(question, data, QUESTION_FIELDS)
    _check_pair(
        question, "text_en", "text_zh_hans", _("Write the question in at least one language.")
    )
    if data.get("position") is None and question.pk is None:
        question.position = _last_position(IntelligenceQuestion.objects.all())
    _save(question, QUESTION_FIELDS, actor=actor, before=before)
    return question


@transaction.atomic
def intelligence_question_create(*, actor: User, data: Mapping[str, Any]) -> IntelligenceQuestion:
    _check_admin(actor)
    return _question_save(actor, IntelligenceQuestion(), data)


@transaction.atomic
def intelligence_question_update(
    *, actor: User, question: IntelligenceQuestion, data: Mapping[str, Any]
) -> IntelligenceQuestion:
    _check_admin(actor)
    question = IntelligenceQuestion.objects.select_for_update().get(pk=question.pk)
    return _question_save(actor, question, data)


@transaction.atomic
def intelligence_question_delete(*, actor: User, question: IntelligenceQuestion) -> None:
    """Delete a question and, with it, every account's answer to it (deactivating keeps
    them)."""
    _check_admin(actor)
    audit_log(
        actor=actor,
        action="delete",
        instance=question,
        extra={"answers_deleted": question.answers.count()},
    )
    question.delete()


@transaction.atomic
def intelligence_question_move(
    *, actor: User, question: IntelligenceQuestion, direction: Direction
) -> None:
    _check_admin(actor)
    _move(question, IntelligenceQuestion.objects.all(), direction, actor=actor)


# --- Answers -----------------------------------------------------------------------------


def _set_answer(
    actor: User,
    account: Account,
    question: IntelligenceQuestion,
    text: str,
    *,
    field: str,
    asked: set[int],
    question_field: str = "",
) -> IntelligenceAnswer | None:
    text = (text or "").strip()
    if len(text) > ANSWER_MAX_LENGTH:
        raise ValidationError(
            {field: _("Keep the answer under %(n)s characters.") % {"n": ANSWER_MAX_LENGTH}}
        )
    current = (
        IntelligenceAnswer.objects.select_for_update()
        .filter(account=account, question=question)
        .first()
    )
    if not text:
        if current is not None:
            audit_log(
                actor=actor,
                action="delete",
                instance=current,
                account_id=account.pk,
                changes={"text": (current.text, "")},
            )
            current.delete()
        return None
    if question.pk not in asked:
        raise ValidationError(
            {question_field or field: _("This question is not in this account's outline.")}
        )
    if current is not None and current.text == text:
        return current
    old = current.text if current is not None else ""
    answer = current or IntelligenceAnswer(account=account, question=question)
    answer.text = text
    answer.answered_by = actor
    answer.answered_at = timezone.now()
    answer.save()
    # An answer's history reads as one text changing ("" when there was none), so its first
    # entry is written here rather than by audit_created (None → text).
    audit_log(
        actor=actor,
        action="update" if current is not None else "create",
        instance=answer,
        account_id=account.pk,
        changes={"text": (old, text)},
    )
    return answer


@transaction.atomic
def intelligence_answer_set(
    *, actor: User, account: Account, question: IntelligenceQuestion, text: str
) -> IntelligenceAnswer | None:
    """Set the account's answer to one question (an empty text clears it: None). The account
    must be in the actor's book and the question active and asked of its industry."""
    account_check_visible(actor, account)
    asked = set(questions_for_industry(account.industry).values_list("pk", flat=True))
    return _set_answer(
        actor, account, question, text, field="text", asked=asked, question_field="question"
    )


@transaction.atomic
def intelligence_answers_set(*, actor: User, account: Account, answers: Mapping[int, str]) -> int:
    """Set several answers of one account at once (question id -> text; empty clears);
    returns how many changed. All or nothing: one refused answer writes none. Errors name
    the field `answer_<question id>`."""
    account_check_visible(actor, account)
    asked = set(questions_for_industry(account.industry).values_list("pk", flat=True))
    questions = IntelligenceQuestion.objects.in_bulk(list(answers))
    changed = 0
    for question_id, text in answers.items():
        field = f"answer_{question_id}"
        question = questions.get(question_id)
        if question is None:
            raise ValidationError({field: _("This question does not exist.")})
        before = (
            IntelligenceAnswer.objects.filter(account=account, question=question)
            .values_list("text", flat=True)
            .first()
        )
        after = _set_answer(actor, account, question, text, field=field, asked=asked)
        if (after.text if after else None) != before:
            changed += 1
    return changed


@transaction.atomic
def intelligence_answer_delete(*, actor: User, answer: IntelligenceAnswer) -> None:
    account_check_visible(actor, answer.account)
    audit_log(
        actor=actor,
        action="delete",
        instance=answer,
        account_id=answer.account_id,
        changes={"text": (answer.text, "")},
    )
    answer.delete()
