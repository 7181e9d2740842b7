"""Pipeline pages: who sees what (404 outside the book), board and list with filters,
moves by button and by drag (JSON), the worksheet quick entry, comparison and export."""

import csv
import io

import pytest
from django.urls import reverse

from accounts.models import Account
from prospects.models import Prospect, Worksheet
from prospects.services import prospect_decide
from tests.factories import AccountFactory, SubStageFactory, TerritoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pipeline(org, make_prospect):
    """One prospect per rep's account."""
    return {name: make_prospect(account) for name, account in org["accounts"].items()}


def names(response, key="page"):
    return sorted(p.account.name for p in response.context[key].object_list)


def board_names(response):
    return sorted(c.account.name for col in response.context["columns"] for c in col.cards)


def test_pages_need_login(client, pipeline):
    for url in (reverse("prospects:board"), reverse("prospects:list"), reverse("prospects:team")):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ("r1", ["Account of r1"]),
        ("m1", ["Account of r1", "Account of r2"]),
        ("admin", ["Account of r1", "Account of r2", "Account of r3", "Account of r4"]),
    ],
)
def test_board_and_list_show_the_callers_book(client, org, pipeline, user, expected):
    client.force_login(org[user])
    assert board_names(client.get(reverse("prospects:board"))) == expected
    assert names(client.get(reverse("prospects:list"))) == expected


@pytest.mark.parametrize("user", ["r1", "m2"])
def test_another_books_prospect_pages_are_404(client, org, pipeline, user):
    theirs = pipeline["r2"]  # r2 is in m1's team: r1 and m2 must not see it
    account = theirs.account
    client.force_login(org[user])
    for url in (
        reverse("prospects:detail", args=[theirs.pk]),
        reverse("prospects:edit", args=[theirs.pk]),
        reverse("prospects:decide", args=[theirs.pk]),
        reverse("prospects:revive", args=[theirs.pk]),
        reverse("prospects:create", args=[account.pk]),
        reverse("prospects:worksheet_new", args=[account.pk]),
        reverse("prospects:worksheet_history", args=[account.pk]),
        reverse("prospects:compare") + f"?accounts={account.pk}",
    ):
        assert client.get(url).status_code == 404, url
    before = list(Prospect.objects.values_list("id", "colour", "decision"))
    assert (
        client.post(reverse("prospects:move", args=[theirs.pk]), {"colour": "red"}).status_code
        == 404
    )
    assert (
        client.post(
            reverse("prospects:decide", args=[theirs.pk]), {"decision": "abandon", "reason": "x"}
        ).status_code
        == 404
    )
    assert (
        client.post(
            reverse("prospects:worksheet_new", args=[account.pk]), {"growth": "on"}
        ).status_code
        == 404
    )
    assert list(Prospect.objects.values_list("id", "colour", "decision")) == before
    assert Worksheet.objects.count() == 0
    account.refresh_from_db()
    assert account.lifecycle == "existing"


def test_manager_sees_and_moves_a_team_members_prospect(client, org, pipeline):
    client.force_login(org["m1"])
    prospect = pipeline["r2"]
    assert client.get(reverse("prospects:detail", args=[prospect.pk])).status_code == 200
    response = client.post(reverse("prospects:move", args=[prospect.pk]), {"colour": "yellow"})
    assert response.status_code == 302
    prospect.refresh_from_db()
    assert prospect.colour == "yellow"


