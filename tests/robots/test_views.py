"""The /robots/ settings page: who manages which robots, add / edit / delete with
confirmation, secrets never shown back, and the "send a test message" button."""

import pytest
from django.urls import reverse

from core.models import AuditEntry
from robots.models import RobotWebhook
from tests.factories import RobotWebhookFactory

pytestmark = pytest.mark.django_db
WECOM = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abcdef-123456-secretkey"


def _add(client, **data):
    payload = {"owner": "me", "platform": "wecom", "name": "My bot", "url": WECOM, "active": "on"}
    payload.update(data)
    return client.post(reverse("robots:create"), payload)


def test_a_rep_adds_a_robot_for_themselves(client, org):
    client.force_login(org["r1"])
    response = _add(client)
    robot = RobotWebhook.objects.get()
    assert response.status_code == 302
    assert (robot.user, robot.team, robot.created_by) == (org["r1"], None, org["r1"])
    assert AuditEntry.objects.filter(action="create", model="robots.RobotWebhook").count() == 1


def test_a_rep_cannot_add_to_a_team(client, org):
    client.force_login(org["r1"])
    response = _add(client, owner=f"team:{org['t1'].pk}")
    assert response.status_code == 200
    assert "owner" in response.context["form"].errors
    assert RobotWebhook.objects.count() == 0


def test_a_manager_adds_a_robot_for_their_team_only(client, org):
    client.force_login(org["m1"])
    assert _add(client, owner=f"team:{org['t1'].pk}").status_code == 302
    assert RobotWebhook.objects.get().team == org["t1"]
    response = _add(client, owner=f"team:{org['t2'].pk}")
    assert response.status_code == 200 and "owner" in response.context["form"].errors
    assert RobotWebhook.objects.count() == 1


@pytest.mark.parametrize(
    ("platform", "url", "secret", "field", "message"),
    [
        ("wecom", "http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x", "", "url", "https://"),
        (
            "wecom",
            "https://evil.example/cgi-bin/webhook/send?key=x",
            "",
            "url",
            "qyapi.weixin.qq.com",
        ),
        ("dingtalk", "https://oapi.dingtalk.com/robot/send", "", "url", "access_token"),
        ("feishu", "https://open.feishu.cn/open-apis/bot/v2/hook/", "", "url", "hook"),
        ("wecom", WECOM, "SECx", "secret", "WeCom"),
        ("wecom", WECOM.replace("qyapi.weixin.qq.com", "127.0.0.1"), "", "url", "qyapi"),
    ],
)
def test_a_bad_robot_is_refused_with_a_message_on_its_field(
    client, org, platform, url, secret, field, message
):
    client.force_login(org["r1"])
    response = _add(client, platform=platform, url=url, secret=secret)
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors.get(field, []))
    assert message in errors
    assert RobotWebhook.objects.count() == 0


def test_secrets_and_credentials_are_never_shown_back(client, org):
    robot = RobotWebhookFactory(
        user=org["r1"],
        platform="dingtalk",
        url="https://oapi.dingtalk.com/robot/send?access_token=tok-very-secret-9876",
        secret="SECsupersecretvalue1234",
    )
    client.force_login(org["r1"])
    for url in (reverse("robots:list"), reverse("robots:edit", args=[robot.pk])):
        body = client.get(url).content.decode()
        assert "tok-very-secret" not in body and "SECsupersecret" not in body
        assert "9876" in body
    # Saving without retyping keeps both.
    response = client.post(
        reverse("robots:edit", args=[robot.pk]), {"name": "Renamed", "url": "", "secret": ""}
    )
    assert response.status_code == 302
    robot.refresh_from_db()
    assert robot.name == "Renamed" and robot.active is False
    assert robot.secret == "SECsupersecretvalue1234" and "tok-very-secret-9876" in robot.url
    entry = AuditEntry.objects.get(action="update")
    assert "SECsuper" not in str(entry.__dict__) and "tok-very" not in str(entry.__dict__)


def test_others_robots_answer_404(client, org):
    mine = RobotWebhookFactory(user=org["r2"])
    team = RobotWebhookFactory(user=None, team=org["t1"])
    client.force_login(org["r1"])
    for robot in (mine, team):
        for name in ("robots:edit", "robots:delete"):
            assert client.get(reverse(name, args=[robot.pk])).status_code == 404
        assert client.post(reverse("robots:test", args=[robot.pk])).status_code == 404
    # The team's manager sees the team's robot and its members' own ones.
    client.force_login(org["m1"])
    assert client.get(reverse("robots:edit", args=[team.pk])).status_code == 200
    assert client.get(reverse("robots:edit", args=[mine.pk])).status_code == 200
    client.force_login(org["m2"])
    assert client.get(reverse("robots:edit", args=[team.pk])).status_code == 404


def test_delete_asks_first(client, org):
    robot = RobotWebhookFactory(user=org["r1"])
    client.force_login(org["r1"])
    page = client.get(reverse("robots:delete", args=[robot.pk]))
    assert page.status_code == 200 and b"cannot be undone" in page.content
    assert RobotWebhook.objects.count() == 1
    assert client.post(reverse("robots:delete", args=[robot.pk])).status_code == 302
    assert RobotWebhook.objects.count() == 0


def test_the_list_has_an_empty_state(client, org):
    client.force_login(org["r3"])
    assert b"No robots yet" in client.get(reverse("robots:list")).content


@pytest.mark.parametrize(
    ("platform", "secret"), [("wecom", ""), ("dingtalk", "SECk"), ("feishu", "fk")]
)
def test_the_test_message_shows_the_platforms_answer(
    client, org, platforms_server, platform, secret
):
    url = platforms_server.robot(platform, "ok-token", secret=secret)
    robot = RobotWebhookFactory(user=org["r1"], platform=platform, url=url, secret=secret)
    client.force_login(org["r1"])

    response = client.post(reverse("robots:test", args=[robot.pk]), follow=True)

    assert platforms_server.problems() == []
    [request] = platforms_server.received
    assert "CRM" in request.text
    page = response.content.decode()
    assert "The test message went out" in page
    assert ("&quot;code&quot;: 0" if platform == "feishu" else "&quot;errcode&quot;: 0") in page
    robot.refresh_from_db()
    assert robot.last_success_at is not None


@pytest.mark.parametrize(
    ("mode", "shown"), [("500", "HTTP 500"), ("refuse", "310000"), ("timeout", "timed out")]
)
def test_the_test_message_shows_the_error_clearly(client, org, platforms_server, mode, shown):
    url = platforms_server.robot("dingtalk", "bad", secret="SECk", mode=mode)
    robot = RobotWebhookFactory(user=org["r1"], platform="dingtalk", url=url, secret="SECk")
    client.force_login(org["r1"])

    response = client.post(reverse("robots:test", args=[robot.pk]), follow=True)

    page = response.content.decode()
    assert "The test message failed" in page and shown in page
    robot.refresh_from_db()
    assert robot.consecutive_failures == 1 and shown in robot.last_error


def test_the_test_message_is_post_only(client, org):
    robot = RobotWebhookFactory(user=org["r1"])
    client.force_login(org["r1"])
    assert client.get(reverse("robots:test", args=[robot.pk])).status_code == 405
