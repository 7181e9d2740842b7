"""The admins' pages of stages and loss reasons: list, add, edit, move, delete (refused while
deals use a row), and 404 for everyone else."""

import pytest
from django.urls import reverse

from opportunities.models import LossReason, Stage
from tests.factories import OpportunityFactory, StageFactory

pytestmark = pytest.mark.django_db


def _order(model):
    return list(model.objects.values_list("pk", flat=True))


def test_admins_add_edit_and_move_stages(org, stages, client):
    client.force_login(org["admin"])
    assert client.get(reverse("opportunities:stages")).status_code == 200
    response = client.post(
        reverse("opportunities:stage_create"),
        {"name_en": "Pilot", "name_zh_hans": "试点", "probability": "60", "is_active": "on"},
    )
    assert response.status_code == 302
    pilot = Stage.objects.get(name_en="Pilot")
    assert (pilot.probability, pilot.is_active, _order(Stage)[-1]) == (60, True, pilot.pk)
    response = client.post(
        reverse("opportunities:stage_edit", args=[pilot.pk]),
        {"name_en": "Pilot", "probability": "150", "is_active": "on"},
    )
    assert response.status_code == 200 and response.context["form"].errors
    pilot.refresh_from_db()
    assert pilot.probability == 60
    before = _order(Stage)
    client.post(reverse("opportunities:stage_move", args=[pilot.pk]), {"direction": "up"})
    assert _order(Stage) == [*before[:-2], pilot.pk, before[-2]]


def test_a_stage_in_use_is_not_deleted_nor_its_flag_changed(org, stages, client):
    OpportunityFactory(account=org["accounts"]["r1"], stage=stages["proposal"])
    client.force_login(org["admin"])
    url = reverse("opportunities:stage_delete", args=[stages["proposal"].pk])
    assert client.get(url).status_code == 200
    response = client.post(url, follow=True)
    assert Stage.objects.filter(pk=stages["proposal"].pk).exists()
    assert "deactivate it instead" in response.content.decode()
    response = client.post(
        reverse("opportunities:stage_edit", args=[stages["proposal"].pk]),
        {"name_en": "Proposal", "probability": "50", "is_won": "on", "is_active": "on"},
    )
    assert response.status_code == 200
    stages["proposal"].refresh_from_db()
    assert stages["proposal"].is_won is False
    spare = StageFactory()
    client.post(reverse("opportunities:stage_delete", args=[spare.pk]))
    assert not Stage.objects.filter(pk=spare.pk).exists()


def test_admins_manage_loss_reasons(org, reasons, client):
    client.force_login(org["admin"])
    assert client.get(reverse("opportunities:loss_reasons")).status_code == 200
    client.post(
        reverse("opportunities:loss_reason_create"),
        {"name_en": "Lead time", "name_zh_hans": "交期太长", "is_active": "on"},
    )
    reason = LossReason.objects.get(name_en="Lead time")
    client.post(reverse("opportunities:loss_reason_edit", args=[reason.pk]), {"name_en": "Lead"})
    reason.refresh_from_db()
    assert (reason.name_en, reason.name_zh_hans, reason.is_active) == ("Lead", "", False)
    client.post(reverse("opportunities:loss_reason_delete", args=[reason.pk]))
    assert not LossReason.objects.filter(pk=reason.pk).exists()


def test_everyone_else_gets_404(org, stages, reasons, client):
    before = (list(Stage.objects.values()), list(LossReason.objects.values()))
    for user in (org["r1"], org["m1"]):
        client.force_login(user)
        for url in (
            reverse("opportunities:stages"),
            reverse("opportunities:stage_create"),
            reverse("opportunities:stage_edit", args=[stages["won"].pk]),
            reverse("opportunities:stage_move", args=[stages["won"].pk]),
            reverse("opportunities:stage_delete", args=[stages["won"].pk]),
            reverse("opportunities:loss_reasons"),
            reverse("opportunities:loss_reason_delete", args=[reasons["price"].pk]),
            reverse("opportunities:settings"),
        ):
            assert client.get(url).status_code == 404, url
            assert client.post(url, {"name_en": "x", "direction": "up"}).status_code == 404, url
    assert (list(Stage.objects.values()), list(LossReason.objects.values())) == before


def test_the_settings_hub_links_the_lists_for_admins(org, client):
    client.force_login(org["admin"])
    html = client.get(reverse("settings")).content.decode()
    assert reverse("opportunities:stages") in html
    assert reverse("opportunities:loss_reasons") in html
    client.force_login(org["r1"])
    assert reverse("opportunities:stages") not in client.get(reverse("settings")).content.decode()
