"""Talk tracks and outline questions match an account's industry as prospects' ratios do
(accounts.normalize.industry_key: case, full-width forms and spaces do not count), and every
situation falls back to the general ones (written for every industry)."""

import pytest
from django.core.exceptions import ValidationError

from accounts.normalize import industry_key
from playbook.models import IntelligenceAnswer, IntelligenceQuestion, TalkTrack
from playbook.selectors import questions_for_industry, talk_tracks_for_industry
from playbook.services import intelligence_answer_set
from prospects.models import industry_key as prospects_industry_key
from tests.factories import AccountFactory, IntelligenceQuestionFactory, TalkTrackFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("Fine Chemicals", "fine chemicals"),
        ("  FINE   chemicals ", "fine chemicals"),
        ("Ｆｉｎｅ\u3000Ｃｈｅｍｉｃａｌｓ", "fine chemicals"),  # full-width letters and space
        (" 化工 ", "化工"),
        ("   ", ""),
        ("", ""),
    ],
)
def test_industry_key_folds_case_width_and_spaces(written, key):
    assert industry_key(written) == key
    assert prospects_industry_key is industry_key  # one rule for both apps


def _tracks(industry: str, situation: str) -> list[int]:
    groups = {g.situation: g for g in talk_tracks_for_industry(industry)}
    return [t.pk for t in groups[situation].tracks] if situation in groups else []


@pytest.fixture
def tracks():
    # Only these (the built-in ones are switched off).
    TalkTrack.objects.update(active=False)
    IntelligenceQuestion.objects.update(active=False)
    return {
        # Written by an admin page that kept the spaces, or loaded in bulk.
        "own": TalkTrackFactory(situation="price", industry="  Fine  Chemicals ", position=9),
        "general": TalkTrackFactory(situation="price", industry="", position=1),
        "blank": TalkTrackFactory(situation="gatekeeper", industry="  ", position=1),
        "other": TalkTrackFactory(situation="price", industry="Textiles"),
        "inactive": TalkTrackFactory(situation="price", industry="fine chemicals", active=False),
    }


@pytest.mark.parametrize(
    "account_industry",
    ["fine chemicals", "FINE CHEMICALS", " Fine Chemicals  ", "Ｆｉｎｅ Ｃｈｅｍｉｃａｌｓ"],
)
def test_the_industrys_own_tracks_come_first_however_it_is_written(tracks, account_industry):
    assert _tracks(account_industry, "price") == [tracks["own"].pk, tracks["general"].pk]
    # A situation without its own track falls back to the general ones.
    assert _tracks(account_industry, "gatekeeper") == [tracks["blank"].pk]


@pytest.mark.parametrize("account_industry", ["", "   ", "Mining", "Fine Chemical"])
def test_another_or_no_industry_gets_the_general_tracks_only(tracks, account_industry):
    assert _tracks(account_industry, "price") == [tracks["general"].pk]
    assert _tracks(account_industry, "gatekeeper") == [tracks["blank"].pk]


def test_outline_questions_match_the_same_way():
    IntelligenceQuestion.objects.update(active=False)
    own = IntelligenceQuestionFactory(industry="Fine Chemicals ", position=2)
    general = IntelligenceQuestionFactory(industry="", position=1)
    other = IntelligenceQuestionFactory(industry="Textiles", position=3)
    assert list(questions_for_industry(" fine  CHEMICALS")) == [general, own]
    assert list(questions_for_industry("mining")) == [general]
    assert other not in questions_for_industry("textile")


def test_an_answer_follows_the_match_and_a_question_of_another_industry_is_refused(org):
    account = AccountFactory(owner=org["r1"], industry="FINE chemicals")
    own = IntelligenceQuestionFactory(industry="Fine Chemicals")
    other = IntelligenceQuestionFactory(industry="Textiles")
    answer = intelligence_answer_set(actor=org["r1"], account=account, question=own, text="Two")
    assert answer is not None and answer.text == "Two"
    with pytest.raises(ValidationError) as refused:
        intelligence_answer_set(actor=org["r1"], account=account, question=other, text="x")
    assert list(refused.value.message_dict) == ["question"]
    assert list(IntelligenceAnswer.objects.values_list("question_id", flat=True)) == [own.pk]
