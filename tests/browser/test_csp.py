"""The pages work under the Content Security Policy: a real Chromium loads the main pages of
every feature (accounts, prospects, visits, imports, settings, audit, admin, API docs) and
reports no CSP violation (neither `securitypolicyviolation` events nor console errors) and no
request of theirs (stylesheets, scripts, the icon) answers with an error."""

import pytest

from tests.browser.conftest import login
from tests.factories import (
    AccountFactory,
    ContactFactory,
    OrderFactory,
    ReminderFactory,
    UserFactory,
)

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


def _feature_records(admin, account, contact) -> dict:
    """One record of each feature's pages, written through their services."""
    import datetime
    import io

    from imports import services as import_services
    from prospects import services as prospect_services
    from visits import services as visit_services
    from visits.models import Reminder

    prospect = prospect_services.prospect_create(actor=admin, account=account, data={})
    prospect_services.worksheet_create(
        actor=admin,
        account=account,
        scores={"growth": 1, "business_plans": 1, "revenue_potential": 0, "opportunities": 1}
        | {"solution_fit": 0, "competitiveness": 1, "relationship": 1},
    )
    today = datetime.date.today()
    plan = visit_services.plan_create(
        actor=admin, data={"account": account, "planned_date": today + datetime.timedelta(days=1)}
    )
    visit = visit_services.visit_create(
        actor=admin,
        data={"account": account, "visit_date": today, "purpose": "CSP", "duration_minutes": 30},
        contacts=[contact],
    )
    touch = visit_services.touch_create(
        actor=admin, data={"account": account, "type": "letter", "date": today}
    )
    ReminderFactory(
        recipient=admin,
        kind=Reminder.Kind.VISIT_DUE,
        subject=f"account:{account.pk}",
        occasion_code=Reminder.Kind.VISIT_DUE,
        date=today,
        account=account,
        remind_on=today,
    )
    batch = import_services.import_batch_create(
        actor=admin,
        kind="customers",
        upload=io.BytesIO("客户名称,联系人\n上海测试有限公司,王伟\n".encode()),
        file_name="legacy.csv",
    )
    return {"prospect": prospect, "plan": plan, "visit": visit, "touch": touch, "batch": batch}


@pytest.mark.slow  # about 40 s: every main page in a real browser
def test_main_pages_raise_no_csp_violation(live_server, phone_page, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    admin = UserFactory(username="cspadmin", role="admin", is_staff=True, is_superuser=True)
    account = AccountFactory(owner=admin, name="CSP Check Ltd.")
    contact = ContactFactory(account=account, name="张敏")
    order = OrderFactory(account=account)
    records = _feature_records(admin, account, contact)
    prospect, plan, visit = records["prospect"], records["plan"], records["visit"]
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
    page.on(
        "response",
        lambda r: problems.append(f"{r.url}: HTTP {r.status}") if r.status >= 400 else None,
    )
    base = live_server.url
    _visit(page, f"{base}/login/", problems)
    login(page, live_server, "cspadmin", "pw-Secret-123")
    for path in [
        "/accounts/",
        f"/accounts/{account.pk}/",
        "/accounts/new/",
        "/prospects/new/",
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
        "/prospects/",
        "/prospects/list/",
        "/prospects/team/",
        "/prospects/coverage/",
        f"/prospects/compare/?accounts={account.pk}",
        "/prospects/settings/",
        f"/prospects/{prospect.pk}/",
        f"/prospects/{prospect.pk}/edit/",
        f"/prospects/{prospect.pk}/decide/",
        f"/prospects/accounts/{account.pk}/worksheet/",
        f"/prospects/accounts/{account.pk}/worksheets/",
        "/visits/",
        "/visits/?view=month",
        "/visits/due/",
        f"/visits/log/?account={account.pk}",
        "/visits/visits/",
        f"/visits/visits/{visit.pk}/",
        f"/visits/visits/{visit.pk}/edit/",
        "/visits/plans/new/",
        "/visits/plans/generate/",
        f"/visits/plans/{plan.pk}/",
        f"/visits/plans/{plan.pk}/edit/",
        "/visits/touches/",
        f"/visits/touches/new/?account={account.pk}",
        f"/visits/touches/{records['touch'].pk}/edit/",
        "/visits/reminders/",
        "/visits/settings/",
        "/visits/settings/checklist/",
        "/visits/settings/occasions/",
        "/visits/settings/occasions/new/",
        "/imports/",
        "/imports/new/",
        f"/imports/{records['batch'].pk}/",
        "/scoring/",
        "/scoring/accounts/",
        "/scoring/pareto/",
        "/scoring/quadrants/",
        "/scoring/priority/",
        "/scoring/movers/",
        "/scoring/runs/",
        "/scoring/runs/new/",
        "/scoring/settings/",
        "/dashboard/",
    ]:
        _visit(page, f"{base}{path}", problems)
    _visit(page, f"{base}/api/docs/", problems, ready=".swagger-ui .opblock")
    assert page.locator(".swagger-ui .opblock").count() > 0, "Swagger UI did not render"
    assert problems == [], "\n".join(problems)
    assert console == []
