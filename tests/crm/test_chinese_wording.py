"""Pages read right in 简体中文 (and in English): the account list's sort menu, the calendar's
week and month steps, a rep's dashboard title, 姓名 for a person's name, one word for a
prospect (潜在客户), birthdays as 2月28日 / Feb 28, the sign-out message, the mapping checks."""

import pytest
from django.urls import reverse
from django.utils import translation

from imports.upload.fields import validate_mapping
from tests.factories import ContactFactory, OccasionFactory
from visits.models import Occasion

pytestmark = pytest.mark.django_db


def _chinese(user):
    user.language = "zh-hans"
    user.save()
    return user


def test_account_list_sort_menu_is_translated(client, org):
    client.force_login(_chinese(org["r1"]))
    html = client.get(reverse("accounts:list")).content.decode()
    for label in ("名称 A→Z", "名称 Z→A", "最新在前", "最早在前", "最近更新在前", "A 类在前"):
        assert f">{label}</option>" in html, label
    assert "Name A–Z" not in html and "Tier C first" not in html


def test_calendar_steps_by_week_and_by_month(client, org):
    client.force_login(_chinese(org["r1"]))
    week = client.get(reverse("visits:calendar")).content.decode()
    assert ">上一周</a>" in week and ">下一周</a>" in week and "上一页" not in week
    month = client.get(reverse("visits:calendar"), {"view": "month"}).content.decode()
    assert ">上个月</a>" in month and ">下个月</a>" in month and "下一页" not in month


def test_dashboard_title_names_a_reps_own_dashboard(client, org):
    client.force_login(_chinese(org["r1"]))
    html = client.get(reverse("dashboard")).content.decode()
    assert "<h1>我的仪表板</h1>" in html and "经理仪表板" not in html
    client.force_login(_chinese(org["m1"]))
    assert "<h1>经理仪表板</h1>" in client.get(reverse("dashboard")).content.decode()
    client.force_login(org["r2"])
    assert "<h1>My dashboard</h1>" in client.get(reverse("dashboard")).content.decode()


def test_a_contacts_name_is_xingming_and_the_worksheet_says_qianzai(client, org):
    account = org["accounts"]["r1"]
    client.force_login(_chinese(org["r1"]))
    form = client.get(reverse("accounts:contact_create", args=[account.pk])).content.decode()
    assert '<label for="id_name">姓名:</label>' in form
    sheet = client.get(reverse("prospects:worksheet_new", args=[account.pk])).content.decode()
    assert "潜在客户工作表" in sheet and "潜力客户" not in sheet


def test_birthdays_read_as_month_and_day(client, org):
    account = org["accounts"]["r1"]
    ContactFactory(account=account, name="王伟", birthday_month=2, birthday_day=28)
    ContactFactory(
        account=account, name="李娜", birthday_month=11, birthday_day=3, birthday_year=1990
    )
    client.force_login(_chinese(org["r1"]))
    html = client.get(reverse("accounts:detail", args=[account.pk])).content.decode()
    assert "生日 2月28日" in html and "生日 1990年11月3日" in html and "--02-28" not in html
    org["r1"].language = "en"
    org["r1"].save()
    html = client.get(reverse("accounts:detail", args=[account.pk])).content.decode()
    assert "Birthday Feb 28" in html and "Birthday Nov 3, 1990" in html


def test_sign_out_says_so_in_the_users_language(client, org):
    client.force_login(_chinese(org["r1"]))
    response = client.post(reverse("logout"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("login")
    assert '<li class="msg msg-success">您已退出登录。</li>' in response.content.decode()
    assert client.cookies["django_language"].value == "zh-hans"  # the sign-in page stays 中文
    client.cookies.clear()
    client.force_login(org["r2"])
    response = client.post(reverse("logout"), follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert '<li class="msg msg-success">You have signed out.</li>' in response.content.decode()


def test_mapping_problems_are_translated():
    with translation.override("zh-hans"):
        problems = validate_mapping("orders", ["nonsense"])
    assert problems == [
        "未知的目标字段“nonsense”。",
        "请为“日期”指定一列。",
        "请为客户名称、客户编号或信用代码指定一列。",
        "请指定金额列，或同时指定数量和单价列。",
    ]


def test_occasions_show_solar_dates_and_roles_by_their_labels(client, org):
    OccasionFactory(
        code="founding-day",
        kind=Occasion.Kind.SOLAR,
        name_en="Founding Day",
        month=9,
        day=1,
        gift_roles=["decision_maker", "influencer"],
    )
    client.force_login(_chinese(org["admin"]))
    html = client.get(reverse("visits:occasions")).content.decode()
    row = html[html.index("Founding Day") :]
    row = row[: row.index("</tr>")]
    assert " 9月1日</td>" in row and "决策人, 影响者" in row and "decision_maker" not in row
