"""The import pages and /api/v1/imports/ take deals and targets as they take customers."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from crm.models import User
from imports.models import ImportBatch
from opportunities.models import Opportunity
from tests.factories import AccountFactory, UserFactory

pytestmark = pytest.mark.django_db
ROWS = (
    "Opportunity ID,Opportunity Name,Account Name,Amount,Close Date,Stage\r\n"
    "006P,Page deal,Acme,99,2026-03-01,Won\r\n"
)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def admin(db):
    return UserFactory(username="importer", role=User.Role.ADMIN)


def _file() -> SimpleUploadedFile:
    return SimpleUploadedFile("deals.csv", ROWS.encode("utf-8-sig"), "text/csv")


def test_pages_upload_check_import_and_undo_deals(
    client, admin, django_capture_on_commit_callbacks
):
    rep = UserFactory(username="rep-pages")
    AccountFactory(name="Acme", owner=rep)
    client.force_login(admin)
    form = client.get("/imports/new/").content.decode()
    assert 'value="opportunities"' in form and 'value="targets"' in form
    response = client.post("/imports/new/", {"kind": "opportunities", "file": _file()})
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and batch.kind == "opportunities"
    page = client.get(response.url).content.decode()
    assert 'value="source_id" selected' in page and "Default owner" in page
    data = {"mode": "skip", "on_error": "all_or_nothing", "owner": rep.pk, "action": "check"}
    data.update({f"col_{i}": t for i, t in enumerate(batch.mapping)})
    data.update({"header_row": batch.header_row, "encoding": ""})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/imports/{batch.pk}/", data)
    assert response.status_code == 302
    page = client.get(f"/imports/{batch.pk}/").content.decode()
    assert "deals to create" in page and "Page deal" in page
    assert not Opportunity.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/imports/{batch.pk}/commit/")
    deal = Opportunity.objects.get()
    assert deal.owner == rep
    assert "deals created" in client.get(f"/imports/{batch.pk}/").content.decode()
    undo_page = client.get(f"/imports/{batch.pk}/undo/").content.decode()
    assert "Deals created by it, to delete: 1" in undo_page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/imports/{batch.pk}/undo/")
    assert not Opportunity.objects.exists()
    assert client.get("/imports/?kind=opportunities").status_code == 200


def test_api_takes_the_new_kinds(api, admin, django_capture_on_commit_callbacks):
    AccountFactory(name="Acme", owner=UserFactory(username="r"))
    client = api(admin)
    response = client.post(
        "/api/v1/imports/", {"kind": "opportunities", "file": _file()}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    url = f"/api/v1/imports/{response.json()['id']}/"
    assert client.patch(url, {"mode": "update"}, format="json").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url + "commit/").status_code == 202
    assert client.get(url).json()["counts"]["opportunities_create"] == 1
    bad = client.post("/api/v1/imports/", {"kind": "deals", "file": _file()}, format="multipart")
    assert bad.status_code == 400
