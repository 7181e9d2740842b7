"""HTML pages: list, card, forms (with their failure cases), delete confirmation."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import Account, Contact, Order
from tests.factories import AccountFactory, ContactFactory, OrderFactory, TerritoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rep_client(client, org):
    client.force_login(org["r1"])
    return client


def test_login_page_is_not_under_accounts(client):
    response = client.get("/login/")
    assert response.status_code == 200
    assert client.get("/accounts/").status_code == 302


def test_list_shows_own_accounts_only(rep_client, org):
    response = rep_client.get(reverse("accounts:list"))
    assert response.status_code == 200
    assert b"Account of r1" in response.content
    assert b"Account of r3" not in response.content


def test_list_search_filter_and_sort(client, org):
    territory = TerritoryFactory(name="华东")
    AccountFactory(owner=org["r1"], name="上海华信机械有限公司", territory=territory)
    AccountFactory(owner=org["r1"], name="Beta Foods Ltd.", industry="食品")
    client.force_login(org["r1"])
    page = client.get(reverse("accounts:list"), {"q": "华信机械股份有限公司"})
    assert [a.name for a in page.context["page"].object_list] == ["上海华信机械有限公司"]
    page = client.get(reverse("accounts:list"), {"territory": territory.pk})
    assert [a.name for a in page.context["page"].object_list] == ["上海华信机械有限公司"]
    page = client.get(reverse("accounts:list"), {"industry": "食品"})
    assert [a.name for a in page.context["page"].object_list] == ["Beta Foods Ltd."]
    page = client.get(reverse("accounts:list"), {"sort": "-name"})
    names = [a.name for a in page.context["page"].object_list]
    assert names == sorted(names, reverse=True)


def test_list_pagination_and_empty_state(client, org):
    for i in range(55):
        AccountFactory(owner=org["r2"], name=f"Bulk {i:02d}")
    client.force_login(org["r2"])
    first = client.get(reverse("accounts:list"))
    assert len(first.context["page"].object_list) == 50
    second = client.get(reverse("accounts:list"), {"page": 2})
    assert len(second.context["page"].object_list) == 6
    empty = client.get(reverse("accounts:list"), {"q": "nothing-like-this"})
    assert b"No accounts match." in empty.content


def test_card_shows_contacts_and_orders(rep_client, org):
    account = org["accounts"]["r1"]
    ContactFactory(account=account, name="王伟", role="decision_maker", interests="高尔夫")
    OrderFactory(account=account, amount="1234.50", product="传感器")
    response = rep_client.get(reverse("accounts:detail", args=[account.pk]))
    content = response.content.decode()
    assert "王伟" in content and "高尔夫" in content and "1,234.50" in content


def test_create_account_with_errors_writes_nothing(rep_client, org):
    before = Account.objects.count()
    response = rep_client.post(
        reverse("accounts:create"),
        {
            "name": "",
            "uscc": "BAD",
            "channel": "direct",
            "lifecycle": "potential",
            "source": "other",
            "owner": org["r1"].pk,
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "name" in form.errors and "uscc" in form.errors
    assert Account.objects.count() == before


def test_create_account_for_another_rep_is_refused(rep_client, org):
    response = rep_client.post(
        reverse("accounts:create"),
        {
            "name": "Stolen",
            "channel": "direct",
            "lifecycle": "potential",
            "source": "other",
            "owner": org["r3"].pk,
        },
    )
    assert response.status_code == 200
    assert "owner" in response.context["form"].errors
    assert not Account.objects.filter(name="Stolen").exists()


def test_create_account_success(rep_client, org):
    response = rep_client.post(
        reverse("accounts:create"),
        {
            "name": "Gamma Co., Ltd.",
            "channel": "distributor",
            "lifecycle": "existing",
            "source": "referral",
            "owner": org["r1"].pk,
            "website": "gamma.example.com",
        },
    )
    account = Account.objects.get(name="Gamma Co., Ltd.")
    assert response.status_code == 302 and response.url == account.get_absolute_url()
    assert account.website == "https://gamma.example.com"
    assert account.normalized_name == "gamma"


def test_edit_other_reps_account_is_404(rep_client, org):
    url = reverse("accounts:edit", args=[org["accounts"]["r3"].pk])
    assert rep_client.get(url).status_code == 404
    assert rep_client.post(url, {"name": "x"}).status_code == 404


def test_delete_needs_confirmation(rep_client, org):
    account = org["accounts"]["r1"]
    url = reverse("accounts:delete", args=[account.pk])
    page = rep_client.get(url)
    assert page.status_code == 200 and b"cannot be undone" in page.content
    assert Account.objects.filter(pk=account.pk).exists()
    assert rep_client.post(url).status_code == 302
    assert not Account.objects.filter(pk=account.pk).exists()


def test_delete_other_reps_account_is_404(rep_client, org):
    account = org["accounts"]["r3"]
    assert rep_client.post(reverse("accounts:delete", args=[account.pk])).status_code == 404
    assert Account.objects.filter(pk=account.pk).exists()


def test_add_contact_and_its_failure_case(rep_client, org):
    account = org["accounts"]["r1"]
    url = reverse("accounts:contact_create", args=[account.pk])
    bad = rep_client.post(url, {"account": account.pk, "name": "", "email": "nope"})
    assert bad.status_code == 200
    assert set(bad.context["form"].errors) >= {"name", "email"}
    assert not Contact.objects.exists()
    ok = rep_client.post(
        url,
        {
            "account": account.pk,
            "name": "李娜",
            "role": "handler",
            "birthday_month": 5,
            "birthday_day": 20,
        },
    )
    assert ok.status_code == 302
    assert Contact.objects.get().name == "李娜"


def test_contact_cannot_be_posted_onto_another_account(rep_client, org):
    own = org["accounts"]["r1"]
    other = org["accounts"]["r3"]
    url = reverse("accounts:contact_create", args=[own.pk])
    response = rep_client.post(url, {"account": other.pk, "name": "Sneaky"})
    assert response.status_code == 404
    assert not Contact.objects.exists()


def test_contact_edit_and_delete_of_other_team_is_404(client, org):
    contact = ContactFactory(account=org["accounts"]["r3"])
    client.force_login(org["m1"])
    assert client.get(reverse("accounts:contact_edit", args=[contact.pk])).status_code == 404
    assert client.post(reverse("accounts:contact_delete", args=[contact.pk])).status_code == 404
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_add_order_failure_and_success(rep_client, org):
    account = org["accounts"]["r1"]
    url = reverse("accounts:order_create", args=[account.pk])
    bad = rep_client.post(url, {"account": account.pk, "date": "2026-13-01"})
    assert bad.status_code == 200
    assert {"date", "amount"} <= set(bad.context["form"].errors)
    assert not Order.objects.exists()
    ok = rep_client.post(
        url, {"account": account.pk, "date": "2026-03-01", "quantity": "2", "unit_price": "5.5"}
    )
    assert ok.status_code == 302
    assert str(Order.objects.get().amount) == "11.00"


def test_manager_sees_team_card_but_not_other_team(client, org):
    client.force_login(org["m1"])
    ok = client.get(reverse("accounts:detail", args=[org["accounts"]["r2"].pk]))
    assert ok.status_code == 200
    other = client.get(reverse("accounts:detail", args=[org["accounts"]["r4"].pk]))
    assert other.status_code == 404


def test_profile_language_switch(client, org):
    client.force_login(org["r1"])
    response = client.post(
        reverse("profile"), {"language": "zh-hans", "first_name": "", "last_name": "", "email": ""}
    )
    assert response.status_code == 302
    org["r1"].refresh_from_db()
    assert org["r1"].language == "zh-hans"
    page = client.get(reverse("accounts:list"))
    assert page.headers["Content-Language"] == "zh-hans"


def _account_form(owner, **extra):
    return {
        "name": "Edited Co.",
        "channel": "direct",
        "lifecycle": "potential",
        "source": "other",
        "owner": owner.pk,
        **extra,
    }


def test_rep_cannot_reassign_own_account_on_the_edit_page(rep_client, org):
    account = org["accounts"]["r1"]
    response = rep_client.post(
        reverse("accounts:edit", args=[account.pk]), _account_form(org["r2"])
    )
    assert response.status_code == 200
    assert response.context["form"].errors["owner"] == ["You cannot assign accounts to this user."]
    account.refresh_from_db()
    assert (account.owner, account.name) == (org["r1"], "Account of r1")


def test_manager_moves_account_within_team_but_not_outside_on_the_edit_page(client, org):
    account = org["accounts"]["r1"]
    client.force_login(org["m1"])
    url = reverse("accounts:edit", args=[account.pk])
    refused = client.post(url, _account_form(org["r3"]))
    assert refused.status_code == 200
    assert "owner" in refused.context["form"].errors
    account.refresh_from_db()
    assert account.owner == org["r1"]
    moved = client.post(url, _account_form(org["r2"]))
    assert moved.status_code == 302
    account.refresh_from_db()
    assert account.owner == org["r2"]


def test_manager_edits_an_account_whose_owner_left_without_reassigning_it(client, org):
    account = org["accounts"]["r2"]
    org["r2"].is_active = False
    org["r2"].save()
    client.force_login(org["m1"])
    response = client.post(
        reverse("accounts:edit", args=[account.pk]), _account_form(org["r2"], phone="021-1")
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert (account.owner, account.phone) == (org["r2"], "021-1")


def test_admin_list_shows_every_book(client, org):
    client.force_login(org["admin"])
    page = client.get(reverse("accounts:list"))
    assert [a.name for a in page.context["page"].object_list] == [
        "Account of r1",
        "Account of r2",
        "Account of r3",
        "Account of r4",
    ]


def test_manager_list_owner_filter_and_menu_stay_in_scope(client, org):
    client.force_login(org["m1"])
    page = client.get(reverse("accounts:list"), {"owner": org["r2"].pk})
    assert [a.name for a in page.context["page"].object_list] == ["Account of r2"]
    owners = page.context["filter"].form.fields["owner"].queryset
    assert sorted(u.username for u in owners) == ["m1", "r1", "r2"]
    # An owner outside the book is the owner picker's error (tests/core/test_filter_pickers.py).
    outside = client.get(reverse("accounts:list"), {"owner": org["r3"].pk})
    assert list(outside.context["page"].object_list) == []
    assert outside.context["filter_errors"] == [
        f"Owner: No user you can choose matches “{org['r3'].pk}”."
    ]


def test_list_filter_value_that_does_not_parse_shows_error_and_no_rows(rep_client, org):
    page = rep_client.get(reverse("accounts:list"), {"channel": "bogus"})
    assert page.status_code == 200
    assert list(page.context["page"].object_list) == []
    assert page.context["filter_errors"] == [
        "Channel: Select a valid choice. bogus is not one of the available choices."
    ]


def test_list_sort_menu_orders(client, org):
    import datetime

    from django.utils import timezone

    now = timezone.now()
    for i, (name, tier) in enumerate([("Old", "B"), ("Mid", ""), ("New", "A")]):
        account = AccountFactory(owner=org["r2"], name=name, tier=tier)
        Account.objects.filter(pk=account.pk).update(
            created_at=now - datetime.timedelta(days=10 - i)
        )
    client.force_login(org["r2"])

    def names(sort):
        page = client.get(reverse("accounts:list"), {"sort": sort})
        return [a.name for a in page.context["page"].object_list]

    # The org's account was created just now; the three others 10, 9 and 8 days ago.
    assert names("-created") == ["Account of r2", "New", "Mid", "Old"]
    assert names("created") == ["Old", "Mid", "New", "Account of r2"]
    assert names("tier") == ["New", "Old", "Account of r2", "Mid"]
    assert names("-tier") == ["Old", "New", "Account of r2", "Mid"]
    assert names("unknown") == ["Account of r2", "Mid", "New", "Old"]


def test_search_keeps_the_chosen_order(rep_client, org):
    for name in ["上海宏达电子有限公司 2", "上海宏达电子有限公司 1", "北京宏达电子有限公司 3"]:
        AccountFactory(owner=org["r1"], name=name)
    page = rep_client.get(reverse("accounts:list"), {"q": "宏达电子", "sort": "-name"})
    assert [a.name for a in page.context["page"].object_list] == [
        "北京宏达电子有限公司 3",
        "上海宏达电子有限公司 2",
        "上海宏达电子有限公司 1",
    ]


def test_list_page_runs_a_fixed_number_of_queries(client, org, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(org["r2"])
    client.get(reverse("accounts:list"))  # warm the per-user industry cache
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("accounts:list"))
    for i in range(30):
        AccountFactory(owner=org["r2"], name=f"More {i:02d}", industry=f"Industry {i % 3}")
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("accounts:list"))
    assert len(response.context["page"].object_list) == 31
    assert len(many) == len(few)


def test_form_errors_are_summarised_with_the_field_name(rep_client, org):
    before = Account.objects.count()
    response = rep_client.post(reverse("accounts:create"), _account_form(org["r1"], name=""))
    content = response.content.decode()
    assert 'href="#id_name">Name</a>: This field is required.' in content
    assert Account.objects.count() == before


def test_card_shows_revenue_figures(rep_client, org):
    import datetime

    account = org["accounts"]["r1"]
    today = datetime.date.today()
    OrderFactory(account=account, amount="1000.00", date=today)
    OrderFactory(account=account, amount="-100.00", date=today - datetime.timedelta(days=30))
    OrderFactory(account=account, amount="5000.00", date=today - datetime.timedelta(days=500))
    response = rep_client.get(reverse("accounts:detail", args=[account.pk]))
    assert response.context["revenue"] == {
        "orders_total": 3,
        "revenue_total": Decimal("5900.00"),
        "orders_12m": 2,
        "revenue_12m": Decimal("900.00"),
    }
    content = response.content.decode()
    assert '<dd class="revenue-12m">900.00' in content
    assert '<dd class="revenue-total">5,900.00' in content


def test_password_change(client, org):
    client.force_login(org["r1"])
    url = reverse("password_change")
    assert client.get(url).status_code == 200
    wrong = client.post(
        url,
        {
            "old_password": "nope",
            "new_password1": "Fresh-Pass-987",
            "new_password2": "Fresh-Pass-987",
        },
    )
    assert wrong.status_code == 200
    assert "old_password" in wrong.context["form"].errors
    org["r1"].refresh_from_db()
    assert org["r1"].check_password("pw-Secret-123")
    ok = client.post(
        url,
        {
            "old_password": "pw-Secret-123",
            "new_password1": "Fresh-Pass-987",
            "new_password2": "Fresh-Pass-987",
        },
    )
    assert ok.status_code == 302 and ok.url == reverse("password_change_done")
    org["r1"].refresh_from_db()
    assert org["r1"].check_password("Fresh-Pass-987")


def test_password_change_needs_login(client):
    response = client.get(reverse("password_change"))
    assert response.status_code == 302 and response.url.startswith("/login/")


def test_language_switch_for_a_visitor_sets_the_cookie(client):
    response = client.post(reverse("language"), {"language": "zh-hans", "next": "/login/"})
    assert response.status_code == 302 and response.url == "/login/"
    assert response.cookies["django_language"].value == "zh-hans"
    assert "登录" in client.get("/login/").content.decode()


def test_language_switch_for_a_user_is_remembered_in_the_profile(client, org):
    client.force_login(org["r1"])
    response = client.post(reverse("language"), {"language": "zh-hans", "next": "/accounts/"})
    assert response.status_code == 302
    org["r1"].refresh_from_db()
    assert org["r1"].language == "zh-hans"
    page = client.get(reverse("accounts:list"))
    assert page.headers["Content-Language"] == "zh-hans"
    back = client.post(reverse("language"), {"language": "en", "next": "/accounts/"})
    assert back.status_code == 302
    org["r1"].refresh_from_db()
    assert org["r1"].language == "en"


def test_language_switch_ignores_unknown_languages(client, org):
    client.force_login(org["r1"])
    client.post(reverse("language"), {"language": "xx", "next": "/accounts/"})
    org["r1"].refresh_from_db()
    assert org["r1"].language == ""
