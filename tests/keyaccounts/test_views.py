"""The plan's pages: through the visibility rule, writes through the services."""

import datetime as dt

from keyaccounts.models import KeyAccountPlan, PlanAction, PlanReview, RelationshipGoal
from tests.factories import ContactFactory


def test_the_card_links_to_the_plan_and_offers_one_for_an_a_account(client, org, plan):
    client.force_login(org["r1"])
    page = client.get(plan.account.get_absolute_url()).content.decode()
    assert f"/key-accounts/{plan.pk}/" in page
    assert f"/key-accounts/new/{plan.account.pk}/" in page
    other = client.get(org["accounts"]["r2"].get_absolute_url())
    assert other.status_code == 404 or "/key-accounts/new/" not in other.content.decode()


def test_create_edit_and_page(client, org, a_account):
    client.force_login(org["r1"])
    response = client.post(
        f"/key-accounts/new/{a_account.pk}/", {"year": "2026", "share_target": "40"}
    )
    plan = KeyAccountPlan.objects.get(account=a_account)
    assert response.status_code == 302
    again = client.post(f"/key-accounts/new/{a_account.pk}/", {"year": "2026"})
    assert again.status_code == 200
    assert KeyAccountPlan.objects.count() == 1
    client.post(
        f"/key-accounts/{plan.pk}/edit/",
        {"share_target": "150", "strengths": "A"},
    )
    plan.refresh_from_db()
    assert plan.share_target == 40
    client.post(f"/key-accounts/{plan.pk}/edit/", {"share_target": "45", "strengths": "A\nB"})
    plan.refresh_from_db()
    assert plan.strengths == ["A", "B"]
    page = client.get(f"/key-accounts/{plan.pk}/")
    assert page.status_code == 200
    assert "keyaccounts_print" in page.content.decode()


def test_sections_post_through_the_services(client, org, plan):
    client.force_login(org["r1"])
    contact = ContactFactory(account=plan.account)
    base = f"/key-accounts/{plan.pk}"
    client.post(f"{base}/goals/", {"contact": contact.pk, "goal_stance": "champion"})
    client.post(
        f"{base}/actions/", {"title": "Call", "owner": org["r1"].pk, "due_date": "2026-05-01"}
    )
    client.post(f"{base}/rows/", {"name": "Plant"})
    client.post(f"{base}/products/", {"name": "Pumps"})
    client.post(f"{base}/review/", {"note": "Q2"})
    assert RelationshipGoal.objects.filter(plan=plan, contact=contact).exists()
    assert PlanAction.objects.get(plan=plan).commitment.due_date == dt.date(2026, 5, 1)
    review = PlanReview.objects.get(plan=plan)
    history = client.get(f"{base}/history/")
    version = client.get(f"{base}/history/{review.version}/")
    assert history.status_code == version.status_code == 200
    assert "Plant" in version.content.decode()


def test_a_plan_outside_the_users_sight_is_404(client, org, plan):
    from keyaccounts.services import plan_review

    plan_review(actor=org["r1"], plan=plan)
    client.force_login(org["r2"])
    base = f"/key-accounts/{plan.pk}"
    for url in (f"{base}/", f"{base}/edit/", f"{base}/history/", f"{base}/history/1/"):
        assert client.get(url).status_code == 404
    assert client.post(f"{base}/review/", {}).status_code == 404
    assert client.get(f"/key-accounts/new/{plan.account.pk}/").status_code == 404
    assert PlanReview.objects.count() == 1
    assert str(plan.account) not in client.get("/key-accounts/").content.decode()
