"""Who reaches the imports: the API answers like the pages. Admins and managers import; a rep
(or any role that may not import) gets 404 from every page and endpoint, as if they did not
exist; an anonymous caller is asked to sign in."""

import io

import pytest
from django.test import Client
from django.urls import reverse

from imports import services as import_services
from imports.models import ImportBatch, ImportMapping
from tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    manager = UserFactory(username="imp-manager", role="manager")
    return {
        "admin": UserFactory(username="imp-admin", role="admin"),
        "manager": manager,
        "rep": UserFactory(username="imp-rep", team=TeamFactory(manager=manager)),
    }


@pytest.fixture
def batch(people):
    """A batch (and its saved mapping) made by the manager: the admin and the manager reach it."""
    upload = io.BytesIO("客户名称\n某某有限公司\n".encode())
    made = import_services.import_batch_create(
        actor=people["manager"], kind="customers", upload=upload, file_name="m.csv"
    )
    import_services.import_mapping_save(actor=people["manager"], batch=made, name="mine")
    return made


def _state():
    return (
        list(ImportBatch.objects.order_by("pk").values("pk", "status")),
        list(ImportMapping.objects.order_by("pk").values("pk", "name")),
    )


@pytest.mark.parametrize(("role", "status"), [("rep", 404), ("manager", 200), ("admin", 200)])
def test_the_imports_api_answers_like_the_pages(people, batch, role, status):
    client = Client()
    client.force_login(people[role])
    mapping = ImportMapping.objects.get()
    api = {
        "list": client.get(reverse("import-batch-list")),
        "detail": client.get(reverse("import-batch-detail", args=[batch.pk])),
        "errors": client.get(reverse("import-batch-errors", args=[batch.pk])),
        "matches": client.get(reverse("import-batch-matches", args=[batch.pk])),
        "mappings": client.get(reverse("import-mapping-list")),
        "mapping": client.get(reverse("import-mapping-detail", args=[mapping.pk])),
    }
    pages = {
        "list page": client.get(reverse("imports:list")),
        "upload page": client.get(reverse("imports:new")),
        "detail page": client.get(reverse("imports:detail", args=[batch.pk])),
    }
    assert {name: r.status_code for name, r in {**api, **pages}.items()} == dict.fromkeys(
        [*api, *pages], status
    )
    if status == 200:
        assert [row["id"] for row in api["list"].json()["results"]] == [batch.pk]
        assert [row["id"] for row in api["mappings"].json()["results"]] == [mapping.pk]
    else:
        assert b"imp-manager" not in b"".join(r.content for r in api.values())


@pytest.mark.parametrize("role", ["rep", "norole"])
def test_a_user_who_may_not_import_gets_404_from_every_write_and_nothing_changes(
    people, batch, role
):
    user = people["rep"] if role == "rep" else UserFactory(username="imp-norole", role="")
    client = Client()
    client.force_login(user)
    before = _state()
    upload = io.BytesIO("客户名称\n不该有的公司\n".encode())
    upload.name = "x.csv"
    mapping = ImportMapping.objects.get()
    answers = {
        "upload": client.post(reverse("import-batch-list"), {"kind": "customers", "file": upload}),
        "configure": client.patch(
            reverse("import-batch-detail", args=[batch.pk]),
            {"mode": "update"},
            content_type="application/json",
        ),
        "check": client.post(reverse("import-batch-check", args=[batch.pk])),
        "commit": client.post(reverse("import-batch-commit", args=[batch.pk])),
        "undo": client.post(reverse("import-batch-undo", args=[batch.pk])),
        "delete mapping": client.delete(reverse("import-mapping-detail", args=[mapping.pk])),
    }
    assert {name: r.status_code for name, r in answers.items()} == dict.fromkeys(answers, 404)
    assert _state() == before


def test_anonymous_callers_are_asked_to_sign_in(batch):
    client = Client()
    assert client.get(reverse("import-batch-list")).status_code == 403
    assert client.get(reverse("import-batch-detail", args=[batch.pk])).status_code == 403
    page = client.get(reverse("imports:list"))
    assert page.status_code == 302 and page["Location"].startswith("/login/")
