"""The audit trail: masking, the customer card's history section, the admin's audit page,
settings changes (who changed what), and that only admins can change settings."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.audit_selectors import account_audit_entries, audit_entries_visible_to
from core.audit import MASK, audit_log
from core.models import AuditEntry
from tests.factories import ChecklistItemFactory, OccasionFactory

pytestmark = pytest.mark.django_db
PHONE = "13912345678"


def _contact(org, owner="r1"):
    account = org["accounts"][owner]
    return services.contact_create(
        actor=org[owner],
        data={
            "account": account,
            "name": "王伟",
            "phone": PHONE,
            "email": "wang@example.cn",
            "chat_handle": "wx-wangwei",
            "birthday_month": 2,
            "birthday_day": 29,
        },
    )


def test_personal_fields_are_masked_in_the_trail(org):
    contact = _contact(org)
    services.contact_update(
        actor=org["r1"], contact=contact, data={"phone": "13700000000", "title": "经理"}
    )
    entries = list(AuditEntry.objects.filter(model="accounts.Contact").order_by("id"))
    assert [e.action for e in entries] == ["create", "update"]
    created = entries[0].changes
    for field in ("phone", "email", "chat_handle", "birthday_month", "birthday_day"):
        assert created[field] == [MASK, MASK], field
    assert created["name"] == [None, "王伟"]
    assert entries[1].changes == {"phone": [MASK, MASK], "title": ["", "经理"]}
    raw = str(list(AuditEntry.objects.values_list("changes", flat=True)))
    for secret in (PHONE, "13700000000", "wang@example.cn", "wx-wangwei"):
        assert secret not in raw


def test_fields_added_later_are_masked_by_their_names(org):
    entry = audit_log(
        actor=org["r1"],
        action="update",
        model="visits.Visit",
        object_id=1,
        account_id=org["accounts"]["r1"].pk,
        changes={
            "contact_phone": ("", PHONE),
            "wechat_id": ("", "wx1"),
            "birth_date": (None, "1990-02-28"),
            "api_token": ("a", "b"),
            "purpose": ("", "demo"),
        },
        extra={"password": "hunter2", "rows": 3},
    )
    assert entry.changes == {
        "contact_phone": [MASK, MASK],
        "wechat_id": [MASK, MASK],
        "birth_date": [MASK, MASK],
        "api_token": [MASK, MASK],
        "purpose": ["", "demo"],
        "_extra": {"password": MASK, "rows": 3},
    }


def test_card_history_is_shown_to_those_who_see_the_account(client, org):
    account = org["accounts"]["r1"]
    services.account_update(actor=org["r1"], account=account, data={"industry": "机械"})
    _contact(org)
    services.account_update(
        actor=org["r3"], account=org["accounts"]["r3"], data={"industry": "SECRET-OTHER"}
    )
    for viewer in ("r1", "m1", "admin"):
        client.force_login(org[viewer])
        html = client.get(reverse("accounts:detail", args=[account.pk])).content.decode()
        assert 'id="audit-h"' in html, viewer
        history = html[html.index('id="audit-h"') :]
        assert "Industry</span>: – → 机械" in history
        assert "王伟" in history and "Phone</span>: *** → ***" in history and PHONE not in history
        assert "SECRET-OTHER" not in html
        assert ("Full history" in html) == (viewer == "admin")
    client.force_login(org["r3"])
    assert client.get(reverse("accounts:detail", args=[account.pk])).status_code == 404
    assert account_audit_entries(org["r3"], account.pk) is None


def test_audit_entries_follow_the_visibility_rule(org):
    for owner in ("r1", "r3"):
        services.account_update(
            actor=org[owner], account=org["accounts"][owner], data={"industry": owner}
        )
    audit_log(actor=org["admin"], action="update", model="scoring.ScoringSettings", object_id=1)
    account_ids = {
        name: set(audit_entries_visible_to(org[name]).values_list("account_id", flat=True))
        for name in ("r1", "m1", "m2", "admin")
    }
    r1, r3 = org["accounts"]["r1"].pk, org["accounts"]["r3"].pk
    assert account_ids == {"r1": {r1}, "m1": {r1}, "m2": {r3}, "admin": {r1, r3, None}}


def test_audit_page_is_for_admins_only(client, org):
    for name in ("r1", "m1"):
        client.force_login(org[name])
        assert client.get(reverse("audit")).status_code == 404
    client.logout()
    assert client.get(reverse("audit")).status_code == 302


def test_audit_page_filters_and_paginates(client, org):
    account = org["accounts"]["r1"]
    for i in range(55):
        services.account_update(actor=org["r1"], account=account, data={"notes": f"n{i}"})
    services.account_update(
        actor=org["r3"], account=org["accounts"]["r3"], data={"industry": "化工"}
    )
    old = audit_log(actor=org["admin"], action="delete", model="accounts.Order", object_id=9)
    AuditEntry.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=40)
    )
    client.force_login(org["admin"])
    url = reverse("audit")
    page1 = client.get(url).content.decode()
    assert "57 entries" in page1 and "Page 1 of 2" in page1
    page2 = client.get(url, {"page": 2}).content.decode()
    assert page2.count('class="audit-entry"') == 7
    by_actor = client.get(url, {"actor": org["r3"].pk}).content.decode()
    assert "1 entry" in by_actor and "化工" in by_actor
    by_account = client.get(url, {"account": account.pk}).content.decode()
    assert "55 entries" in by_account
    by_model = client.get(url, {"model": "accounts.Order", "action": "delete"}).content.decode()
    assert "1 entry" in by_model
    since = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    recent = client.get(url, {"date_from": since}).content.decode()
    assert "56 entries" in recent
    bad = client.get(url, {"date_from": "yesterday"})
    assert bad.status_code == 200
    assert "<p>From: Enter a valid date.</p>" in bad.content.decode()


def _settings_form_data(client, url: str) -> dict:
    """The settings page's form as it stands (what an admin sends when changing one field)."""
    form = client.get(url).context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        data[name] = "" if value is None else value
    return data


