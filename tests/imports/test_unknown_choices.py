"""The batch option unknown_choices: an unknown channel, buying role or account type is a
warning on its cell, the cell left empty ("empty", the default) or set to "other"; the row is
always kept. An unknown lifecycle is left empty either way (the default applies)."""

import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import translation

from accounts.models import Account, Contact
from imports import services
from imports.models import ImportBatch
from imports.upload.cleaning import error_message
from prospects.selectors import account_needs_decision_maker
from tests.factories import AccountFactory, ContactFactory, UserFactory
from tests.imports.conftest import db_state, run_import, write_csv

pytestmark = pytest.mark.django_db

CHINESE = {
    "header": ["客户名称", "渠道", "客户类型", "客户状态", "联系人", "角色"],
    # 甲: unknown channel and role; 乙: unknown account type and lifecycle, a known role;
    # 丙: unknown account type beside a known channel, the role "其他" (known: no warning).
    "rows": [
        ["甲公司", "直播带货", "", "", "张三", "首席披萨官"],
        ["乙公司", "", "竞争对手", "休眠", "李四", "决策人"],
        ["丙公司", "经销商", "竞争对手", "", "王五", "其他"],
    ],
}
ENGLISH = {
    "header": ["Company name", "Channel", "Account Type", "Lifecycle Stage", "Contact", "Role"],
    "rows": [
        ["甲公司", "Livestream", "", "", "张三", "Chief Pizza Officer"],
        ["乙公司", "", "Competitor", "Dormant", "李四", "Decision maker"],
        ["丙公司", "Distributor", "Competitor", "", "王五", "Other"],
    ],
}


def _warnings(batch):
    return list(
        batch.row_errors.order_by("row_number", "id").values_list(
            "row_number", "column", "code", "value", "level"
        )
    )


def _stored():
    return {
        a.name: (a.channel, a.lifecycle, [c.role for c in a.contacts.all()])
        for a in Account.objects.prefetch_related("contacts")
    }


@pytest.mark.parametrize("style", [CHINESE, ENGLISH], ids=["chinese", "english"])
def test_unknown_choices_empty_leaves_the_cells_empty_with_warnings(tmp_path, admin, style):
    path = write_csv(tmp_path / "c.csv", [style["header"], *style["rows"]], encoding="utf-8-sig")
    batch = run_import(path, actor=admin)  # the default: empty
    assert batch.unknown_choices == "empty"
    assert batch.status == "done", batch.message
    assert (batch.counts["accounts_create"], batch.counts["errors"]) == (3, 0)
    assert _stored() == {
        "甲公司": ("direct", "potential", [""]),
        "乙公司": ("direct", "potential", ["decision_maker"]),
        "丙公司": ("distributor", "potential", ["other"]),
    }
    h = style["header"]
    r = style["rows"]
    assert _warnings(batch) == [
        (2, h[1], "channel_ignored", r[0][1], "warning"),
        (2, h[5], "role_ignored", r[0][5], "warning"),
        (3, h[3], "lifecycle_ignored", r[1][3], "warning"),
        (3, h[2], "account_type_ignored", r[1][2], "warning"),
        (4, h[2], "account_type_ignored", r[2][2], "warning"),
    ]


@pytest.mark.parametrize("style", [CHINESE, ENGLISH], ids=["chinese", "english"])
def test_unknown_choices_other_sets_other_with_warnings(tmp_path, admin, style):
    path = write_csv(tmp_path / "c.csv", [style["header"], *style["rows"]], encoding="utf-8-sig")
    batch = run_import(path, actor=admin, unknown_choices="other")
    assert batch.unknown_choices == "other"
    assert batch.status == "done", batch.message
    assert (batch.counts["accounts_create"], batch.counts["errors"]) == (3, 0)
    assert (batch.counts["warnings"], batch.counts["warning_rows"]) == (5, 3)
    assert _stored() == {
        "甲公司": ("other", "potential", ["other"]),
        # an unknown account type: the channel is other, the lifecycle (unknown too) the default
        "乙公司": ("other", "potential", ["decision_maker"]),
        # the channel column says distributor: it wins, the account type is left empty
        "丙公司": ("distributor", "potential", ["other"]),
    }
    h = style["header"]
    r = style["rows"]
    assert _warnings(batch) == [
        (2, h[1], "channel_other", r[0][1], "warning"),
        (2, h[5], "role_other", r[0][5], "warning"),
        (3, h[3], "lifecycle_ignored", r[1][3], "warning"),
        (3, h[2], "account_type_other", r[1][2], "warning"),
        (4, h[2], "account_type_ignored", r[2][2], "warning"),
    ]


def test_the_warnings_say_what_was_done_in_english_and_chinese():
    assert error_message("channel_other") == (
        "Unknown channel (direct or distributor): set to Other."
    )
    assert error_message("role_other") == (
        "Unknown buying role (decision maker, handler, influencer or user): set to Other."
    )
    assert error_message("account_type_other") == (
        "Unknown account type (e.g. Prospect, Customer - Direct, Customer - Channel, "
        "Reseller): channel set to Other, lifecycle left empty."
    )
    with translation.override("zh-hans"):
        assert error_message("channel_other") == "未知的渠道（终端直销或经销商）：已设为“其他”。"
        assert str(Account.Channel.OTHER.label) == "其他"
        assert str(Contact.Role.OTHER.label) == "其他"


