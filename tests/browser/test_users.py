"""An admin creates a user on the users page; the new user sets their password from the
e-mailed invitation and signs in."""

import re

import pytest
from django.core import mail

from crm.models import User
from tests.browser.conftest import login, screenshot
from tests.factories import TeamFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_invites_a_user_who_sets_a_password_and_signs_in(live_server, chromium):
    UserFactory(username="chief", role="admin")
    team = TeamFactory(name="East")
    admin_context = chromium.new_context()
    page = admin_context.new_page()
    page.set_default_timeout(15_000)
    login(page, live_server, "chief", "pw-Secret-123")
    page.goto(f"{live_server.url}/settings/")
    page.click("text=Users")
    page.click("text=New user")
    page.fill("input[name=username]", "lina")
    page.fill("input[name=first_name]", "Lina")
    page.fill("input[name=email]", "lina@example.com")
    page.select_option("select[name=role]", "rep")
    page.select_option("select[name=team]", str(team.pk))
    page.check("input[name=how][value=invite]")
    page.click("button:has-text('Create user')")
    page.wait_for_selector("text=Invitation sent to lina@example.com")
    screenshot(page, "admin-user-invited")
    admin_context.close()

    user = User.objects.get(username="lina")
    assert (user.role, user.team_id, user.has_usable_password()) == ("rep", team.pk, False)
    (message,) = mail.outbox
    assert message.to == ["lina@example.com"]
    link = re.search(r"(http://\S+/password-reset/\S+/)", message.body).group(1)
    assert link.startswith(live_server.url)

    context = chromium.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(link)
    page.fill("input[name=new_password1]", "Lina-Secret-2026")
    page.fill("input[name=new_password2]", "Lina-Secret-2026")
    page.click("button:has-text('Set password')")
    page.wait_for_selector("text=Your password is set.")
    # The link works once.
    page.goto(link)
    page.wait_for_selector("text=This link has been used already or has expired.")
    login(page, live_server, "lina", "Lina-Secret-2026")
    assert page.url.endswith("/today/")  # a rep lands on their day
    screenshot(page, "invited-user-signed-in")
    context.close()
