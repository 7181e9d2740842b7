"""HTML pages: list, card, forms (with their failure cases), delete confirmation."""

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
