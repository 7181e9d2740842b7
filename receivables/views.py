"""HTML pages of receivables: the aging page, contracts (list, page, forms), payments and
invoices recorded on a contract, attachments (uploaded and downloaded only through the
contract's visibility). Thin: selectors read, services write; a contract outside the user's
sight answers 404."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.selectors import account_get_visible
from core.http import or_404, run_service
from core.paginator import CappedPaginator
from receivables import selectors, services
from receivables.filters import ContractFilter
from receivables.forms import (
    AgingFilterForm,
    AttachmentForm,
    ContractForm,
    InvoiceForm,
    PaymentForm,
)
from receivables.models import ContractAttachment, PlanEntry

PER_PAGE = 50


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
@require_GET
def aging_page(request):
    form = AgingFilterForm(request.GET or None)
    group_by, as_of = "account", timezone.localdate()
    if form.is_bound and form.is_valid():
        group_by = form.cleaned_data["group_by"]
        as_of = form.cleaned_data["as_of"] or as_of
    result = selectors.aging(request.user, group_by=group_by, as_of=as_of)
    return render(
        request,
        "receivables/aging.html",
        {
            "form": form,
            "aging": result,
            "buckets": selectors.BUCKETS,
            "currency": settings.CRM_CURRENCY,
        },
    )


@login_required
@require_GET
def contract_list(request):
    contracts = selectors.contracts_with_balance(
        selectors.contracts_visible_to(request.user).select_related("account", "owner")
    )
    filterset = ContractFilter(request.GET or None, queryset=contracts)
    rows = filterset.qs if filterset.is_bound else contracts
    page = CappedPaginator(rows.order_by("-id"), PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "receivables/contract_list.html",
        {"filter": filterset, "page": page, "currency": settings.CRM_CURRENCY},
    )


@login_required
@require_http_methods(["GET", "POST"])
def contract_create(request):
    account = None
    source = request.POST if request.method == "POST" else request.GET
    fixed = request.method == "GET" or bool(request.POST.get("fixed_account"))
    account_id = _int(source.get("account")) if fixed else None
    if account_id:
        account = or_404(account_get_visible(request.user, account_id))
    initial = {"account": account.pk} if account is not None else {}
    form = ContractForm(request.POST or None, user=request.user, account=account, initial=initial)
    if request.method == "POST" and form.is_valid():
        contract = run_service(form, _save, request.user, None, form.cleaned_data)
        if contract:
            messages.success(request, _("Contract saved."))
            return redirect("receivables:contract_detail", contract.pk)
    return render(request, "receivables/contract_form.html", {"form": form, "account": account})


@transaction.atomic
def _save(actor, contract, data):
    data = dict(data)
    text = data.pop("terms", "") or ""
    if contract is None:
        contract = services.contract_create(actor=actor, data=data)
    else:
        contract = services.contract_update(actor=actor, contract=contract, data=data)
    if text.strip():
        services.contract_plan_set(
            actor=actor, contract=contract, terms=services.plan_terms_parse(text)
        )
    return contract


@login_required
@require_http_methods(["GET", "POST"])
def contract_edit(request, pk: int):
    contract = or_404(selectors.contract_get_visible(request.user, pk))
    form = ContractForm(
        request.POST or None, instance=contract, user=request.user, account=contract.account
    )
    if request.method == "POST" and form.is_valid():
        saved = run_service(form, _save, request.user, contract, form.cleaned_data)
        if saved:
            messages.success(request, _("Contract saved."))
            return redirect("receivables:contract_detail", contract.pk)
    return render(
        request,
        "receivables/contract_form.html",
        {"form": form, "contract": contract, "account": contract.account},
    )


def _detail_context(request, contract, **forms) -> dict:
    row = selectors.contracts_with_balance(
        selectors.contracts_visible_to(request.user).filter(pk=contract.pk)
    ).get()
    entries = selectors.entries_with_balance(
        PlanEntry.objects.filter(contract=contract).order_by("position", "id")
    )
    return {
        "contract": row,
        "entries": entries,
        "payments": selectors.payments_with_balance(contract.payments.order_by("-received_on")),
        "invoice_rows": [
            invoice
            for entry in contract.entries.prefetch_related("invoices")
            for invoice in entry.invoices.all()
        ],
        "attachments": contract.attachments.all(),
        "orders": contract.order_links.select_related("order"),
        "currency": settings.CRM_CURRENCY,
        "today": timezone.localdate(),
        "payment_form": forms.get("payment_form") or PaymentForm(),
        "invoice_form": forms.get("invoice_form") or InvoiceForm(contract=contract),
        "attachment_form": forms.get("attachment_form") or AttachmentForm(),
    }


@login_required
@require_http_methods(["GET", "POST"])
def contract_detail(request, pk: int):
    # Sight first: a contract outside the book answers 404 to any method, never 405.
    contract = or_404(selectors.contract_get_visible(request.user, pk))
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    return render(request, "receivables/contract_detail.html", _detail_context(request, contract))


@login_required
@require_POST
def contract_payment(request, pk: int):
    contract = or_404(selectors.contract_get_visible(request.user, pk))
    form = PaymentForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        payment = run_service(
            form,
            services.payment_record,
            actor=request.user,
            account=contract.account,
            contract=contract,
            amount=data["amount"],
            received_on=data["received_on"],
            reference=data["reference"],
            is_advance=data["is_advance"],
        )
        if payment:
            messages.success(request, _("Payment recorded."))
            return redirect("receivables:contract_detail", contract.pk)
    context = _detail_context(request, contract, payment_form=form)
    return render(request, "receivables/contract_detail.html", context, status=400)


@login_required
@require_POST
def contract_invoice(request, pk: int):
    contract = or_404(selectors.contract_get_visible(request.user, pk))
    form = InvoiceForm(request.POST, contract=contract)
    if form.is_valid():
        data = form.cleaned_data
        invoice = run_service(
            form,
            services.invoice_record,
            actor=request.user,
            entry=data["entry"],
            number=data["number"],
            issued_on=data["issued_on"],
            amount=data["amount"],
        )
        if invoice:
            messages.success(request, _("Invoice recorded."))
            return redirect("receivables:contract_detail", contract.pk)
    context = _detail_context(request, contract, invoice_form=form)
    return render(request, "receivables/contract_detail.html", context, status=400)


@login_required
@require_POST
def contract_attach(request, pk: int):
    contract = or_404(selectors.contract_get_visible(request.user, pk))
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        attachment = run_service(
            form,
            services.attachment_add,
            actor=request.user,
            contract=contract,
            upload=form.cleaned_data["file"],
        )
        if attachment:
            messages.success(request, _("File attached."))
            return redirect("receivables:contract_detail", contract.pk)
    context = _detail_context(request, contract, attachment_form=form)
    return render(request, "receivables/contract_detail.html", context, status=400)


@login_required
@require_GET
def attachment_download(request, pk: int):
    """The file, only when its contract is visible (never a public media URL)."""
    attachment = (
        ContractAttachment.objects.filter(
            pk=pk, contract__in=selectors.contracts_visible_to(request.user)
        )
        .select_related("contract")
        .first()
    )
    if attachment is None:
        raise Http404
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
