"""The commitments pages: list (mine by default, filters, sorting, pages, empty state), the
form, done / undo, delete, and the customer card's section."""

import datetime as dt

from django.utils import timezone

from commitments.models import Commitment


def _titles(response):
    assert response.status_code == 200
    return [c.title for c in response.context["page"].object_list]


def test_list_is_mine_and_open_by_default(client, org, commitment_factory):
    today = timezone.localdate()
    a1, a2 = org["accounts"]["r1"], org["accounts"]["r2"]
    commitment_factory(account=a1, title="Mine late", due_date=today - dt.timedelta(days=1))
    commitment_factory(account=a1, title="Mine", due_date=today + dt.timedelta(days=1))
    commitment_factory(
        account=a1, title="Mine done", due_date=today, status="done", done_at=timezone.now()
    )
    commitment_factory(account=a2, title="Team's", due_date=today)
    client.force_login(org["m1"])
    assert _titles(client.get("/commitments/")) == []  # the manager owns none
    assert b"No commitments here" in client.get("/commitments/").content
    everyone = client.get("/commitments/", {"owner": ""})
    assert _titles(everyone) == ["Mine late", "Team's", "Mine"]
    assert _titles(client.get("/commitments/", {"owner": org["r1"].pk})) == ["Mine late", "Mine"]
    assert _titles(client.get("/commitments/", {"owner": "", "overdue": "true"})) == ["Mine late"]
    assert _titles(client.get("/commitments/", {"owner": "", "due": "today"})) == ["Team's"]
    assert _titles(client.get("/commitments/", {"owner": "", "status": "done"})) == ["Mine done"]
    assert _titles(client.get("/commitments/", {"owner": "", "sort": "-due"})) == [
        "Mine",
        "Team's",
        "Mine late",
    ]
    # An owner outside the manager's sight: the filter's error, nothing listed.
    outside = client.get("/commitments/", {"owner": org["r3"].pk})
    assert _titles(outside) == [] and outside.context["filter"].errors
    bad = client.get("/commitments/", {"due": "someday"})
    assert _titles(bad) == [] and "due" in bad.context["filter"].errors


def test_list_pages(client, org, commitment_factory):
    for i in range(55):
        commitment_factory(account=org["accounts"]["r1"], title=f"T{i:02}")
    client.force_login(org["r1"])
    first = client.get("/commitments/")
    assert len(first.context["page"].object_list) == 50
    assert b"page=2" in first.content
    assert len(client.get("/commitments/", {"page": 2}).context["page"].object_list) == 5


def test_create_edit_done_undo_delete(client, org, contacts):
    account = org["accounts"]["r1"]
    client.force_login(org["r1"])
    form = client.get(f"/commitments/new/?account={account.pk}")
    assert form.status_code == 200
    response = client.post(
        f"/commitments/new/?account={account.pk}",
        {
            "account": account.pk,
            "contact": contacts["r2"].pk,  # of another account
            "title": "Quote",
            "due_date": "2026-03-10",
            "owner": org["r1"].pk,
        },
    )
    assert response.status_code == 200 and response.context["form"].errors["contact"]
    assert not Commitment.objects.exists()
    response = client.post(
        "/commitments/new/",
        {
            "account": account.pk,
            "contact": contacts["r1"].pk,
            "title": "Quote",
            "due_date": "2026-03-10",
            "due_time": "14:00",
            "owner": org["r1"].pk,
        },
    )
    assert response.status_code == 302
    c = Commitment.objects.get()
    assert (c.contact, c.due_time, c.owner) == (contacts["r1"], dt.time(14), org["r1"])
    response = client.post(
        f"/commitments/{c.pk}/edit/",
        {
            "account": account.pk,
            "title": "Quote v2",
            "due_date": "2026-03-11",
            "owner": org["r1"].pk,
        },
    )
    assert response.status_code == 302
    c.refresh_from_db()
    assert (c.title, c.contact) == ("Quote v2", None)
    assert client.post(f"/commitments/{c.pk}/done/").status_code == 302
    c.refresh_from_db()
    assert c.status == "done"
    assert client.get(f"/commitments/{c.pk}/done/").status_code == 405
    client.post(f"/commitments/{c.pk}/undo/", {"next": account.get_absolute_url()})
    c.refresh_from_db()
    assert c.status == "open"
    assert client.get(f"/commitments/{c.pk}/delete/").status_code == 200
    assert client.post(f"/commitments/{c.pk}/delete/").status_code == 302
    assert not Commitment.objects.exists()


def test_form_refuses_an_owner_the_rep_cannot_assign(client, org):
    client.force_login(org["r1"])
    response = client.post(
        "/commitments/new/",
        {
            "account": org["accounts"]["r1"].pk,
            "title": "Quote",
            "due_date": "2026-03-10",
            "owner": org["r2"].pk,
        },
    )
    assert response.status_code == 200 and response.context["form"].errors["owner"]
    assert not Commitment.objects.exists()


def test_pages_of_others_are_404(client, org, commitment_factory):
    c = commitment_factory(account=org["accounts"]["r3"])
    client.force_login(org["r1"])
    for path in ("edit", "delete"):
        assert client.get(f"/commitments/{c.pk}/{path}/").status_code == 404
    for path in ("done", "undo", "delete"):
        assert client.post(f"/commitments/{c.pk}/{path}/").status_code == 404
    assert client.get(f"/commitments/new/?account={org['accounts']['r3'].pk}").status_code == 404
    assert Commitment.objects.get().status == "open"


def test_card_lists_open_ones_with_an_add_link(client, org, commitment_factory):
    account = org["accounts"]["r1"]
    commitment_factory(account=account, title="Open one")
    commitment_factory(account=account, title="Closed one", status="done", done_at=timezone.now())
    client.force_login(org["r1"])
    page = client.get(account.get_absolute_url()).content.decode()
    assert "Open one" in page and "Closed one" not in page
    assert f"/commitments/new/?account={account.pk}" in page
