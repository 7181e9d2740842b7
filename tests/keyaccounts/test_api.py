"""`/api/v1/key-account-plans/`: read and write through the services and the visibility rule."""

from keyaccounts.models import KeyAccountPlan, PlanReview
from tests.factories import ContactFactory

URL = "/api/v1/key-account-plans/"


def test_create_read_update_review(api, org, a_account):
    client = api(org["r1"])
    made = client.post(
        URL,
        {"account": a_account.pk, "year": 2026, "share_target": "40", "strengths": ["Nearby"]},
        format="json",
    )
    assert made.status_code == 201, made.json()
    pk = made.json()["id"]
    assert client.get(f"{URL}{pk}/").json()["strengths"] == ["Nearby"]
    changed = client.patch(f"{URL}{pk}/", {"share_target": "55", "year": 1999}, format="json")
    assert changed.status_code == 200
    plan = KeyAccountPlan.objects.get(pk=pk)
    assert (str(plan.share_target), plan.year) == ("55.00", 2026)
    contact = ContactFactory(account=a_account)
    goal = client.post(
        f"{URL}{pk}/goals/", {"contact": contact.pk, "goal_stance": "champion"}, format="json"
    )
    assert goal.status_code == 200
    action = client.post(
        f"{URL}{pk}/actions/", {"title": "Call", "due_date": "2026-05-01"}, format="json"
    )
    assert action.status_code == 201
    assert client.get(f"{URL}{pk}/actions/").json()[0]["status"] == "open"
    review = client.post(f"{URL}{pk}/review/", {"note": "Q1"}, format="json")
    assert review.status_code == 201
    assert review.json()["snapshot"]["share_target"] == "55.00"
    assert [r["version"] for r in client.get(f"{URL}{pk}/reviews/").json()] == [1]


def test_refusals_answer_400_and_change_nothing(api, org, plan):
    client = api(org["r1"])
    again = client.post(URL, {"account": plan.account_id, "year": 2026}, format="json")
    assert again.status_code == 400
    share = client.patch(f"{URL}{plan.pk}/", {"share_target": "101"}, format="json")
    assert share.status_code == 400
    stranger = ContactFactory(account=org["accounts"]["r2"])
    goal = client.post(
        f"{URL}{plan.pk}/goals/",
        {"contact": stranger.pk, "goal_stance": "champion"},
        format="json",
    )
    assert goal.status_code == 400
    owner = client.post(
        f"{URL}{plan.pk}/actions/",
        {"title": "Call", "due_date": "2026-05-01", "owner": org["r3"].pk},
        format="json",
    )
    assert owner.status_code == 400
    org["accounts"]["r2"].tier = "B"
    org["accounts"]["r2"].save()
    not_a = api(org["r2"]).post(
        URL, {"account": org["accounts"]["r2"].pk, "year": 2026}, format="json"
    )
    assert not_a.status_code == 400
    assert KeyAccountPlan.objects.count() == 1
    plan.refresh_from_db()
    assert plan.share_target is None


def test_hidden_plans_answer_404(api, org, plan):
    client = api(org["r2"])
    assert client.get(URL).json()["results"] == []
    for path in ("", "reviews/", "actions/"):
        assert client.get(f"{URL}{plan.pk}/{path}").status_code == 404
    for path in ("review/", "goals/", "actions/"):
        assert client.post(f"{URL}{plan.pk}/{path}", {}, format="json").status_code == 404
    assert PlanReview.objects.count() == 0
