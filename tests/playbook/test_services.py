"""Writes of the playbook: admins edit talk tracks and the outline (everyone else is refused),
reps answer the outline for accounts of their book; every write audited, every refusal names
its field and writes nothing."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.models import AuditEntry
from playbook import services
from playbook.defaults import QUESTIONS, TALK_TRACKS
from playbook.models import IntelligenceAnswer, IntelligenceQuestion, TalkTrack
from tests.factories import (
    AccountFactory,
    IntelligenceAnswerFactory,
    IntelligenceQuestionFactory,
    TalkTrackFactory,
)

pytestmark = pytest.mark.django_db

TRACK = {
    "situation": "price",
    "title_en": "Too expensive",
    "title_zh_hans": "太贵了",
    "text_en": "Ask what they compare it with.",
    "text_zh_hans": "先问对方和什么比较。",
    "industry": "",
    "position": None,
    "active": True,
}


def test_the_defaults_are_seeded_in_both_languages():
    assert TalkTrack.objects.filter(code__in=[t[0] for t in TALK_TRACKS]).count() == len(
        TALK_TRACKS
    )
    assert IntelligenceQuestion.objects.count() >= len(QUESTIONS)
    for track in TalkTrack.objects.exclude(code=""):
        assert track.title_en and track.title_zh_hans and track.text_en and track.text_zh_hans
    gatekeeper = TalkTrack.objects.filter(situation="gatekeeper")
    assert gatekeeper.exists()
    for question in IntelligenceQuestion.objects.exclude(code=""):
        assert question.text_en and question.text_zh_hans


def test_an_admin_creates_edits_moves_and_deletes_a_talk_track(org):
    admin = org["admin"]
    track = services.talk_track_create(actor=admin, data=TRACK)
    last = TalkTrack.objects.filter(situation="price").order_by("-position").first()
    assert track == last  # a blank position puts it last
    entry = AuditEntry.objects.get(model="playbook.TalkTrack", action="create")
    assert entry.changes["title_en"] == [None, "Too expensive"]

    services.talk_track_update(actor=admin, track=track, data={"active": False})
    track.refresh_from_db()
    assert track.active is False
    assert AuditEntry.objects.get(model="playbook.TalkTrack", action="update").changes == {
        "active": [True, False]
    }

    services.talk_track_move(actor=admin, track=track, direction="up")
    order = list(
        TalkTrack.objects.filter(situation="price")
        .order_by("position", "id")
        .values_list("pk", flat=True)
    )
    assert order[-2] == track.pk and order == sorted(order, key=order.index)
    assert list(
        TalkTrack.objects.filter(situation="price")
        .order_by("position")
        .values_list("position", flat=True)
    ) == list(range(1, len(order) + 1))
    services.talk_track_delete(actor=admin, track=track)
    assert not TalkTrack.objects.filter(pk=track.pk).exists()
    assert AuditEntry.objects.filter(model="playbook.TalkTrack", action="delete").count() == 1


@pytest.mark.parametrize("who", ["r1", "m1"])
def test_reps_and_managers_cannot_change_the_playbook(org, who):
    track, question = TalkTrackFactory(), IntelligenceQuestionFactory()
    before = (list(TalkTrack.objects.values()), list(IntelligenceQuestion.objects.values()))
    user = org[who]
    calls = [
        lambda: services.talk_track_create(actor=user, data=TRACK),
        lambda: services.talk_track_update(actor=user, track=track, data={"title_en": "x"}),
        lambda: services.talk_track_move(actor=user, track=track, direction="up"),
        lambda: services.talk_track_delete(actor=user, track=track),
        lambda: services.intelligence_question_create(actor=user, data={"text_en": "Q?"}),
        lambda: services.intelligence_question_update(
            actor=user, question=question, data={"text_en": "x"}
        ),
        lambda: services.intelligence_question_move(actor=user, question=question, direction="up"),
        lambda: services.intelligence_question_delete(actor=user, question=question),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    assert (list(TalkTrack.objects.values()), list(IntelligenceQuestion.objects.values())) == before
    assert not AuditEntry.objects.filter(model__startswith="playbook.").exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({**TRACK, "title_en": "", "title_zh_hans": ""}, "title_en"),
        ({**TRACK, "text_en": " ", "text_zh_hans": ""}, "text_en"),
        ({**TRACK, "situation": "bribery"}, "situation"),
        ({**TRACK, "industry": "x" * 101}, "industry"),
        ({**TRACK, "code": "sneaky"}, "code"),
    ],
)
def test_a_refused_talk_track_names_its_field_and_writes_nothing(org, data, field):
    count = TalkTrack.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.talk_track_create(actor=org["admin"], data=data)
    assert field in exc.value.message_dict
    assert TalkTrack.objects.count() == count
    assert not AuditEntry.objects.filter(model="playbook.TalkTrack").exists()


def test_a_refused_question_names_its_field_and_a_bad_move_its_direction(org):
    admin = org["admin"]
    with pytest.raises(ValidationError) as exc:
        services.intelligence_question_create(actor=admin, data={"text_en": "", "industry": ""})
    assert "text_en" in exc.value.message_dict
    question = IntelligenceQuestionFactory()
    with pytest.raises(ValidationError) as exc:
        services.intelligence_question_move(actor=admin, question=question, direction="left")
    assert "direction" in exc.value.message_dict


def test_a_question_written_in_chinese_only_is_shown_in_chinese_to_everyone(org):
    from django.utils import translation

    question = services.intelligence_question_create(
        actor=org["admin"], data={"text_zh_hans": "年采购额多少？", "industry": "化工"}
    )
    with translation.override("en"):
        assert question.text == "年采购额多少？"


def test_moving_the_first_question_up_changes_nothing_and_down_swaps(org):
    admin = org["admin"]
    ordered = list(IntelligenceQuestion.objects.order_by("position", "id"))
    services.intelligence_question_move(actor=admin, question=ordered[0], direction="up")
    assert list(IntelligenceQuestion.objects.order_by("position", "id")) == ordered
    services.intelligence_question_move(actor=admin, question=ordered[0], direction="down")
    now = list(IntelligenceQuestion.objects.order_by("position", "id"))
    assert now[:2] == [ordered[1], ordered[0]] and now[2:] == ordered[2:]


def test_deleting_a_question_deletes_its_answers_deactivating_keeps_them(org):
    question = IntelligenceQuestionFactory()
    answer = IntelligenceAnswerFactory(question=question, account=org["accounts"]["r1"])
    services.intelligence_question_update(
        actor=org["admin"], question=question, data={"active": False}
    )
    assert IntelligenceAnswer.objects.filter(pk=answer.pk).exists()
    services.intelligence_question_delete(actor=org["admin"], question=question)
    assert not IntelligenceAnswer.objects.filter(pk=answer.pk).exists()
    entry = AuditEntry.objects.get(model="playbook.IntelligenceQuestion", action="delete")
    assert entry.changes["_extra"] == {"answers_deleted": 1}


# --- Answers -------------------------------------------------------------------------------


def _questions():
    return list(IntelligenceQuestion.objects.filter(industry="", active=True)[:3])


def test_a_rep_answers_updates_and_clears_in_place_with_the_history_audited(org):
    rep, account = org["r1"], org["accounts"]["r1"]
    q1, q2, _q3 = _questions()
    changed = services.intelligence_answers_set(
        actor=rep, account=account, answers={q1.pk: " Distributor ", q2.pk: ""}
    )
    assert changed == 1
    answer = IntelligenceAnswer.objects.get(account=account)
    assert (answer.question, answer.text, answer.answered_by) == (q1, "Distributor", rep)

    changed = services.intelligence_answers_set(
        actor=org["m1"], account=account, answers={q1.pk: "End user", q2.pk: ""}
    )
    assert changed == 1
    answer.refresh_from_db()
    assert (answer.text, answer.answered_by) == ("End user", org["m1"])
    assert IntelligenceAnswer.objects.filter(account=account).count() == 1  # in place
    history = AuditEntry.objects.filter(model="playbook.IntelligenceAnswer").order_by("pk")
    assert [(e.action, e.changes["text"], e.account_id) for e in history] == [
        ("create", ["", "Distributor"], account.pk),
        ("update", ["Distributor", "End user"], account.pk),
    ]
    # The same text again changes nothing; an empty one clears.
    assert (
        services.intelligence_answers_set(actor=rep, account=account, answers={q1.pk: "End user"})
        == 0
    )
    assert services.intelligence_answers_set(actor=rep, account=account, answers={q1.pk: ""}) == 1
    assert not IntelligenceAnswer.objects.filter(account=account).exists()
    assert history.last().action == "delete"


@pytest.mark.parametrize("who", ["r2", "r3", "m2"])
def test_an_answer_on_an_account_outside_the_book_is_refused(org, who):
    q1 = _questions()[0]
    account = org["accounts"]["r1"]
    with pytest.raises(ValidationError) as exc:
        services.intelligence_answers_set(actor=org[who], account=account, answers={q1.pk: "x"})
    assert "account" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.intelligence_answer_set(actor=org[who], account=account, question=q1, text="x")
    assert not IntelligenceAnswer.objects.exists()
    answer = IntelligenceAnswerFactory(account=account, question=q1)
    with pytest.raises(ValidationError):
        services.intelligence_answer_delete(actor=org[who], answer=answer)
    assert IntelligenceAnswer.objects.filter(pk=answer.pk).exists()


def test_one_refused_answer_writes_none(org):
    rep, account = org["r1"], org["accounts"]["r1"]
    q1, q2, _ = _questions()
    other_industry = IntelligenceQuestionFactory(industry="Textiles")
    inactive = IntelligenceQuestionFactory(active=False)
    cases = [
        ({q1.pk: "ok", q2.pk: "x" * 2001}, f"answer_{q2.pk}"),
        ({q1.pk: "ok", other_industry.pk: "no"}, f"answer_{other_industry.pk}"),
        ({q1.pk: "ok", inactive.pk: "no"}, f"answer_{inactive.pk}"),
        ({q1.pk: "ok", 999999: "no"}, "answer_999999"),
    ]
    for answers, field in cases:
        with pytest.raises(ValidationError) as exc:
            services.intelligence_answers_set(actor=rep, account=account, answers=answers)
        assert field in exc.value.message_dict, field
        assert not IntelligenceAnswer.objects.exists()
        assert not AuditEntry.objects.filter(model="playbook.IntelligenceAnswer").exists()


def test_an_answer_of_a_deactivated_question_can_still_be_cleared(org):
    question = IntelligenceQuestionFactory()
    answer = IntelligenceAnswerFactory(question=question, account=org["accounts"]["r1"])
    IntelligenceQuestion.objects.filter(pk=question.pk).update(active=False)
    services.intelligence_answers_set(
        actor=org["r1"], account=answer.account, answers={question.pk: ""}
    )
    assert not IntelligenceAnswer.objects.exists()


def test_industry_questions_are_answerable_for_that_industry_only(org):
    chem = AccountFactory(owner=org["r1"], industry="化工")
    question = IntelligenceQuestionFactory(industry="化工")
    services.intelligence_answer_set(
        actor=org["r1"], account=chem, question=question, text="年用量 30 吨"
    )
    assert IntelligenceAnswer.objects.get().text == "年用量 30 吨"
    with pytest.raises(ValidationError) as exc:
        services.intelligence_answer_set(
            actor=org["r1"], account=org["accounts"]["r1"], question=question, text="x"
        )
    assert "question" in exc.value.message_dict


def test_a_refused_update_names_its_field_and_changes_nothing(org):
    admin = org["admin"]
    track, question = TalkTrackFactory(), IntelligenceQuestionFactory()
    with pytest.raises(ValidationError) as exc:
        services.talk_track_update(
            actor=admin, track=track, data={"title_en": "", "title_zh_hans": ""}
        )
    assert "title_en" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.intelligence_question_update(
            actor=admin, question=question, data={"text_en": "", "text_zh_hans": " "}
        )
    assert "text_en" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.intelligence_question_update(actor=admin, question=question, data={"position": -1})
    assert "position" in exc.value.message_dict
    assert TalkTrack.objects.get(pk=track.pk).title_en == track.title_en
    assert IntelligenceQuestion.objects.get(pk=question.pk).text_en == question.text_en
    assert not AuditEntry.objects.filter(model__startswith="playbook.").exists()
