"""Reads of talk tracks, the intelligence outline and the answers.

Talk tracks and questions are reference data every signed-in user reads; answers hang on an
account and are narrowed by the one visibility rule (`account_scope_q`)."""

from dataclasses import dataclass, field

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from accounts.models import Account
from accounts.normalize import industry_key
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


@dataclass(frozen=True)
class IndustryMatch:
    """The spellings of one industry in a reference table, and of "every industry"."""

    own: list[str]
    general: list[str]

    def q(self) -> Q:
        return Q(industry__in=self.own + self.general)

    def general_first(self) -> Case:
        """0 for the industry's own rows, 1 for the general ones."""
        return Case(
            When(industry__in=self.general, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )


def _industry_match(
    model: type[TalkTrack] | type[IntelligenceQuestion], industry: str
) -> IndustryMatch:
    """Which of the industries written in `model`'s active rows are `industry` (compared by
    accounts.normalize.industry_key: case, full-width forms and spaces do not count) and which
    are blank (every industry). The table is admin-edited reference data: its few distinct
    spellings are compared here, by the one rule, rather than a second one in SQL."""
    key = industry_key(industry)
    spellings = model.objects.filter(active=True).order_by().values_list("industry", flat=True)
    own, general = [], []
    for spelling in spellings.distinct():
        written = industry_key(spelling)
        if not written:
            general.append(spelling)
        elif key and written == key:
            own.append(spelling)
    return IndustryMatch(own, general)


def talk_tracks_for_industry(industry: str) -> list[SituationGroup]:
    """The active talk tracks for an account of `industry`, by situation: those written for
    the industry first, then the general ones (so every situation falls back to them)."""
    match = _industry_match(TalkTrack, industry)
    tracks = (
        TalkTrack.objects.filter(match.q(), active=True)
        .alias(rank=_situation_rank(), general=match.general_first())
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
    """The active outline questions for an account of `industry` (its own and the general,
    compared as talk tracks are)."""
    match = _industry_match(IntelligenceQuestion, industry)
    return IntelligenceQuestion.objects.filter(match.q(), active=True).order_by("position", "id")


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
