"""Group accounts (集团客户): setting a parent in the service, the form and the API; cycles
refused, also under concurrency; a parent outside the actor's book refused like a missing one."""

import threading

import psycopg
import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from accounts import services
from accounts.models import Account
from core.models import AuditEntry
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db

CYCLE = "This would make a cycle: the chosen parent is a member of this account's group, under it."
HIDDEN = "Select a parent account you can see."


def _parents(*accounts):
    return [Account.objects.get(pk=a.pk).parent_id for a in accounts]


def test_a_parent_in_the_book_is_set_and_audited(org):
    head = AccountFactory(owner=org["r1"], name="Head")
    member = org["accounts"]["r1"]
    services.account_update(actor=org["r1"], account=member, data={"parent": head})
    assert _parents(member) == [head.pk]
    entry = AuditEntry.objects.filter(account_id=member.pk, action="update").latest("id")
    assert entry.changes["parent"] == [None, head.pk]


def test_a_new_account_may_be_created_under_a_parent(org):
    head = org["accounts"]["r1"]
    created = services.account_create(actor=org["r1"], data={"name": "Branch", "parent": head})
    assert created.parent_id == head.pk


@pytest.mark.parametrize("depth", [0, 1, 3])
def test_a_cycle_direct_or_not_is_refused_and_nothing_changes(org, depth):
    # top <- m1 <- m2 ... : setting top's parent to the lowest member would close a loop.
    top = AccountFactory(owner=org["r1"], name="Top")
    chain = [top]
    for i in range(depth):
        chain.append(AccountFactory(owner=org["r1"], name=f"M{i}", parent=chain[-1]))
    lowest = chain[-1]
    before = _parents(*chain)
    with pytest.raises(ValidationError) as exc:
        services.account_update(actor=org["r1"], account=top, data={"parent": lowest})
    expected = "An account cannot be its own parent." if depth == 0 else CYCLE
    assert exc.value.message_dict == {"parent": [expected]}
    assert _parents(*chain) == before


def test_a_parent_outside_the_book_is_refused_like_a_missing_one(org):
    member = org["accounts"]["r1"]
    hidden = org["accounts"]["r3"]  # another team's rep: r1 cannot see it
    with pytest.raises(ValidationError) as exc:
        services.account_update(actor=org["r1"], account=member, data={"parent": hidden})
    assert exc.value.message_dict == {"parent": [HIDDEN]}
    assert _parents(member) == [None]


def test_keeping_a_parent_that_became_hidden_is_allowed(org):
    member = org["accounts"]["r1"]
    hidden = org["accounts"]["r3"]
    Account.objects.filter(pk=member.pk).update(parent=hidden)
    member.refresh_from_db()
    services.account_update(actor=org["r1"], account=member, data={"name": "Renamed"})
    assert _parents(member) == [hidden.pk]


def test_the_edit_page_neither_shows_nor_changes_a_parent_outside_the_book(org, client):
    member = AccountFactory(owner=org["r1"], name="Member Co")
    hidden = org["accounts"]["r3"]
    Account.objects.filter(pk=member.pk).update(parent=hidden)
    client.force_login(org["r1"])
    page = client.get(reverse("accounts:edit", args=[member.pk]))
    assert page.status_code == 200
    assert hidden.name not in page.content.decode()
    assert "parent" not in page.context["form"].fields
    data = {
        "name": "Member Renamed",
        "channel": member.channel,
        "lifecycle": member.lifecycle,
        "source": member.source,
        "owner": org["r1"].pk,
        "parent": "",  # a forged empty field is ignored: the hidden parent stays
    }
    response = client.post(reverse("accounts:edit", args=[member.pk]), data)
    assert response.status_code == 302
    assert _parents(member) == [hidden.pk]
    assert Account.objects.get(pk=member.pk).name == "Member Renamed"