def test_the_dry_run_with_other_writes_nothing_and_previews_the_warnings(tmp_path, admin):
    path = write_csv(tmp_path / "c.csv", [CHINESE["header"], CHINESE["rows"][0]])
    before = db_state()
    batch = run_import(path, actor=admin, dry_run=True, unknown_choices="other")
    assert batch.status == "ready"
    assert db_state() == before
    assert batch.preview[0]["warnings"] == [
        ["渠道", "channel_other", "直播带货"],
        ["角色", "role_other", "首席披萨官"],
    ]


def test_update_mode_with_other_sets_an_existing_accounts_channel(tmp_path, admin):
    AccountFactory(name="甲公司", channel="distributor", owner=admin)
    path = write_csv(tmp_path / "c.csv", [["客户名称", "渠道"], ["甲公司", "直播带货"]])
    batch = run_import(path, actor=admin, mode="update", unknown_choices="other")
    assert batch.status == "done", batch.message
    assert Account.objects.get().channel == "other"


def test_a_bad_option_value_is_refused_naming_the_field_and_nothing_is_written(tmp_path, admin):
    path = write_csv(tmp_path / "c.csv", [CHINESE["header"], *CHINESE["rows"]])
    with path.open("rb") as fh:
        batch = services.import_batch_create(
            actor=admin, kind="customers", upload=fh, file_name=path.name
        )
    before = db_state()
    with pytest.raises(ValidationError) as exc:
        services.import_batch_configure(
            actor=admin, batch=batch, data={"unknown_choices": "guess", "mode": "update"}
        )
    assert exc.value.message_dict == {"unknown_choices": ["Choose empty or other."]}
    batch.refresh_from_db()
    assert (batch.unknown_choices, batch.mode) == ("empty", "skip")
    assert db_state() == before


def test_the_api_takes_the_option(api, admin):
    upload = SimpleUploadedFile("a.csv", "客户名称,渠道\n甲,直播带货\n".encode(), "text/csv")
    response = api(admin).post("/api/v1/imports/", {"kind": "customers", "file": upload})
    assert response.status_code == 201, response.json()
    assert response.json()["unknown_choices"] == "empty"
    pk = response.json()["id"]
    url = f"/api/v1/imports/{pk}/"
    response = api(admin).patch(url, {"unknown_choices": "other"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["unknown_choices"] == "other"
    assert ImportBatch.objects.get(pk=pk).unknown_choices == "other"
    response = api(admin).patch(f"/api/v1/imports/{pk}/", {"unknown_choices": "x"}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["unknown_choices"]
    assert ImportBatch.objects.get(pk=pk).unknown_choices == "other"


def test_the_page_offers_and_saves_the_option(tmp_path, admin, client):
    rep = UserFactory(username="rep-u", role="rep")
    path = write_csv(tmp_path / "c.csv", [["客户名称", "渠道"], ["甲", "直播带货"]])
    with path.open("rb") as fh:
        batch = services.import_batch_create(
            actor=admin, kind="customers", upload=fh, file_name=path.name
        )
    client.force_login(admin)
    page = client.get(f"/imports/{batch.pk}/").content.decode()
    assert '<select name="unknown_choices"' in page
    assert "An unknown channel, buying role or account type" in page
    data = {
        "mode": "skip",
        "on_error": "all_or_nothing",
        "invalid_phones": "note",
        "unknown_choices": "other",
        "owner": rep.pk,
        "header_row": batch.header_row,
        "encoding": "",
        "action": "save",
        **{f"col_{i}": t for i, t in enumerate(batch.mapping)},
    }
    response = client.post(f"/imports/{batch.pk}/", data)
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.unknown_choices == "other"
    page = client.get(f"/imports/{batch.pk}/").content.decode()
    assert '<option value="other" selected>' in page
    # a post without the option (an older form) leaves the batch's choice as it is
    del data["unknown_choices"]
    assert client.post(f"/imports/{batch.pk}/", data).status_code == 302
    batch.refresh_from_db()
    assert batch.unknown_choices == "other"


def test_the_command_takes_the_option(tmp_path, admin):
    path = write_csv(tmp_path / "c.csv", [ENGLISH["header"], *ENGLISH["rows"]])
    out = io.StringIO()
    call_command("import_customers", str(path), "--unknown-choices", "other", "--json", stdout=out)
    summary = json.loads(out.getvalue())
    assert summary["status"] == "done"
    assert [(e["row"], e["code"]) for e in summary["errors"]] == [
        (2, "channel_other"),
        (2, "role_other"),
        (3, "lifecycle_ignored"),
        (3, "account_type_other"),
        (4, "account_type_ignored"),
    ]
    assert ImportBatch.objects.get().unknown_choices == "other"
    assert Account.objects.get(name="甲公司").channel == "other"


def test_the_command_refuses_a_bad_option_value(tmp_path, admin):
    path = write_csv(tmp_path / "c.csv", [["客户名称"], ["甲"]])
    before = db_state()
    with pytest.raises(CommandError, match="--unknown-choices"):
        call_command("import_customers", str(path), "--unknown-choices", "guess")
    assert db_state() == before
    assert not ImportBatch.objects.exists()


def test_other_is_never_a_decision_maker(admin):
    account = AccountFactory(tier="A", owner=admin)
    ContactFactory(account=account, role=Contact.Role.OTHER)
    assert account_needs_decision_maker(account, None) is True
    ContactFactory(account=account, role=Contact.Role.DECISION_MAKER)
    assert account_needs_decision_maker(account, None) is False
