"""The pages work under the Content Security Policy: a real Chromium loads the main pages and
reports no CSP violation (neither `securitypolicyviolation` events nor console errors)."""

import pytest

from tests.browser.conftest import login
from tests.factories import AccountFactory, ContactFactory, OrderFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LISTEN = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + e.sourceFile);
});
"""


def _visit(page, url: str, problems: list[str], ready: str | None = None) -> None:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    if ready:
        page.wait_for_selector(ready)
    problems += [f"{url}: {v}" for v in page.evaluate("window.__csp")]


def test_main_pages_raise_no_csp_violation(live_server, phone_page):
    admin = UserFactory(username="cspadmin", role="admin", is_staff=True, is_superuser=True)
    account = AccountFactory(owner=admin, name="CSP Check Ltd.")
    contact = ContactFactory(account=account, name="张敏")
    order = OrderFactory(account=account)
    page = phone_page
    page.add_init_script(LISTEN)
    console: list[str] = []
    page.on(
        "console",
        lambda msg: (
            console.append(msg.text)
            if msg.type == "error" and "Content Security Policy" in msg.text
            else None
        ),
    )
    problems: list[str] = []
    base = live_server.url
    _visit(page, f"{base}/login/", problems)
    login(page, live_server, "cspadmin", "pw-Secret-123")
    for path in [
        "/accounts/",
        f"/accounts/{account.pk}/",
        "/accounts/new/",
        f"/accounts/{account.pk}/edit/",
        f"/accounts/contacts/{contact.pk}/edit/",
        f"/accounts/orders/{order.pk}/edit/",
        f"/accounts/{account.pk}/delete/",
        "/me/",
        "/password/change/",
        "/settings/",
        "/audit/",
        "/admin/",
        "/admin/crm/user/",
        f"/admin/accounts/account/{account.pk}/change/",
    ]:
        _visit(page, f"{base}{path}", problems)
    _visit(page, f"{base}/api/docs/", problems, ready=".swagger-ui .opblock")
    assert page.locator(".swagger-ui .opblock").count() > 0, "Swagger UI did not render"
    assert problems == [], "\n".join(problems)
    assert console == []