def test_the_api_sets_a_parent_and_refuses_a_hidden_one_and_a_cycle(org, api):
    client = api(org["r1"])
    head = org["accounts"]["r1"]
    member = AccountFactory(owner=org["r1"], name="Member")
    url = f"/api/v1/accounts/{member.pk}/"
    ok = client.patch(url, {"parent": head.pk}, format="json")
    assert ok.status_code == 200, ok.content
    assert ok.json()["parent"] == head.pk
    hidden = org["accounts"]["r3"]
    missing = client.patch(url, {"parent": 10**9}, format="json")
    refused = client.patch(url, {"parent": hidden.pk}, format="json")
    assert refused.status_code == missing.status_code == 400
    assert refused.json() == {"parent": [HIDDEN]}
    assert missing.json() == refused.json()
    cycle = client.patch(f"/api/v1/accounts/{head.pk}/", {"parent": member.pk}, format="json")
    assert cycle.status_code == 400
    assert cycle.json() == {"parent": [CYCLE]}
    assert _parents(head, member) == [None, head.pk]


def test_the_form_sets_a_parent_and_shows_a_cycle_on_the_field(org, client):
    head = AccountFactory(owner=org["r1"], name="Head Co")
    member = AccountFactory(owner=org["r1"], name="Member Co", parent=head)
    client.force_login(org["r1"])
    data = {
        "name": head.name,
        "channel": head.channel,
        "lifecycle": head.lifecycle,
        "source": head.source,
        "owner": org["r1"].pk,
        "parent": member.pk,
    }
    response = client.post(reverse("accounts:edit", args=[head.pk]), data)
    assert response.status_code == 200
    assert response.context["form"].errors == {"parent": [CYCLE]}
    assert _parents(head) == [None]
    other = AccountFactory(owner=org["r1"], name="Other Co")
    data["name"], data["parent"] = other.name, head.pk
    response = client.post(reverse("accounts:edit", args=[other.pk]), data)
    assert response.status_code == 302
    assert _parents(other) == [head.pk]


def _connect(**extra):
    s = connection.settings_dict
    return psycopg.connect(
        dbname=s["NAME"],
        user=s["USER"] or None,
        password=s["PASSWORD"] or None,
        host=s["HOST"] or None,
        port=s["PORT"] or None,
        **extra,
    )


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_edits_cannot_make_a_cycle(org):
    """A under B and B under A at once: each alone is fine. The test holds the group lock
    while both edits reach it, then lets them go: the second one sees the first and is
    refused."""
    a = AccountFactory(owner=org["r1"], name="A")
    b = AccountFactory(owner=org["r1"], name="B")
    holder = _connect()
    holder.execute("SELECT pg_advisory_xact_lock(%s)", [services.GROUP_TREE_LOCK])
    outcome: dict[str, object] = {}

    def edit(name, account, parent):
        from django.db import connection as thread_connection

        try:
            services.account_update(actor=org["r1"], account=account, data={"parent": parent})
            outcome[name] = "saved"
        except ValidationError as exc:
            outcome[name] = exc.message_dict
        finally:
            thread_connection.close()

    threads = [
        threading.Thread(target=edit, args=("a", a, b)),
        threading.Thread(target=edit, args=("b", b, a)),
    ]
    for thread in threads:
        thread.start()
    watcher = _connect(autocommit=True)
    try:
        for _ in range(600):  # until both edits wait on the group lock
            waiting = watcher.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
                "AND wait_event_type = 'Lock' AND wait_event = 'advisory'",
                [connection.settings_dict["NAME"]],
            ).fetchone()[0]
            if waiting >= 2:
                break
            threading.Event().wait(0.05)
        assert waiting == 2
        holder.commit()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        holder.close()
        watcher.close()
    assert sorted(outcome.values(), key=str) == sorted(["saved", {"parent": [CYCLE]}], key=str)
    parents = _parents(a, b)
    assert parents in ([b.pk, None], [None, a.pk])
