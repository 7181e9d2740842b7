"""The playbook API: talk tracks and the outline read-only for everyone signed in (filtered by
industry, in the caller's language), answers narrowed to the caller's book and written
through the services (refusals name their field; outside the book 404)."""

import pytest

from core.models import AuditEntry
from playbook.models import IntelligenceAnswer, IntelligenceQuestion
from tests.factories import (
    AccountFactory,
    IntelligenceAnswerFactory,
    IntelligenceQuestionFactory,
    TalkTrackFactory,
)

pytestmark = pytest.mark.django_db


def _ids(response):
    assert response.status_code == 200, response.content[:300]
    return {row["id"] for row in response.json()["results"]}


def test_talk_tracks_filter_by_industry_and_situation_in_both_languages(org, api):
    chem = TalkTrackFactory(industry="Chemicals", situation="price")
    other = TalkTrackFactory(industry="Textiles", situation="price")
    client = api(org["r1"])
    assert _ids(client.get("/api/v1/talk-tracks/", {"industry": "chemicals"})) == {chem.pk}
    rows = client.get("/api/v1/talk-tracks/", {"situation": "gatekeeper"}).json()["results"]
    assert rows and {r["situation"] for r in rows} == {"gatekeeper"}
    assert all(r["title_en"] and r["title_zh_hans"] for r in rows)
    assert other.pk in _ids(client.get("/api/v1/talk-tracks/", {"page_size": 100}))
    zh = client.get(f"/api/v1/talk-tracks/{chem.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert zh["title"] == chem.title_zh_hans
    assert client.get("/api/v1/talk-tracks/", {"situation": "bribe"}).status_code == 400
    assert client.post("/api/v1/talk-tracks/", {}, format="json").status_code == 405
    assert api().get("/api/v1/talk-tracks/").status_code in (401, 403)


def test_questions_list_and_filter(org, api):
    textiles = IntelligenceQuestionFactory(industry="Textiles")
    client = api(org["m1"])
    assert _ids(client.get("/api/v1/intelligence-questions/", {"industry": "textiles"})) == {
        textiles.pk
    }
    assert client.get("/api/v1/intelligence-questions/", {"active": "maybe"}).status_code == 400


def test_answers_are_narrowed_to_the_book(org, api):
    question = IntelligenceQuestion.objects.filter(industry="").first()
    mine = IntelligenceAnswerFactory(account=org["accounts"]["r1"], question=question)
    theirs = IntelligenceAnswerFactory(account=org["accounts"]["r3"], question=question)
    assert _ids(api(org["r1"]).get("/api/v1/intelligence-answers/")) == {mine.pk}
    assert _ids(api(org["m1"]).get("/api/v1/intelligence-answers/")) == {mine.pk}
    assert _ids(api(org["admin"]).get("/api/v1/intelligence-answers/")) == {mine.pk, theirs.pk}
    client = api(org["r1"])
    assert client.get(f"/api/v1/intelligence-answers/{theirs.pk}/").status_code == 404
    for method in ("put", "patch"):
        response = getattr(client, method)(
            f"/api/v1/intelligence-answers/{theirs.pk}/", {"text": "mine now"}, format="json"
        )
        assert response.status_code == 404
    assert client.delete(f"/api/v1/intelligence-answers/{theirs.pk}/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.text != "mine now"
    filtered = client.get("/api/v1/intelligence-answers/", {"account": org["accounts"]["r1"].pk})
    assert _ids(filtered) == {mine.pk}


def test_post_sets_an_answer_in_place_patch_changes_it_delete_clears_it(org, api):
    account = org["accounts"]["r1"]
    question = IntelligenceQuestion.objects.filter(industry="").first()
    client = api(org["r1"])
    body = {"account": account.pk, "question": question.pk, "text": "Distributor"}
    response = client.post("/api/v1/intelligence-answers/", body, format="json")
    assert response.status_code == 201, response.json()
    answer_id = response.json()["id"]
    assert response.json()["answered_by"] == org["r1"].pk
    response = client.post(
        "/api/v1/intelligence-answers/", {**body, "text": "End user"}, format="json"
    )
    assert (response.status_code, response.json()["id"]) == (200, answer_id)
    response = client.patch(
        f"/api/v1/intelligence-answers/{answer_id}/", {"text": "Both"}, format="json"
    )
    assert response.status_code == 200 and response.json()["text"] == "Both"
    assert IntelligenceAnswer.objects.get().text == "Both"
    assert client.delete(f"/api/v1/intelligence-answers/{answer_id}/").status_code == 204
    assert not IntelligenceAnswer.objects.exists()
    actions = list(
        AuditEntry.objects.filter(model="playbook.IntelligenceAnswer")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "update", "update", "delete"]


def test_refused_answer_writes_name_their_field(org, api):
    account = org["accounts"]["r1"]
    question = IntelligenceQuestion.objects.filter(industry="").first()
    textiles = IntelligenceQuestionFactory(industry="Textiles")
    client = api(org["r1"])
    cases = [
        ({"account": org["accounts"]["r3"].pk, "question": question.pk, "text": "x"}, "account"),
        ({"account": account.pk, "question": 999999, "text": "x"}, "question"),
        ({"account": account.pk, "question": textiles.pk, "text": "x"}, "question"),
        ({"account": account.pk, "question": question.pk, "text": "x" * 2001}, "text"),
        ({"account": account.pk, "question": question.pk, "text": "  "}, "text"),
        ({"account": account.pk, "question": question.pk}, "text"),
    ]
    for body, field in cases:
        response = client.post("/api/v1/intelligence-answers/", body, format="json")
        assert response.status_code == 400, (body, response.content[:200])
        assert field in response.json(), (field, response.json())
    assert not IntelligenceAnswer.objects.exists()
    answer = IntelligenceAnswerFactory(account=account, question=question, text="kept")
    other = AccountFactory(owner=org["r1"])
    for change, field in (
        ({"account": other.pk}, "account"),
        ({"question": textiles.pk}, "question"),
        ({"text": ""}, "text"),
    ):
        response = client.patch(f"/api/v1/intelligence-answers/{answer.pk}/", change, format="json")
        assert response.status_code == 400 and field in response.json(), response.json()
    answer.refresh_from_db()
    assert (answer.account, answer.question, answer.text) == (account, question, "kept")
