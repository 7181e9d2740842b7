import io
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from receivables.models import Contract, ContractAttachment, Invoice, Payment

D = Decimal
PDF = b"%PDF-1.4\n%test\n"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def test_the_aging_page_shows_the_book_only(client, contract, org):
    client.force_login(org["r1"])
    page = client.get("/receivables/", {"group_by": "rep", "as_of": "2026-04-01"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "1,000.00" in html or "1000.00" in html
    client.force_login(org["r3"])
    assert (
        "r1"
        not in client.get("/receivables/", {"group_by": "rep"})
        .content.decode()
        .split("<main", 1)[1]
        .split("</table>")[0]
    )


def test_a_contract_is_created_with_its_plan_from_the_form(client, org):
    client.force_login(org["r1"])
    account = org["accounts"]["r1"]
    response = client.post(
        f"/receivables/contracts/new/?account={account.pk}",
        {
            "fixed_account": "1",
            "account": account.pk,
            "number": "F-1",
            "amount": "200.00",
            "signed_on": "2026-01-05",
            "owner": org["r1"].pk,
            "status": "active",
            "terms": "50% signing\n100 2026-02-01",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    contract = Contract.objects.get(number="F-1")
    assert [e.amount for e in contract.entries.order_by("position")] == [D("100.00"), D("100.00")]


def test_a_bad_plan_on_the_form_writes_nothing(client, org):
    client.force_login(org["r1"])
    account = org["accounts"]["r1"]
    response = client.post(
        f"/receivables/contracts/new/?account={account.pk}",
        {
            "fixed_account": "1",
            "account": account.pk,
            "number": "F-2",
            "amount": "200.00",
            "owner": org["r1"].pk,
            "status": "active",
            "terms": "150% signing",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Contract.objects.exists()


def test_the_contract_page_records_payments_and_invoices(client, contract, org):
    client.force_login(org["r1"])
    url = f"/receivables/contracts/{contract.pk}/"
    assert client.get(url).status_code == 200
    response = client.post(url + "payments/", {"received_on": "2026-04-01", "amount": "2000.00"})
    assert response.status_code == 400
    assert not Payment.objects.exists()
    response = client.post(url + "payments/", {"received_on": "2026-04-01", "amount": "300.00"})
    assert response.status_code == 302
    entry = contract.entries.get(position=1)
    response = client.post(
        url + "invoices/",
        {"entry": entry.pk, "number": "INV-9", "issued_on": "2026-04-01", "amount": "300.00"},
    )
    assert response.status_code == 302
    assert Invoice.objects.get().amount == D("300.00")
    page = client.get(url).content.decode()
    assert "INV-9" in page


def test_a_contract_outside_the_book_is_404(client, contract, org):
    client.force_login(org["r3"])
    url = f"/receivables/contracts/{contract.pk}/"
    assert client.get(url).status_code == 404
    assert client.get(url + "edit/").status_code == 404
    assert (
        client.post(url + "payments/", {"received_on": "2026-04-01", "amount": "1"}).status_code
        == 404
    )
    assert not Payment.objects.exists()


def test_the_card_shows_contracts_and_what_is_owed(client, contract, org):
    client.force_login(org["r1"])
    html = client.get(contract.account.get_absolute_url()).content.decode()
    assert 'data-testid="card-receivables"' in html
    assert "CT-1" in html


def test_attachments_are_checked_by_content_and_size(client, contract, org, media, settings):
    client.force_login(org["r1"])
    url = f"/receivables/contracts/{contract.pk}/attachments/"
    fake = SimpleUploadedFile("scan.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    assert client.post(url, {"file": fake}).status_code == 400
    renamed = SimpleUploadedFile("scan.png", PDF, content_type="image/png")
    assert client.post(url, {"file": renamed}).status_code == 400
    settings.CRM_ATTACHMENT_MAX_BYTES = 10
    big = SimpleUploadedFile("scan.pdf", PDF, content_type="application/pdf")
    assert client.post(url, {"file": big}).status_code == 400
    assert not ContractAttachment.objects.exists()
    settings.CRM_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
    ok = SimpleUploadedFile("合同.docx", _docx(), content_type="application/octet-stream")
    assert client.post(url, {"file": ok}).status_code == 302
    attachment = ContractAttachment.objects.get()
    assert attachment.name == "合同.docx"
    assert not attachment.file.name.endswith(".docx")  # stored under a random name


def test_attachments_are_served_only_through_the_contracts_visibility(client, contract, org, media):
    client.force_login(org["r1"])
    client.post(
        f"/receivables/contracts/{contract.pk}/attachments/",
        {"file": SimpleUploadedFile("scan.pdf", PDF)},
    )
    attachment = ContractAttachment.objects.get()
    url = f"/receivables/attachments/{attachment.pk}/"
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    client.force_login(org["r3"])
    assert client.get(url).status_code == 404
    client.force_login(org["m1"])
    assert client.get(url).status_code == 200
    client.logout()
    assert client.get(url).status_code == 302


def test_today_lists_entries_due_this_week_and_overdue(client, contract, org, settings):
    from django.utils import timezone

    today = timezone.localdate()
    contract_update_dates(contract, org, today)
    client.force_login(org["r1"])
    html = client.get("/today/").content.decode()
    section = html.split('data-testid="today-receivables"', 1)[1].split("</section>", 1)[0]
    assert section.count("CT-1") == 2  # signing (overdue) and delivery (due in 3 days)
    client.force_login(org["r3"])
    html = client.get("/today/").content.decode()
    assert "CT-1" not in html


def contract_update_dates(contract, org, today):
    import datetime

    from receivables.services import contract_update

    contract_update(
        actor=org["r1"],
        contract=contract,
        data={
            "signed_on": today - datetime.timedelta(days=40),
            "delivered_on": today - datetime.timedelta(days=27),
        },
    )
