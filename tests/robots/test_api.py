"""/api/v1/robots/: the same rule as the page, secrets write-only, the failure cases."""

import pytest

from robots.models import RobotWebhook
from tests.factories import RobotWebhookFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/robots/"
DING = "https://oapi.dingtalk.com/robot/send?access_token=tok-very-secret-9876"


def test_create_for_yourself_and_secrets_are_write_only(api, org):
    client = api(org["r1"])
    response = client.post(
        URL,
        {"name": "Ding", "platform": "dingtalk", "url": DING, "secret": "SECsupersecret1234"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert "secret" not in body and "url" not in body
    assert body["has_secret"] is True and body["masked_secret"].endswith("1234")
    assert "tok-very-secret" not in response.content.decode()
    assert "SECsuper" not in client.get(URL).content.decode()
    robot = RobotWebhook.objects.get()
    assert (robot.user, robot.team, robot.secret) == (org["r1"], None, "SECsupersecret1234")


def test_a_rep_cannot_add_to_a_team_a_manager_to_theirs_only(api, org):
    payload = {"name": "T", "platform": "dingtalk", "url": DING}
    response = api(org["r1"]).post(URL, {**payload, "team": org["t1"].pk}, format="json")
    assert response.status_code == 400 and "team" in response.json()
    response = api(org["m1"]).post(URL, {**payload, "team": org["t2"].pk}, format="json")
    assert response.status_code == 400 and "team" in response.json()
    assert RobotWebhook.objects.count() == 0
    response = api(org["m1"]).post(URL, {**payload, "team": org["t1"].pk}, format="json")
    assert response.status_code == 201
    assert RobotWebhook.objects.get().team == org["t1"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "x", "platform": "wecom", "url": "http://qyapi.weixin.qq.com/x"}, "url"),
        ({"name": "x", "platform": "feishu", "url": DING}, "url"),
        ({"name": "x", "platform": "teams", "url": DING}, "platform"),
        ({"name": "x", "platform": "dingtalk"}, "url"),
        ({"name": "", "platform": "dingtalk", "url": DING}, "name"),
    ],
)
def test_bad_robots_answer_400_naming_the_field(api, org, payload, field):
    response = api(org["r1"]).post(URL, payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert RobotWebhook.objects.count() == 0


def test_others_robots_are_404_and_unlisted(api, org):
    theirs = RobotWebhookFactory(user=org["r2"])
    team = RobotWebhookFactory(user=None, team=org["t1"])
    client = api(org["r1"])
    assert client.get(URL).json()["results"] == []
    for robot in (theirs, team):
        assert client.get(f"{URL}{robot.pk}/").status_code == 404
        assert client.patch(f"{URL}{robot.pk}/", {"name": "x"}, format="json").status_code == 404
        assert client.delete(f"{URL}{robot.pk}/").status_code == 404
        assert client.post(f"{URL}{robot.pk}/test/").status_code == 404
    assert RobotWebhook.objects.count() == 2
    ids = {r["id"] for r in api(org["m1"]).get(URL).json()["results"]}
    assert ids == {theirs.pk, team.pk}
    assert api(org["m2"]).get(URL).json()["results"] == []
    assert api().get(URL).status_code in (401, 403)


def test_update_keeps_what_is_not_sent_and_refuses_a_platform_change(api, org):
    robot = RobotWebhookFactory(user=org["r1"], platform="dingtalk", url=DING, secret="SECabc12345")
    client = api(org["r1"])
    response = client.patch(f"{URL}{robot.pk}/", {"name": "New", "active": False}, format="json")
    assert response.status_code == 200
    robot.refresh_from_db()
    assert (robot.name, robot.active, robot.url, robot.secret) == (
        "New",
        False,
        DING,
        "SECabc12345",
    )
    response = client.patch(f"{URL}{robot.pk}/", {"platform": "wecom"}, format="json")
    assert response.status_code == 400 and "platform" in response.json()
    response = client.patch(f"{URL}{robot.pk}/", {"clear_secret": True}, format="json")
    robot.refresh_from_db()
    assert response.status_code == 200 and robot.secret == ""


def test_the_test_action_answers_the_platforms_answer(api, org, platforms_server):
    url = platforms_server.robot("feishu", "api-ok", secret="k")
    robot = RobotWebhookFactory(user=org["r1"], platform="feishu", url=url, secret="k")
    response = api(org["r1"]).post(f"{URL}{robot.pk}/test/")
    assert response.status_code == 200
    assert response.json()["ok"] is True and '"code": 0' in response.json()["answer"]
    assert platforms_server.problems() == []
    bad = RobotWebhookFactory(
        user=org["r1"], platform="wecom", url=platforms_server.robot("wecom", "x", mode="500")
    )
    response = api(org["r1"]).post(f"{URL}{bad.pk}/test/")
    assert response.json()["ok"] is False and "HTTP 500" in response.json()["answer"]
