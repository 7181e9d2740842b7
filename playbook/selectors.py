"""Reads of talk tracks, the intelligence outline and the answers.

Talk tracks and questions are reference data every signed-in user reads; answers hang on an
account and are narrowed by the one visibility rule (`account_scope_q`)."""

from dataclasses import dataclass, field

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from accounts.models import Account
from accounts.selectors import account_scope_q
from crm.selectors import Viewer
from playbook.models import (
    SITUATION_ORDER,
    IntelligenceAnswer,
    IntelligenceQuestion,
    Situation,
    TalkTrack,
)


@dataclass
class SituationGroup:
    situation: str
    label: str
    tracks: list[TalkTrack] = field(default_factory=list)


@dataclass
class OutlineRow:
    question: IntelligenceQuestion
    answer: IntelligenceAnswer | None


def _situation_rank() -> Case:
    return Case(
        *(When(situation=value, then=Value(rank)) for rank, value in enumerate(SITUATION_ORDER)),
        default=Value(len(SITUATION_ORDER)),
        output_field=IntegerField(),
    )


def talk_tracks_list() -> QuerySet[TalkTrack]:
    """Every talk track (admins' list and the API), grouped by situation in its set order."""
    return TalkTrack.objects.alias(rank=_situation_rank()).order_by("rank", "position", "id")


def questions_list() -> QuerySet[IntelligenceQuestion]:
    """Every outline question (admins' list and the API), in outline order."""
    return IntelligenceQuestion.objects.order_by("position", "id")


def _industry_q(industry: str) -> Q:
    q = Q(industry="")
    if industry.strip():
        q |= Q(industry__iexact=industry.strip())
    return q


def talk_tracks_for_industry(industry: str) -> list[SituationGroup]:
    """The active talk tracks for an account of `industry`, by situation: those written for
    the industry first, then the general ones."""
    tracks = (
        TalkTrack.objects.filter(_industry_q(industry), active=True)
        .alias(
            rank=_situation_rank(),
            general=Case(
                When(industry="", then=Value(1)), default=Value(0), output_field=IntegerField()
            ),
        )
        .order_by("rank", "general", "position", "id")
    )
    labels = dict(Situation.choices)
    groups: dict[str, SituationGroup] = {}
    for track in tracks:
        group = groups.setdefault(
            track.situation,
            SituationGroup(track.situation, str(labels.get(track.situation, track.situation))),
        )
        group.tracks.append(track)
    return list(groups.values())


def questions_for_industry(industry: str) -> QuerySet[IntelligenceQuestion]:
    """The active outline questions for an account of `industry` (its own and the general)."""
    return IntelligenceQuestion.objects.filter(_industry_q(industry), active=True).order_by(
        "position", "id"
    )


def answers_visible_to(user: Viewer) -> QuerySet[IntelligenceAnswer]:
    return IntelligenceAnswer.objects.filter(account_scope_q(user, account_path="account__"))


def account_outline(account: Account) -> list[OutlineRow]:
    """The account's outline: each active question for its industry with the current answer,
    then answers kept for questions no longer asked of it (deactivated, another industry).
    The caller has checked that the account is visible."""
    answers = {
        a.question_id: a
        for a in IntelligenceAnswer.objects.filter(account=account).select_related(
            "question", "answered_by"
        )
    }
    rows = [
        OutlineRow(question, answers.pop(question.pk, None))
        for question in questions_for_industry(account.industry)
    ]
    rows += [OutlineRow(a.question, a) for a in sorted(answers.values(), key=_question_order)]
    return rows


def _question_order(answer: IntelligenceAnswer) -> tuple[int, int]:
    return (answer.question.position, answer.question_id)


def last_answer(rows: list[OutlineRow]) -> IntelligenceAnswer | None:
    """The most recent answer of an outline ("last answered by/when")."""
    answered = [row.answer for row in rows if row.answer is not None]
    return max(answered, key=lambda a: a.answered_at, default=None)