def test_settings_changes_are_audited_with_who_and_what(client, org):
    from prospects.models import ProspectSettings
    from visits.models import VisitSettings

    client.force_login(org["admin"])
    url = reverse("prospects:settings")
    data = {
        **_settings_form_data(client, url),
        "rep_prospect_ratio": "0.25",
        "industry_ratios": "化工: 0.5",
    }
    assert client.post(url, data).status_code == 302
    url = reverse("visits:settings")
    data = {**_settings_form_data(client, url), "cadence_a_days": 5, "digest_enabled": False}
    assert client.post(url, data).status_code == 302

    assert ProspectSettings.load().rep_prospect_ratio == Decimal("0.25")
    assert (VisitSettings.load().cadence_a_days, VisitSettings.load().digest_enabled) == (5, False)
    entries = [
        (e.actor, e.action, e.model, e.object_id, e.changes)
        for e in AuditEntry.objects.order_by("id")
    ]
    assert entries == [
        (
            org["admin"],
            "update",
            "prospects.ProspectSettings",
            "1",
            {
                "rep_prospect_ratio": ["0.100", "0.25"],
                "industry_ratios": ["{}", "{'化工': '0.500'}"],
            },
        ),
        (
            org["admin"],
            "update",
            "visits.VisitSettings",
            "1",
            {"cadence_a_days": [7, 5], "digest_enabled": [True, False]},
        ),
    ]
    # The admin's audit page lists them.
    html = client.get(reverse("audit"), {"model": "visits.VisitSettings"}).content.decode()
    assert "1 entry" in html and "A-tier cadence (days)</span>: 7 → 5" in html
    assert "Send a daily digest email</span>: Yes → No" in html


def test_reps_and_managers_cannot_change_settings(client, org):
    from prospects.models import ProspectSettings
    from visits.models import VisitSettings

    before = (list(ProspectSettings.objects.values()), list(VisitSettings.objects.values()))
    attempts = {
        reverse("prospects:settings"): {"rep_prospect_ratio": "0.9"},
        reverse("prospects:team_minimums"): {f"team_{org['t1'].pk}": 1},
        reverse("visits:settings"): {"cadence_a_days": 1, "digest_hour": 3},
    }
    for name in ("r1", "m1"):
        client.force_login(org[name])
        for url, data in attempts.items():
            assert client.get(url).status_code == 404, (name, url)
            assert client.post(url, data).status_code == 404, (name, url)
    assert (list(ProspectSettings.objects.values()), list(VisitSettings.objects.values())) == before
    assert not AuditEntry.objects.exists()


def test_checklist_and_occasion_edits_are_audited(client, org):
    from visits.models import Occasion

    item = ChecklistItemFactory(position=950, text_en="Map ready")
    occasion = OccasionFactory(
        code="founding-day", kind=Occasion.Kind.SOLAR, name_en="Founding Day", month=9, day=1
    )
    client.force_login(org["admin"])
    url = reverse("visits:checklist_item_edit", args=[item.pk])
    data = {**_settings_form_data(client, url), "text_en": "Sales map ready"}
    assert client.post(url, data).status_code == 302
    url = reverse("visits:occasion_edit", args=[occasion.pk])
    assert client.post(url, {**_settings_form_data(client, url), "day": 2}).status_code == 302
    assert client.post(reverse("visits:checklist_item_delete", args=[item.pk])).status_code == 302
    entries = [(e.action, e.model, e.changes) for e in AuditEntry.objects.order_by("id")]
    assert entries == [
        ("update", "visits.ChecklistItem", {"text_en": ["Map ready", "Sales map ready"]}),
        ("update", "visits.Occasion", {"day": [1, 2]}),
        ("delete", "visits.ChecklistItem", {}),
    ]
    assert {e.actor for e in AuditEntry.objects.all()} == {org["admin"]}
