"""A saved mapping is applied only by whoever may see it: its creator, or an admin. Another
manager's mapping is refused on the page, the API, the service and the command line, and
nothing is written."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from core.models import AuditEntry
from imports import services
from imports.models import ImportBatch
from tests.factories import ImportMappingFactory
from tests.imports.conftest import write_csv

pytestmark = pytest.mark.django_db

HEADERS = "Firma,Steuer\n"


def _file(name="list.csv"):
    return SimpleUploadedFile(name, f"{HEADERS}Neu GmbH,X1\n".encode(), "text/csv")


@pytest.fixture
def mappings(org):
    """One saved customers mapping per manager: Firma → name, Steuer → external_code."""
    return {
        who: ImportMappingFactory(
            name=f"legacy-{who}",
            kind="customers",
            mapping={"Firma": "name", "Steuer": "external_code"},
            created_by=org[who],
        )
        for who in ("m1", "m2")
    }


def test_upload_page_applies_the_managers_own_saved_mapping(client, org, mappings):
    client.force_login(org["m1"])
    response = client.post(
        "/imports/new/",
        {"kind": "customers", "file": _file(), "saved_mapping": mappings["m1"].pk},
    )
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response.url == f"/imports/{batch.pk}/"
    assert batch.mapping == ["name", "external_code"]


def test_upload_page_refuses_another_managers_saved_mapping(client, org, mappings):
    client.force_login(org["m1"])
    page = client.get("/imports/new/").content.decode()
    assert "legacy-m1" in page and "legacy-m2" not in page
    audit = AuditEntry.objects.count()
    response = client.post(
        "/imports/new/",
        {"kind": "customers", "file": _file(), "saved_mapping": mappings["m2"].pk},
    )
    assert response.status_code == 200
    assert "saved_mapping" in response.context["form"].errors
    assert "legacy-m2" not in response.content.decode()
    assert not ImportBatch.objects.exists()
    assert AuditEntry.objects.count() == audit


def test_api_upload_applies_own_mapping_and_an_admin_may_use_any(api, org, mappings):
    response = api(org["m1"]).post(
        "/api/v1/imports/",
        {"kind": "customers", "file": _file(), "saved_mapping": mappings["m1"].pk},
    )
    assert response.status_code == 201, response.content
    assert response.json()["mapping"] == ["name", "external_code"]
    response = api(org["admin"]).post(
        "/api/v1/imports/",
        {"kind": "customers", "file": _file(), "saved_mapping": mappings["m2"].pk},
    )
    assert response.status_code == 201, response.content
    assert response.json()["mapping"] == ["name", "external_code"]


def test_api_upload_with_another_managers_mapping_is_a_400_naming_the_field(api, org, mappings):
    response = api(org["m2"]).post(
        "/api/v1/imports/",
        {"kind": "customers", "file": _file(), "saved_mapping": mappings["m1"].pk},
    )
    assert response.status_code == 400
    assert list(response.json()) == ["saved_mapping"]
    assert not ImportBatch.objects.exists()


def test_the_service_refuses_a_mapping_the_actor_cannot_see(org, mappings):
    with pytest.raises(ValidationError) as excinfo:
        services.import_batch_create(
            actor=org["m1"], kind="customers", upload=_file(), saved_mapping=mappings["m2"]
        )
    assert "saved_mapping" in excinfo.value.message_dict
    assert not ImportBatch.objects.exists()


def test_command_line_finds_only_the_users_own_saved_mappings(tmp_path, org, mappings):
    path = write_csv(tmp_path / "c.csv", [["Firma", "Steuer"], ["Neu GmbH", "X1"]])

    def dry_run_as_m1(mapping: str) -> None:
        call_command(
            "import_customers",
            str(path),
            "--user",
            "m1",
            "--mapping",
            mapping,
            "--dry-run",
            stdout=io.StringIO(),
        )

    with pytest.raises(CommandError, match="no saved customers mapping named"):
        dry_run_as_m1("legacy-m2")
    assert not ImportBatch.objects.exists()
    dry_run_as_m1("legacy-m1")
    assert ImportBatch.objects.get().mapping == ["name", "external_code"]
