"""The playbook's pages: admins edit talk tracks and the outline (everyone else 404), the plan
page shows the talk tracks for the account's industry and the outline with its answers (in
the user's language), the card keeps the answers; an answer outside the book answers 404."""

import pytest
from django.utils import timezone

from core.models import AuditEntry
from playbook.models import IntelligenceAnswer, IntelligenceQuestion, TalkTrack
from playbook.selectors import talk_tracks_for_industry
from tests.factories import (
    AccountFactory,
    IntelligenceAnswerFactory,
    IntelligenceQuestionFactory,
    TalkTrackFactory,
    VisitPlanFactory,
)

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


def _plan(account):
    return VisitPlanFactory(
        account=account, planned_date=timezone.localdate(), created_by=account.owner
    )


# --- Admin pages -----------------------------------------------------------------------------


def test_reps_and_managers_get_404_on_the_admin_pages(client, org):
    track = TalkTrack.objects.first()
    question = IntelligenceQuestion.objects.first()
    urls = [
        "/playbook/talk-tracks/",
        "/playbook/talk-tracks/new/",
        f"/playbook/talk-tracks/{track.pk}/",
        f"/playbook/talk-tracks/{track.pk}/delete/",
        f"/playbook/talk-tracks/{track.pk}/move/",
        "/playbook/outline/",
        "/playbook/outline/new/",
        f"/playbook/outline/{question.pk}/",
        f"/playbook/outline/{question.pk}/delete/",
        f"/playbook/outline/{question.pk}/move/",
    ]
    for who in ("r1", "m1"):
        login(client, org[who])
        for url in urls:
            assert client.get(url).status_code == 404, url
            assert client.post(url, {"title_en": "x", "direction": "down"}).status_code == 404
    assert TalkTrack.objects.filter(pk=track.pk, title_en=track.title_en).exists()
    login(client, org["admin"])
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_the_settings_hub_links_the_pages_for_admins(client, org):
    page = login(client, org["admin"]).get("/settings/").content.decode()
    assert "/playbook/talk-tracks/" in page and "/playbook/outline/" in page


def test_an_admin_adds_a_talk_track_and_a_refusal_names_the_field(client, org):
    login(client, org["admin"])
    data = {
        "situation": "competitor",
        "title_en": "",
        "title_zh_hans": "",
        "text_en": "Never speak ill of them.",
        "text_zh_hans": "",
        "industry": "化工",
        "position": "",
        "active": "on",
    }
    response = client.post("/playbook/talk-tracks/new/", data)
    assert response.status_code == 200
    assert "Write a title in at least one language." in response.content.decode()
    assert not TalkTrack.objects.filter(industry="化工").exists()
    response = client.post("/playbook/talk-tracks/new/", {**data, "title_en": "Already served"})
    assert response.status_code == 302
    track = TalkTrack.objects.get(industry="化工")
    assert track.title_en == "Already served"
    page = client.get("/playbook/talk-tracks/").content.decode()
    assert "Already served" in page and "化工" in page


def test_an_admin_edits_deactivates_reorders_and_deletes_with_confirmation(client, org):
    login(client, org["admin"])
    question = IntelligenceQuestionFactory(text_en="Annual volume?", text_zh_hans="年用量？")
    response = client.post(
        f"/playbook/outline/{question.pk}/",
        {"text_en": "Annual volume?", "text_zh_hans": "年用量？", "industry": "", "position": "1"},
    )
    assert response.status_code == 302
    question.refresh_from_db()
    assert (question.active, question.position) == (False, 1)
    before = list(IntelligenceQuestion.objects.order_by("position", "id"))
    client.post(f"/playbook/outline/{before[0].pk}/move/", {"direction": "down"})
    after = list(IntelligenceQuestion.objects.order_by("position", "id"))
    assert after[:2] == [before[1], before[0]]
    response = client.post(f"/playbook/outline/{question.pk}/move/", {"direction": "sideways"})
    assert response.status_code == 302
    assert list(IntelligenceQuestion.objects.order_by("position", "id")) == after

    IntelligenceAnswerFactory(question=question, account=org["accounts"]["r1"])
    page = client.get(f"/playbook/outline/{question.pk}/delete/").content.decode()
    assert "Delete?" in page and "answer to it will be deleted too" in page
    assert IntelligenceQuestion.objects.filter(pk=question.pk).exists()
    client.post(f"/playbook/outline/{question.pk}/delete/")
    assert not IntelligenceQuestion.objects.filter(pk=question.pk).exists()
    assert AuditEntry.objects.filter(model="playbook.IntelligenceQuestion").count() >= 3


# --- Industry filtering ------------------------------------------------------------------------


def test_talk_tracks_for_the_industry_come_first_then_the_general_ones():
    general = TalkTrackFactory(situation="price", title_en="General price", position=1)
    chem = TalkTrackFactory(
        situation="price", title_en="Chemicals price", industry="Chemicals", position=9
    )
    other = TalkTrackFactory(situation="price", title_en="Textiles price", industry="Textiles")
    hidden = TalkTrackFactory(situation="price", title_en="Old", active=False)
    groups = {g.situation: g for g in talk_tracks_for_industry("chemicals")}
    price = [t.pk for t in groups["price"].tracks]
    assert price.index(chem.pk) < price.index(general.pk)
    assert other.pk not in price and hidden.pk not in price
    no_industry = {g.situation: g for g in talk_tracks_for_industry("")}
    assert chem.pk not in [t.pk for t in no_industry["price"].tracks]
    order = [g.situation for g in talk_tracks_for_industry("")]
    assert order.index("first_call") < order.index("gatekeeper") < order.index("closing")


