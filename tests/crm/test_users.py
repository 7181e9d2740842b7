"""User management for admins in the app (/users/): list with search, filters and paging;
create with an invitation (a set-password link e-mailed) or an initial password; edit role,
team and territory; deactivate (sessions and API tokens end) and reactivate; an admin cannot
deactivate themselves nor remove the last active admin. Everything audited; others get 404."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from core.models import AuditEntry
from crm.models import User
from crm.services import user_create, user_deactivate, user_update
from tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _listed(response) -> list[str]:
    return re.findall(
        r'<tr data-user="\d+"><td><a href="/users/\d+/">([^<]+)</a>', response.content.decode()
    )


NEW = {
    "username": "newbie",
    "first_name": "New",
    "last_name": "Rep",
    "email": "newbie@example.com",
    "role": "rep",
    "team": "",
    "territory": "",
}


def test_the_list_searches_filters_and_pages(org, settings):
    UserFactory(
        username="zed", email="zed@corp.example", role="rep", team=org["t2"], is_active=False
    )
    admin = _client(org["admin"])
    assert _listed(admin.get("/users/")) == ["boss", "m1", "m2", "r1", "r2", "r3", "r4"]
    assert _listed(admin.get("/users/", {"q": "corp.exa", "active": "all"})) == ["zed"]
    assert _listed(admin.get("/users/", {"role": "manager"})) == ["m1", "m2"]
    assert _listed(admin.get("/users/", {"team": org["t2"].pk})) == ["r3", "r4"]
    assert _listed(admin.get("/users/", {"team": org["t2"].pk, "active": "no"})) == ["zed"]
    refused = admin.get("/users/", {"role": "king"})
    assert (
        "Select a valid choice. king is not one of the available choices."
        in refused.content.decode()
    )
    UserFactory.create_batch(50, role="rep")
    page2 = _listed(admin.get("/users/", {"page": 2}))
    assert len(page2) == 7  # 57 active users, 50 a page


def test_only_admins_reach_the_users_pages(org):
    target = org["r2"]
    urls = [
        "/users/",
        "/users/new/",
        f"/users/{target.pk}/",
        f"/users/{target.pk}/deactivate/",
        f"/users/{target.pk}/reactivate/",
        f"/users/{target.pk}/invite/",
    ]
    for who in ("m1", "r1"):
        client = _client(org[who])
        for url in urls:
            assert client.get(url).status_code == 404, (who, url)
            assert client.post(url, {**NEW, "role": "admin"}).status_code == 404, (who, url)
    target.refresh_from_db()
    assert (target.is_active, target.role) == (True, "rep")
    assert not User.objects.filter(username="newbie").exists()
    assert mail.outbox == []
    response = Client().get("/users/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_services_refuse_non_admins(org):
    with pytest.raises(PermissionDenied):
        user_create(
            actor=org["m1"], data={"username": "x", "email": "x@example.com"}, password=None
        )
    with pytest.raises(PermissionDenied):
        user_update(actor=org["r1"], user=org["r2"], data={"role": "admin"})
    with pytest.raises(PermissionDenied):
        user_deactivate(actor=org["m1"], user=org["r1"])


def test_create_with_an_invitation_emails_a_set_password_link(org):
    team = org["t1"]
    response = _client(org["admin"]).post("/users/new/", {**NEW, "team": team.pk, "how": "invite"})
    user = User.objects.get(username="newbie")
    assert response.status_code == 302 and response["Location"] == f"/users/{user.pk}/"
    assert (user.role, user.team, user.email, user.has_usable_password()) == (
        "rep",
        team,
        "newbie@example.com",
        False,
    )
    (message,) = mail.outbox
    assert message.to == ["newbie@example.com"]
    assert message.subject == "You are invited to the CRM"
    path = re.search(r"http://testserver(/password-reset/\S+/)", message.body).group(1)
    client = Client()
    form_url = client.get(path)["Location"]
    done = client.post(
        form_url, {"new_password1": "Welcome-2026x", "new_password2": "Welcome-2026x"}
    )
    assert done["Location"] == "/password-reset/complete/"
    user.refresh_from_db()
    assert user.check_password("Welcome-2026x")
    created = AuditEntry.objects.get(model="crm.User", object_id=str(user.pk), action="create")
    assert created.actor == org["admin"]
    assert created.changes == {
        "username": [None, "newbie"],
        "first_name": [None, "New"],
        "last_name": [None, "Rep"],
        "email": ["***", "***"],
        "role": [None, "rep"],
        "team": [None, team.pk],
        "_extra": {"invited": True},
    }
    assert AuditEntry.objects.filter(object_id=str(user.pk), action="invite").count() == 1


def test_create_with_an_initial_password(org):
    response = _client(org["admin"]).post(
        "/users/new/", {**NEW, "email": "", "how": "now", "password": "Initial-Pass-77"}
    )
    assert response.status_code == 302
    user = User.objects.get(username="newbie")
    assert user.check_password("Initial-Pass-77")
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("post", "field_error"),
    [
        ({"username": "r1", "how": "invite"}, "A user with that username already exists."),
        ({"email": "", "how": "invite"}, "An invitation needs an e-mail address."),
        ({"email": "not-an-email", "how": "invite"}, "Enter a valid email address."),
        ({"how": "now", "password": ""}, "Give the initial password, or send an invitation."),
        ({"how": "now", "password": "newbie"}, "The password is too similar to the username."),
        ({"role": "king", "how": "invite"}, "Select a valid choice. king is not one of the"),
    ],
)
def test_create_refuses_bad_input_naming_the_field_and_writes_nothing(org, post, field_error):
    before = (User.objects.count(), AuditEntry.objects.count())
    response = _client(org["admin"]).post("/users/new/", {**NEW, **post})
    assert response.status_code == 200
    assert field_error in response.content.decode()
    assert (User.objects.count(), AuditEntry.objects.count()) == before
    assert mail.outbox == []


def test_edit_role_team_and_territory_is_audited(org):
    from crm.models import Territory

    west = Territory.objects.create(name="West")
    r1 = org["r1"]
    response = _client(org["admin"]).post(
        f"/users/{r1.pk}/",
        {
            "first_name": "Rita",
            "last_name": "",
            "email": "",
            "role": "manager",
            "team": org["t2"].pk,
            "territory": west.pk,
        },
    )
    assert response.status_code == 302
    r1.refresh_from_db()
    assert (r1.role, r1.team, r1.territory, r1.first_name) == ("manager", org["t2"], west, "Rita")
    entry = AuditEntry.objects.get(model="crm.User", object_id=str(r1.pk), action="update")
    assert entry.changes == {
        "first_name": ["", "Rita"],
        "role": ["rep", "manager"],
        "team": [org["t1"].pk, org["t2"].pk],
        "territory": [None, west.pk],
    }


def test_deactivation_ends_sessions_and_tokens_and_reactivation_lets_them_sign_in(org):
    r1 = org["r1"]
    theirs = _client(r1)
    token = Token.objects.create(user=r1)
    admin = _client(org["admin"])
    confirm = admin.get(f"/users/{r1.pk}/deactivate/")
    assert "They can no longer sign in" in confirm.content.decode()
    r1.refresh_from_db()
    assert r1.is_active  # the confirmation page changes nothing
    assert admin.post(f"/users/{r1.pk}/deactivate/").status_code == 302
    r1.refresh_from_db()
    assert not r1.is_active
    assert theirs.get("/me/").status_code == 302
    assert not Token.objects.filter(pk=token.pk).exists()
    assert admin.post(f"/users/{r1.pk}/reactivate/").status_code == 302
    r1.refresh_from_db()
    assert r1.is_active
    signed_in = Client().post("/login/", {"username": "r1", "password": "pw-Secret-123"})
    assert signed_in.status_code == 302
    changes = [
        e.changes["is_active"]
        for e in AuditEntry.objects.filter(object_id=str(r1.pk), model="crm.User").order_by("pk")
    ]
    assert changes == [[True, False], [False, True]]


def test_an_admin_cannot_deactivate_themselves(org):
    admin = org["admin"]
    response = _client(admin).post(f"/users/{admin.pk}/deactivate/", follow=True)
    assert "You cannot deactivate yourself." in response.content.decode()
    admin.refresh_from_db()
    assert admin.is_active


def test_the_last_active_admin_stays(org):
    boss = org["admin"]
    second = UserFactory(username="second", role="admin")
    client = _client(second)
    # Two admins: the second may deactivate the first...
    assert client.post(f"/users/{boss.pk}/deactivate/").status_code == 302
    boss.refresh_from_db()
    assert not boss.is_active
    # ...but now `second` is the last active admin: the role stays, with a clear error.
    before = AuditEntry.objects.count()
    response = client.post(
        f"/users/{second.pk}/",
        {
            "first_name": "",
            "last_name": "",
            "email": "",
            "role": "rep",
            "team": "",
            "territory": "",
        },
    )
    assert response.status_code == 200
    assert (
        "second is the last active administrator; make another user an administrator first."
        in response.content.decode()
    )
    second.refresh_from_db()
    assert second.role == "admin"
    assert AuditEntry.objects.count() == before
    # A superuser without the admin role counts as an admin; with them, the role may go.
    staff = UserFactory(username="root", role="rep", is_superuser=True, is_staff=True)
    user_update(actor=second, user=second, data={"role": "manager"})
    second.refresh_from_db()
    assert second.role == "manager"
    # The last one left cannot be deactivated by the admin site's path either (staff allowed
    # to change users).
    helpdesk = UserFactory(username="helpdesk", role="rep", is_staff=True)
    helpdesk.user_permissions.add(Permission.objects.get(codename="change_user"))
    helpdesk = User.objects.get(pk=helpdesk.pk)  # fresh permission cache
    with pytest.raises(ValidationError) as refused:
        user_deactivate(actor=helpdesk, user=staff)
    assert refused.value.message_dict == {
        "is_active": [
            "root is the last active administrator; make another user an administrator first."
        ]
    }
    staff.refresh_from_db()
    assert staff.is_active


def test_send_the_invitation_again(org):
    r1 = org["r1"]
    r1.email = "r1@example.com"
    r1.save(update_fields=["email"])
    admin = _client(org["admin"])
    confirm = admin.get(f"/users/{r1.pk}/invite/").content.decode()
    assert "A link to set their password goes to r1@example.com" in confirm
    assert mail.outbox == []
    response = admin.post(f"/users/{r1.pk}/invite/", follow=True)
    assert "Invitation sent to r1@example.com" in response.content.decode()
    assert [m.to for m in mail.outbox] == [["r1@example.com"]]


def test_an_invitation_without_email_says_so(org):
    r1 = org["r1"]
    response = _client(org["admin"]).post(f"/users/{r1.pk}/invite/", follow=True)
    assert "An invitation needs an e-mail address." in response.content.decode()
    assert mail.outbox == []


def test_an_unknown_user_is_404_for_admins_too(org):
    assert _client(org["admin"]).get("/users/999999/").status_code == 404


def test_the_invitation_in_the_users_language(org):
    response = _client(org["admin"]).post(
        "/users/new/", {**NEW, "how": "invite"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.subject == "您受邀使用 CRM"
    assert "72 小时" in message.body


def test_manager_team_choice_shows_every_team(org):
    TeamFactory(name="East")
    html = _client(org["admin"]).get("/users/new/").content.decode()
    assert ">East<" in html and ">North<" in html and ">South<" in html


def test_the_admin_site_refuses_self_deactivation_with_a_message(db):
    root = UserFactory(username="root", role="admin", is_staff=True, is_superuser=True)
    client = _client(root)
    data = {
        "username": "root",
        "first_name": "",
        "last_name": "",
        "email": "",
        "is_staff": "on",
        "is_superuser": "on",
        "date_joined_0": root.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": root.date_joined.strftime("%H:%M:%S"),
        "role": "admin",
        "language": "",
    }
    response = client.post(reverse("admin:crm_user_change", args=[root.pk]), data, follow=True)
    assert "You cannot deactivate yourself." in response.content.decode()
    root.refresh_from_db()
    assert root.is_active
