"""The API at /api/v1/imports/, the pages, and who may use them."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Account
from imports.models import ImportBatch
from tests.factories import UserFactory
from tests.imports.conftest import customer_rows

pytestmark = pytest.mark.django_db


def _upload(csv_bytes, name="list.csv", encoding="gbk"):
    return SimpleUploadedFile(name, csv_bytes(customer_rows(), encoding), "text/csv")


def test_api_upload_map_check_commit_and_undo(
    api, admin, csv_bytes, django_capture_on_commit_callbacks
):
    client = api(admin)
    response = client.post(
        "/api/v1/imports/", {"kind": "customers", "file": _upload(csv_bytes)}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    batch = response.json()
    assert batch["headers"][:3] == ["客户名称", "统一社会信用代码", "客户编号"]
    assert batch["mapping"][:3] == ["name", "uscc", "external_code"]
    url = f"/api/v1/imports/{batch['id']}/"
    mapping = batch["mapping"]
    mapping[6] = ""  # leave the industry out
    response = client.patch(url, {"mapping": mapping, "mode": "update"}, format="json")
    assert response.status_code == 200, response.json()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url + "check/")
    assert response.status_code == 202
    checked = client.get(url).json()
    assert (checked["status"], checked["progress"], checked["counts"]["accounts_create"]) == (
        "ready",
        100,
        3,
    )
    assert not Account.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url + "commit/").status_code == 202
    assert client.get(url).json()["status"] == "done"
    assert set(Account.objects.values_list("industry", flat=True)) == {""}
    assert client.get(url + "errors/").json()["results"] == []
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url + "undo/")
    # Queued (a small file is undone right after the commit, in this process).
    assert (response.status_code, response.json()["status"]) == (202, "undoing")
    assert client.get(url).json()["status"] == "undone"
    assert not Account.objects.exists()


def test_api_rejects_a_bad_file_with_the_reason(api, admin):
    client = api(admin)
    bad = SimpleUploadedFile("x.xlsx", b"not a workbook", "application/octet-stream")
    response = client.post(
        "/api/v1/imports/", {"kind": "customers", "file": bad}, format="multipart"
    )
    assert response.status_code == 400
    assert "not a valid Excel workbook" in response.json()["file"][0]
    assert not ImportBatch.objects.exists()


def test_reps_cannot_import_and_managers_only_see_their_batches(api, org, csv_bytes):
    rep = api(org["r1"])
    response = rep.post(
        "/api/v1/imports/", {"kind": "customers", "file": _upload(csv_bytes)}, format="multipart"
    )
    assert response.status_code == 404
    m1 = api(org["m1"])
    created = m1.post(
        "/api/v1/imports/", {"kind": "customers", "file": _upload(csv_bytes)}, format="multipart"
    ).json()
    assert api(org["m2"]).get(f"/api/v1/imports/{created['id']}/").status_code == 404
    assert api(org["admin"]).get(f"/api/v1/imports/{created['id']}/").status_code == 200
    assert rep.get("/api/v1/imports/").status_code == 404


def test_pages_upload_map_and_preview(client, admin, csv_bytes, django_capture_on_commit_callbacks):
    rep = UserFactory(username="rep-pages", role="rep")
    client.force_login(admin)
    assert client.get("/imports/").status_code == 200
    response = client.post("/imports/new/", {"kind": "customers", "file": _upload(csv_bytes)})
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response.url == f"/imports/{batch.pk}/"
    page = client.get(response.url).content.decode()
    assert "客户名称" in page and 'value="name" selected' in page
    data = {
        "mode": "skip",
        "on_error": "all_or_nothing",
        "owner": rep.pk,
        "invalid_phones": "note",
        "header_row": batch.header_row,
        "encoding": "",
        "action": "check",
    }
    data.update({f"col_{i}": t for i, t in enumerate(batch.mapping)})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/imports/{batch.pk}/", data)
    assert response.status_code == 302
    page = client.get(f"/imports/{batch.pk}/").content.decode()
    assert "Preview: the first rows as they will be stored" in page
    assert "same as row 2" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/imports/{batch.pk}/commit/")
    assert Account.objects.count() == 3
    assert set(Account.objects.values_list("owner__username", flat=True)) == {"rep-pages"}
    assert "Undo the import" in client.get(f"/imports/{batch.pk}/undo/").content.decode()


def test_pages_are_404_for_reps(client, org):
    client.force_login(org["r1"])
    assert client.get("/imports/").status_code == 404
    assert client.get("/imports/new/").status_code == 404


def test_upload_page_shows_the_reason_of_a_rejected_file(client, admin):
    client.force_login(admin)
    bomb = SimpleUploadedFile("a.xls", b"plain text, not excel", "application/vnd.ms-excel")
    response = client.post("/imports/new/", {"kind": "customers", "file": bomb})
    assert response.status_code == 200
    assert "This file is not a valid Excel workbook." in response.content.decode()
    assert not ImportBatch.objects.exists()