# --- The plan page and the card ----------------------------------------------------------------


def test_the_plan_page_shows_talk_tracks_and_the_outline(client, org):
    account = AccountFactory(owner=org["r1"], industry="Chemicals")
    TalkTrackFactory(situation="price", title_en="Chemicals price talk", industry="Chemicals")
    TalkTrackFactory(situation="price", title_en="Textiles price talk", industry="Textiles")
    question = IntelligenceQuestionFactory(
        text_en="Which resins do they use?", industry="Chemicals"
    )
    IntelligenceAnswerFactory(account=account, question=question, text="Epoxy mostly")
    plan = _plan(account)
    page = login(client, org["r1"]).get(f"/visits/plans/{plan.pk}/").content.decode()
    assert "Pre-visit checklist" in page  # next to the checklist
    assert "Talk tracks" in page and "Turned away by a gatekeeper" in page
    assert "The receptionist will not let you through" in page
    assert "Chemicals price talk" in page and "Textiles price talk" not in page
    assert "Intelligence outline" in page and "Which resins do they use?" in page
    assert "Epoxy mostly" in page
    assert f'action="/playbook/accounts/{account.pk}/intelligence/"' in page
    assert "<details" in page  # collapsible by situation


def test_a_chinese_user_sees_the_playbook_in_chinese(client, org):
    org["r1"].language = "zh-hans"
    org["r1"].save()
    plan = _plan(org["accounts"]["r1"])
    page = login(client, org["r1"]).get(f"/visits/plans/{plan.pk}/").content.decode()
    assert "前台或秘书挡驾" in page and "谁是关键人物或决策人？谁是承办人？" in page
    assert "The receptionist will not let you through" not in page
    assert "话术" in page and "情报调查提纲" in page


def test_a_plan_seen_only_as_the_visits_author_shows_no_answers(client, org):
    account = org["accounts"]["r3"]  # another team's
    question = IntelligenceQuestion.objects.filter(industry="").first()
    IntelligenceAnswerFactory(account=account, question=question, text="secret-answer")
    from tests.factories import VisitFactory

    plan = _plan(account)
    plan.status = "done"
    plan.save()
    VisitFactory(account=account, plan=plan, logged_by=org["r1"], visit_date=plan.planned_date)
    response = login(client, org["r1"]).get(f"/visits/plans/{plan.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "secret-answer" not in page and "Intelligence outline" not in page


def test_answers_saved_from_the_plan_page_go_back_to_it_and_show_on_the_card(client, org):
    account = org["accounts"]["r1"]
    plan = _plan(account)
    q1, q2 = IntelligenceQuestion.objects.filter(industry="", active=True)[:2]
    login(client, org["r1"])
    response = client.post(
        f"/playbook/accounts/{account.pk}/intelligence/",
        {
            f"answer_{q1.pk}": "A distributor",
            f"answer_{q2.pk}": "",
            "next": f"/visits/plans/{plan.pk}/",
        },
    )
    assert response.status_code == 302 and response["Location"] == f"/visits/plans/{plan.pk}/"
    assert IntelligenceAnswer.objects.get(account=account).text == "A distributor"
    card = client.get(account.get_absolute_url()).content.decode()
    assert "A distributor" in card and q1.text_en in card
    assert "Last answered by" in card and str(org["r1"]) in card


def test_a_refused_answer_names_the_question_and_saves_nothing(client, org):
    account = org["accounts"]["r1"]
    q1, q2 = IntelligenceQuestion.objects.filter(industry="", active=True)[:2]
    login(client, org["r1"])
    response = client.post(
        f"/playbook/accounts/{account.pk}/intelligence/",
        {f"answer_{q1.pk}": "fine", f"answer_{q2.pk}": "x" * 2001},
        follow=True,
    )
    page = response.content.decode()
    assert q2.text_en in page and "2000" in page
    assert not IntelligenceAnswer.objects.exists()


@pytest.mark.parametrize("who", ["r2", "r3", "m2"])
def test_an_answer_on_an_account_outside_the_book_answers_404(client, org, who):
    account = org["accounts"]["r1"]
    question = IntelligenceQuestion.objects.filter(industry="").first()
    login(client, org[who])
    response = client.post(
        f"/playbook/accounts/{account.pk}/intelligence/", {f"answer_{question.pk}": "x"}
    )
    assert response.status_code == 404
    assert not IntelligenceAnswer.objects.exists()
    assert client.get(account.get_absolute_url()).status_code == 404


def test_the_card_has_an_empty_state(client, org):
    page = login(client, org["r1"]).get(org["accounts"]["r1"].get_absolute_url()).content.decode()
    assert "Nothing learned yet" in page
