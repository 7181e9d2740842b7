"""The history section of the card and the audit page read in the user's language: field labels,
choice labels, Yes/No, names of related records (one query per model), masked values masked,
long histories folded."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.audit import audit_log
from core.audit_display import audit_rows
from core.models import AuditEntry
from tests.factories import ContactFactory, TerritoryFactory, UserFactory

pytestmark = pytest.mark.django_db


def _history(html: str) -> str:
    return html[html.index('id="audit-h"') :]


def _entries(org):
    account = org["accounts"]["r1"]
    gone = TerritoryFactory(name="Gone")
    gone_id = gone.pk
    gone.delete()
    audit_log(
        actor=org["r1"],
        action="update",
        model="visits.VisitPlan",
        object_id=7,
        account_id=account.pk,
        changes={
            "planned_date": ("2026-01-05", "2026-01-06"),
            "slot": ("morning", "afternoon"),
            "senior_manager": (False, True),
        },
    )
    met = [ContactFactory(account=account, name=name) for name in ("王伟", "李娜")]
    audit_log(
        actor=org["r1"],
        action="create",
        model="visits.Visit",
        object_id=9,
        account_id=account.pk,
        changes={"visit_time": (None, "14:30:00"), "contacts": (None, f"{met[0].pk},{met[1].pk}")},
    )
    audit_log(
        actor=org["r1"],
        action="decide",
        model="prospects.Prospect",
        object_id=3,
        account_id=account.pk,
        changes={"decision": ("keep_visiting", "abandon")},
    )
    audit_log(
        actor=org["m1"],
        action="update",
        instance=account,
        account_id=account.pk,
        changes={"owner": (org["r1"], org["r2"]), "territory": (gone_id, None)},
    )
    audit_log(
        actor=org["r1"],
        action="update",
        model="accounts.Contact",
        object_id=5,
        account_id=account.pk,
        changes={"birthday_month": (2, 3), "notes": (None, ""), "title": (None, "经理")},
    )
    return account, gone_id


def test_card_history_in_chinese_shows_labels_values_and_names(client, org):
    account, gone_id = _entries(org)
    org["r1"].first_name, org["r1"].last_name = "", ""
    org["r2"].language = "zh-hans"
    org["r2"].first_name = "李雷"
    org["r2"].save()
    org["m1"].language = "zh-hans"
    org["m1"].save()
    client.force_login(org["m1"])
    history = _history(client.get(reverse("accounts:detail", args=[account.pk])).content.decode())
    assert '<span class="muted">日期</span>: 2026-01-05 → 2026-01-06' in history
    assert '<span class="muted">时段</span>: 上午 → 下午' in history
    assert '<span class="muted">需要高层经理同行</span>: 否 → 是' in history
    assert '<span class="muted">决定</span>: 继续拜访 → 放弃' in history
    assert '<span class="muted">时间</span>: – → 14:30' in history
    assert '<span class="muted">会见的联系人</span>: – → 王伟, 李娜' in history
    assert '<span class="muted">负责人</span>: r1 → 李雷' in history
    assert f'<span class="muted">区域</span>: #{gone_id}（已删除） → –' in history
    assert '<span class="muted">生日（月）</span>: *** → ***' in history
    assert '<span class="muted">职务</span>: – → 经理' in history
    assert "– → –" not in history
    assert '<span class="badge">修改</span>\n    拜访计划' in history
    assert '<span class="badge">已决定</span>\n    潜在客户' in history
    for raw in ("planned_date", "keep_visiting", "afternoon", "False", "birthday_month", "owner"):
        assert raw not in history, raw


def test_audit_page_in_english_and_its_action_menu(client, org):
    _entries(org)
    client.force_login(org["admin"])
    html = client.get(reverse("audit")).content.decode()
    assert '<span class="muted">Slot</span>: Morning → Afternoon' in html
    assert '<span class="muted">A senior manager should come</span>: No → Yes' in html
    assert '<span class="badge">Decided</span>' in html
    assert '<option value="decide" >Decided</option>' in html
    org["admin"].language = "zh-hans"
    org["admin"].save()
    html = client.get(reverse("audit")).content.decode()
    assert '<option value="update" >修改</option>' in html
    assert '<option value="core.AuditEntry" >审计记录</option>' in html
    assert '<span class="muted">时段</span>: 上午 → 下午' in html


def test_related_names_are_fetched_once_per_model(org):
    owners = [UserFactory(username=f"o{i}") for i in range(6)]
    territories = [TerritoryFactory(name=f"T{i}") for i in range(4)]
    for i in range(12):
        audit_log(
            actor=org["r1"],
            action="update",
            instance=org["accounts"]["r1"],
            changes={
                "owner": (owners[i % 6].pk, owners[(i + 1) % 6].pk),
                "territory": (territories[i % 4].pk, None),
            },
        )
    entries = list(AuditEntry.objects.order_by("id"))
    with CaptureQueriesContext(connection) as queries:
        rows = audit_rows(entries)
    assert len(queries) == 2  # one for the users, one for the territories
    assert [(c.field, c.old, c.new) for c in rows[0].changes] == [
        ("Owner", "o0", "o1"),
        ("Territory", "T0", "–"),
    ]


def test_a_long_card_history_folds_after_ten(client, org):
    account = org["accounts"]["r1"]
    for i in range(13):
        audit_log(
            actor=org["r1"],
            action="update",
            instance=account,
            account_id=account.pk,
            changes={"notes": (f"n{i}", f"n{i + 1}")},
        )
    client.force_login(org["r1"])
    history = _history(client.get(reverse("accounts:detail", args=[account.pk])).content.decode())
    shown, folded = history.split('<details class="audit-more">')
    assert shown.count('class="audit-entry"') == 10
    assert "<summary>Show all 13 changes</summary>" in folded
    assert folded.count('class="audit-entry"') == 3
    assert "n12 → n13" in shown and "n0 → n1" in folded
    org["r1"].language = "zh-hans"
    org["r1"].save()
    html = client.get(reverse("accounts:detail", args=[account.pk])).content.decode()
    assert "<summary>显示全部 13 条记录</summary>" in _history(html)
    short = org["accounts"]["r2"]
    audit_log(actor=org["r2"], action="update", instance=short, account_id=short.pk)
    client.force_login(org["r2"])
    html = client.get(reverse("accounts:detail", args=[short.pk])).content.decode()
    assert "audit-more" not in html


def test_a_very_long_card_history_shows_the_latest_hundred(client, org):
    account = org["accounts"]["r1"]
    AuditEntry.objects.bulk_create(
        AuditEntry(
            actor=org["r1"],
            action="update",
            model="accounts.Account",
            object_id=str(account.pk),
            account_id=account.pk,
            changes={"notes": [f"n{i}", f"n{i + 1}"]},
        )
        for i in range(105)
    )
    client.force_login(org["r1"])
    history = _history(client.get(reverse("accounts:detail", args=[account.pk])).content.decode())
    shown, folded = history.split('<details class="audit-more">')
    assert shown.count('class="audit-entry"') == 10
    assert folded.count('class="audit-entry"') == 90
    assert "<summary>Show all 105 changes</summary>" in folded
    assert "The latest 100 changes are shown." in folded