def test_move_by_button_redirects_back_and_by_drag_answers_json(client, org, pipeline):
    client.force_login(org["r1"])
    prospect = pipeline["r1"]
    board = reverse("prospects:board")
    url = reverse("prospects:move", args=[prospect.pk])
    response = client.post(url, {"colour": "yellow", "next": board})
    assert response.status_code == 302 and response["Location"] == board
    prospect.refresh_from_db()
    assert prospect.colour == "yellow"
    # An outside "next" is not followed.
    response = client.post(url, {"colour": "green", "next": "https://evil.example/"})
    assert response["Location"] == reverse("prospects:detail", args=[prospect.pk])
    response = client.post(url, {"colour": "red"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.json()["ok"] is True and response.json()["colour"] == "red"
    prospect.refresh_from_db()
    prospect.account.refresh_from_db()
    assert (prospect.colour, prospect.account.lifecycle) == ("red", "existing")


def test_move_failures_answer_an_error_and_change_nothing(client, org, pipeline, db_state):
    client.force_login(org["r1"])
    prospect = pipeline["r1"]
    url = reverse("prospects:move", args=[prospect.pk])
    before = db_state()
    response = client.post(url, {"colour": "blue"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 400 and response.json()["ok"] is False
    assert client.get(url).status_code == 405
    stage = SubStageFactory(colour="red", name="签约")
    before = db_state()
    response = client.post(url, {"colour": "yellow", "sub_stage": stage.pk}, follow=True)
    assert "Choose a sub-stage of the colour" in response.content.decode()
    assert db_state() == before
    # A sub-stage alone moves to its colour.
    client.post(url, {"sub_stage": stage.pk})
    prospect.refresh_from_db()
    assert (prospect.colour, prospect.sub_stage_id) == ("red", stage.pk)


def test_list_filters_sorting_and_pagination(client, org, make_prospect, fill):
    territory = TerritoryFactory(name="华南")
    rep = org["r1"]
    accounts = {}
    for name, colour, loyalty, score, source in [
        ("Alpha", "green", "low", 6, "legacy_list"),
        ("Bravo", "yellow", "high", 2, "web"),
        ("Charlie", "yellow", "", None, "referral"),
        ("Delta", "green", "low", 4, "visit"),
    ]:
        account = AccountFactory(
            owner=rep, name=name, territory=territory if name == "Delta" else None
        )
        accounts[name] = make_prospect(
            account, colour=colour, competitor_loyalty=loyalty, source=source
        )
        if score is not None:
            fill(account, *([1] * score + [0] * (7 - score)))
    prospect_decide(actor=rep, prospect=accounts["Charlie"], decision="abandon", reason="无预算")
    client.force_login(rep)
    url = reverse("prospects:list")
    assert names(client.get(url)) == ["Alpha", "Bravo", "Delta"]
    assert names(client.get(url, {"state": "abandoned"})) == ["Charlie"]
    assert names(client.get(url, {"state": "all", "q": "char"})) == ["Charlie"]
    assert names(client.get(url, {"colour": "yellow"})) == ["Bravo"]
    assert names(client.get(url, {"segment": "primary"})) == ["Alpha", "Delta"]
    assert names(client.get(url, {"segment": "secondary"})) == ["Bravo"]
    assert names(client.get(url, {"segment": "none", "state": "all"})) == ["Charlie"]
    assert names(client.get(url, {"score_min": 3, "score_max": 5})) == ["Delta"]
    assert names(client.get(url, {"territory": territory.pk})) == ["Delta"]
    assert names(client.get(url, {"revived": "true"})) == ["Alpha"]
    assert names(client.get(url, {"owner": rep.pk})) == ["Alpha", "Bravo", "Delta"]
    assert names(client.get(url, {"team": org["t1"].pk})) == ["Alpha", "Bravo", "Delta"]
    ordered = client.get(url, {"sort": "-score"}).context["page"].object_list
    assert [p.account.name for p in ordered] == ["Alpha", "Delta", "Bravo"]
    ordered = client.get(url, {"sort": "colour", "state": "all"}).context["page"].object_list
    assert [p.account.name for p in ordered] == ["Alpha", "Delta", "Bravo", "Charlie"]
    # Another rep cannot be picked as owner: the filter offers only the caller's book.
    assert names(client.get(url, {"owner": org["r3"].pk, "state": "all"})) == []
    empty = client.get(url, {"q": "nothing-like-this"})
    assert "No prospects match." in empty.content.decode()


def test_list_paginates(client, org):
    accounts = [AccountFactory(owner=org["r2"], name=f"P{i:02d}") for i in range(55)]
    Prospect.objects.bulk_create(Prospect(account=a) for a in accounts)
    client.force_login(org["r2"])
    first = client.get(reverse("prospects:list"), {"sort": "name"})
    assert len(first.context["page"].object_list) == 50
    second = client.get(reverse("prospects:list"), {"sort": "name", "page": 2})
    assert [p.account.name for p in second.context["page"].object_list] == [
        f"P{i}" for i in range(50, 55)
    ]


def test_add_to_pipeline_from_the_card(client, org):
    account = AccountFactory(
        owner=org["r1"], name="New lead", lifecycle="potential", source="referral"
    )
    client.force_login(org["r1"])
    card = client.get(reverse("accounts:detail", args=[account.pk])).content.decode()
    assert reverse("prospects:create", args=[account.pk]) in card
    bad = client.post(
        reverse("prospects:create", args=[account.pk]), {"colour": "purple", "source": "web"}
    )
    assert bad.status_code == 200 and "colour" in bad.context["form"].errors
    assert not Prospect.objects.exists()
    response = client.post(
        reverse("prospects:create", args=[account.pk]),
        {"colour": "yellow", "source": "referral", "competitor_loyalty": "low"},
    )
    prospect = Prospect.objects.get()
    assert response["Location"] == reverse("prospects:detail", args=[prospect.pk])
    assert (prospect.colour, prospect.segment) == ("yellow", "primary")
    # A second add goes to the existing prospect.
    again = client.get(reverse("prospects:create", args=[account.pk]))
    assert again["Location"] == reverse("prospects:detail", args=[prospect.pk])


def test_decide_page_confirms_abandon_and_revive_brings_it_back(client, org, pipeline, db_state):
    client.force_login(org["r1"])
    prospect = pipeline["r1"]
    url = reverse("prospects:decide", args=[prospect.pk])
    page = client.get(url, {"decision": "abandon"})
    assert page.context["form"].initial["decision"] == "abandon"
    before = db_state()
    bad = client.post(url, {"decision": "abandon", "reason": ""})
    assert bad.status_code == 200 and "reason" in bad.context["form"].errors
    assert db_state() == before
    client.post(url, {"decision": "abandon", "reason": "已与对手签约"})
    prospect.refresh_from_db()
    assert prospect.decision == "abandon"
    assert board_names(client.get(reverse("prospects:board"))) == []
    revive = reverse("prospects:revive", args=[prospect.pk])
    assert "was abandoned" in client.get(revive).content.decode()
    client.post(revive, {"decision": "keep_visiting", "reason": ""})
    prospect.refresh_from_db()
    assert prospect.decision == "keep_visiting"
    assert board_names(client.get(reverse("prospects:board"))) == ["Account of r1"]


def test_worksheet_quick_entry_saves_seven_toggles(client, org):
    account = org["accounts"]["r1"]
    client.force_login(org["r1"])
    url = reverse("prospects:worksheet_new", args=[account.pk])
    page = client.get(url).content.decode()
    assert page.count('role="switch"') == 7
    response = client.post(
        url,
        {"growth": "on", "revenue_potential": "on", "relationship": "on", "growth_note": "扩产"},
    )
    assert response.status_code == 302
    worksheet = Worksheet.objects.get()
    assert (worksheet.total, worksheet.growth, worksheet.business_plans, worksheet.growth_note) == (
        3,
        1,
        0,
        "扩产",
    )
    # The next entry starts from the current scores.
    assert client.get(url).context["form"].initial["growth"] is True
    bad = client.post(url, {"growth": "on", "growth_note": "x" * 501})
    assert bad.status_code == 200 and "growth_note" in bad.context["form"].errors
    assert Worksheet.objects.count() == 1
    history = client.get(reverse("prospects:worksheet_history", args=[account.pk]))
    assert [h["worksheet"].pk for h in history.context["history"]] == [worksheet.pk]


def test_compare_page_and_csv_export(client, org, fill):
    rep = org["r1"]
    a = AccountFactory(owner=rep, name="=Formula Ltd")
    b = AccountFactory(owner=rep, name="Best Co")
    fill(a, 1, 0, 0, 0, 0, 0, 0)
    fill(b, 1, 1, 1, 1, 0, 0, 0)
    client.force_login(rep)
    url = reverse("prospects:compare")
    page = client.get(url, {"accounts": [a.pk, b.pk]})
    assert [c["account"].name for c in page.context["comparison"]["columns"]] == [
        "Best Co",
        "=Formula Ltd",
    ]
    response = client.get(url, {"accounts": f"{a.pk},{b.pk}", "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Criterion", "Best Co", "'=Formula Ltd"]
    assert rows[1] == ["The customer's own growth", "1 (good)", "1 (good)"]
    assert rows[2] == ["The customer's business plans", "1 (high)", "0 (low)"]
    assert rows[8] == ["Total", "4", "1"]
    assert rows[9] == ["Rank", "1", "2"]
    search = client.get(url, {"accounts": f"{a.pk}", "q": "best"})
    assert [c["account"].pk for c in search.context["candidates"]] == [b.pk]
    assert client.get(url, {"accounts": "x"}).status_code == 404
    many = [AccountFactory(owner=rep).pk for _ in range(21)]
    capped = client.get(url, {"accounts": ",".join(map(str, many))})
    assert len(capped.context["comparison"]["columns"]) == 20


def test_card_section_shows_stage_and_score(client, org, pipeline, fill):
    account = org["accounts"]["r1"]
    fill(account, 1, 1, 1, 1, 1, 0, 0)
    client.force_login(org["r1"])
    card = client.get(reverse("accounts:detail", args=[account.pk])).content.decode()
    assert "5/7" in card and "Green: potential" in card
    assert reverse("prospects:worksheet_history", args=[account.pk]) in card
    assert Account.objects.get(pk=account.pk).lifecycle == "existing"


def test_edit_page_saves_and_refuses_a_sub_stage_of_another_colour(client, org, pipeline, db_state):
    prospect = pipeline["r1"]
    green = SubStageFactory(colour="green", name="初次接触")
    red = SubStageFactory(colour="red", name="签约")
    client.force_login(org["r1"])
    url = reverse("prospects:edit", args=[prospect.pk])
    before = db_state()
    bad = client.post(url, {"sub_stage": red.pk, "source": "web", "competitor_loyalty": ""})
    assert bad.status_code == 200 and "sub_stage" in bad.context["form"].errors
    bad = client.post(url, {"source": "nowhere", "competitor_loyalty": "low"})
    assert bad.status_code == 200 and "source" in bad.context["form"].errors
    assert db_state() == before
    ok = client.post(url, {"sub_stage": green.pk, "source": "web", "competitor_loyalty": "high"})
    assert ok.status_code == 302
    prospect.refresh_from_db()
    assert (prospect.sub_stage, prospect.source, prospect.segment) == (green, "web", "secondary")


def test_new_prospect_from_the_board_creates_the_account_then_its_pipeline_entry(client, org):
    client.force_login(org["r1"])
    board = client.get(reverse("prospects:board")).content.decode()
    assert f'href="{reverse("prospects:new")}"' in board
    page = client.get(reverse("prospects:new"))
    assert page.status_code == 200
    assert page.context["form"]["lifecycle"].value() == Account.Lifecycle.POTENTIAL
    response = client.post(
        reverse("prospects:new"),
        {
            "name": "新潜在客户有限公司",
            "channel": "direct",
            "lifecycle": "potential",
            "source": "other",
            "owner": org["r1"].pk,
        },
    )
    account = Account.objects.get(name="新潜在客户有限公司")
    assert (account.owner, account.lifecycle) == (org["r1"], Account.Lifecycle.POTENTIAL)
    assert response.status_code == 302
    assert response["Location"] == reverse("prospects:create", args=[account.pk])
    client.post(response["Location"], {"colour": "green", "source": "web"})
    assert Prospect.objects.get(account=account).colour == "green"


def test_new_prospect_with_errors_or_for_another_book_writes_nothing(client, org):
    client.force_login(org["r1"])
    before = Account.objects.count()
    data = {"channel": "direct", "lifecycle": "potential", "source": "other"}
    response = client.post(reverse("prospects:new"), {**data, "name": "", "owner": org["r1"].pk})
    assert response.status_code == 200 and "name" in response.context["form"].errors
    response = client.post(reverse("prospects:new"), {**data, "name": "X", "owner": org["r3"].pk})
    assert response.status_code == 200 and "owner" in response.context["form"].errors
    assert Account.objects.count() == before
