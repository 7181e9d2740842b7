"""Writes of contracts, payment plans, payments, invoices, order links and attachments.

Every write re-checks the actor's scope (the record's account in their book, a new owner
someone they may assign work to), runs in one transaction, and is audited. Balances are
never written: they are derived (`receivables.selectors`).

Rules kept here (the database backs the ones it can):
- amounts are Decimal to the cent and positive (a contract's may be 0);
- a plan never adds up to more than its contract's amount; an entry already paid (in part)
  is not replaced;
- a payment is allocated to the given entries, else to the entries of its contract (else of
  its account) oldest due first; an allocation never exceeds what its entry still owes, and a
  payment larger than what it pays is refused unless it is an advance (`is_advance`), whose
  remainder stays unallocated as the account's credit;
- the entries whose balances a payment or invoice checks are locked (`select_for_update`), so
  two payments at once never both take the same outstanding amount;
- an invoice never takes an entry past its amount.

Interfaces used by other apps' views and imports (keep names and shapes): `contract_create`,
`contract_update`, `contract_plan_set`, `plan_terms_parse`, `payment_record`, `payment_delete`,
`invoice_record`, `contract_order_link`, `attachment_add`.
"""

import datetime
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from accounts.models import Account, Order
from accounts.selectors import account_check_visible, accounts_visible_to
from core.audit import audit_created, audit_log, diff_fields, snapshot
from crm.models import User
from crm.selectors import users_assignable_by
from receivables.models import (
    Contract,
    ContractAttachment,
    ContractOrder,
    Invoice,
    Payment,
    PaymentAllocation,
    PlanEntry,
)
from receivables.selectors import (
    RECEIVABLE_STATUSES,
    ZERO,
    contracts_visible_to,
    entries_with_balance,
)

CENT = Decimal("0.01")
CONTRACT_FIELDS = [
    "account",
    "number",
    "title",
    "signed_on",
    "amount",
    "end_on",
    "delivered_on",
    "accepted_on",
    "owner",
    "status",
    "notes",
]
# Days the plan's arithmetic (an event's date plus N days, aging's day minus 90) can take.
MIN_DAY = datetime.date(1900, 1, 1)
MAX_DAY = datetime.date(2999, 12, 31)
DATE_FIELDS = ("signed_on", "end_on", "delivered_on", "accepted_on")
PAYMENT_FIELDS = ["account", "contract", "received_on", "amount", "reference", "is_advance"]


def money(value: Any, field: str) -> Decimal:
    """A money amount as Decimal to the cent; a float, a non-number or more than two decimal
    places is refused (no silent rounding of money)."""
    if isinstance(value, float):
        raise ValidationError({field: _("Give the amount as a decimal number, not a float.")})
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("Enter an amount such as 1234.50.")}) from None
    if not amount.is_finite() or amount != amount.quantize(CENT):
        raise ValidationError({field: _("An amount has at most two decimal places.")})
    return amount.quantize(CENT)


# --- contracts ---------------------------------------------------------------------------------


def _check_owner(actor: User, owner: User | None, *, current: User | None = None) -> None:
    if owner is None:
        raise ValidationError({"owner": _("Choose an active user you may assign work to.")})
    if current is not None and owner.pk == current.pk:
        return  # keeping the owner (even one who left) is no change
    if not users_assignable_by(actor).filter(pk=owner.pk).exists():
        raise ValidationError({"owner": _("Choose an active user you may assign work to.")})


def _apply_contract(contract: Contract, data: Mapping[str, Any]) -> None:
    for name, value in data.items():
        if name not in CONTRACT_FIELDS:
            raise ValidationError({name: _("This field cannot be set here.")})
        if isinstance(value, str):
            value = value.strip()
        if name == "amount":
            value = money(value, "amount")
        if name in DATE_FIELDS and value is not None and not MIN_DAY <= value <= MAX_DAY:
            raise ValidationError({name: _("Give a day between 1900 and 2999.")})
        setattr(contract, name, value)
    if not contract.number:
        raise ValidationError({"number": _("Give the contract a number.")})
    if contract.amount is None or contract.amount < 0:
        raise ValidationError({"amount": _("The amount cannot be negative.")})
    if contract.end_on and contract.signed_on and contract.end_on < contract.signed_on:
        raise ValidationError({"end_on": _("The term cannot end before the signing date.")})


def _save_contract(contract: Contract) -> None:
    try:
        with transaction.atomic():
            contract.save()
    except IntegrityError:
        if Contract.objects.filter(number=contract.number).exclude(pk=contract.pk).exists():
            raise ValidationError(
                {"number": _("Another contract already has this number.")}
            ) from None
        raise


@transaction.atomic
def contract_create(*, actor: User, data: Mapping[str, Any]) -> Contract:
    """A new contract of an account the actor sees, owned by `owner` (default: the actor)."""
    data = dict(data)
    data.setdefault("owner", actor)
    data.setdefault("status", Contract.Status.ACTIVE)
    account_check_visible(actor, data.get("account"))
    _check_owner(actor, data.get("owner"))
    contract = Contract(created_by=actor, amount=None)
    _apply_contract(contract, data)
    _save_contract(contract)
    audit_created(
        actor=actor, instance=contract, fields=CONTRACT_FIELDS, account_id=contract.account_id
    )
    return contract


@transaction.atomic
def contract_update(*, actor: User, contract: Contract, data: Mapping[str, Any]) -> Contract:
    """Change a contract the actor sees. Its account changes only while nothing is paid on
    it, and only to another account of the actor's book."""
    contract = _locked_visible(actor, contract)
    before = snapshot(contract, CONTRACT_FIELDS)
    old_owner, old_account_id = contract.owner, contract.account_id
    _apply_contract(contract, data)
    if contract.account_id != old_account_id:
        account_check_visible(actor, contract.account)
        if (
            contract.payments.exists()
            or PaymentAllocation.objects.filter(entry__contract=contract).exists()
        ):
            raise ValidationError({"account": _("A contract with payments keeps its account.")})
    _check_owner(actor, contract.owner, current=old_owner)
    _save_contract(contract)
    changes = diff_fields(before, snapshot(contract, CONTRACT_FIELDS))
    if changes:
        audit_log(
            actor=actor,
            action="update",
            instance=contract,
            account_id=contract.account_id,
            changes=changes,
        )
    return contract


def _locked_visible(actor: User, contract: Contract) -> Contract:
    locked = contracts_visible_to(actor).select_for_update().filter(pk=contract.pk).first()
    if locked is None:
        raise ValidationError({"contract": _("Select a contract you can see.")})
    return locked


# --- payment plans -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanTerm:
    """One instalment as entered: a percent of the contract's amount or an amount, due on a
    date or `days_after` an event."""

    label: str = ""
    percent: Decimal | None = None
    amount: Decimal | None = None
    due_date: datetime.date | None = None
    event: str = ""
    days_after: int | None = None


_TERM = re.compile(
    r"^\s*(?P<value>\d+(?:\.\d+)?)(?P<pct>%?)\s+"
    r"(?:(?P<date>\d{4}-\d{2}-\d{2})|(?P<event>[a-z]+)(?:\s*\+\s*(?P<days>\d+))?)\s*$"
)


def plan_terms_parse(text: str) -> list[PlanTerm]:
    """Terms as typed, one per line or separated by ";": "30% signing", "60% delivery +30",
    "10% acceptance +90", "5000 2027-03-31". Raises a ValidationError naming the line."""
    terms = []
    events = {e.value for e in PlanEntry.Event}
    parts = [p for p in re.split(r"[;\n]", text) if p.strip()]
    for number, part in enumerate(parts, start=1):
        m = _TERM.match(part)
        if m is None or (m["event"] and m["event"] not in events):
            raise ValidationError(
                {
                    "terms": _(
                        'Line %(n)s: write "30%% signing", "60%% delivery +30" or '
                        '"5000 2027-03-31" (events: signing, delivery, acceptance).'
                    )
                    % {"n": number}
                }
            )
        value = Decimal(m["value"])
        due_date = None
        if m["date"]:
            try:
                due_date = datetime.date.fromisoformat(m["date"])
            except ValueError:
                raise ValidationError(
                    {"terms": _("Line %(n)s: not a date.") % {"n": number}}
                ) from None
        terms.append(
            PlanTerm(
                label=part.strip()[:100],
                percent=value if m["pct"] else None,
                amount=None if m["pct"] else money(value, "terms"),
                due_date=due_date,
                event=m["event"] or "",
                days_after=(int(m["days"] or 0)) if m["event"] else None,
            )
        )
    return terms


def _entries_from_terms(contract: Contract, terms: Sequence[PlanTerm]) -> list[PlanEntry]:
    entries = []
    for position, term in enumerate(terms, start=1):
        if (term.percent is None) == (term.amount is None):
            raise ValidationError({"terms": _("Give each entry a percent or an amount.")})
        if term.percent is not None:
            if not Decimal(0) < term.percent <= 100:
                raise ValidationError({"terms": _("A percent lies between 0 and 100.")})
            amount = (contract.amount * term.percent / 100).quantize(CENT, ROUND_HALF_UP)
        else:
            amount = money(term.amount, "terms")
        if amount <= 0:
            raise ValidationError({"terms": _("Each entry's amount must be above zero.")})
        if (term.due_date is None) == (not term.event):
            raise ValidationError(
                {"terms": _('Give each entry a due date or a rule "N days after an event".')}
            )
        if term.event and term.event not in PlanEntry.Event.values:
            raise ValidationError({"terms": _("Unknown event: %(e)s") % {"e": term.event}})
        entries.append(
            PlanEntry(
                contract=contract,
                position=position,
                label=term.label[:100],
                percent=term.percent,
                amount=amount,
                due_date=term.due_date,
                event=term.event,
                days_after=(term.days_after or 0) if term.event else None,
            )
        )
    percents = [e for e in entries if e.percent is not None]
    if percents and sum(e.percent for e in percents) == 100 and len(percents) == len(entries):
        # Percents adding up to 100 give exactly the contract's amount: the last takes the
        # cents that rounding left over.
        percents[-1].amount += contract.amount - sum(e.amount for e in entries)
    if sum(e.amount for e in entries) > contract.amount:
        raise ValidationError({"terms": _("The plan adds up to more than the contract's amount.")})
    return entries


@transaction.atomic
def contract_plan_set(
    *, actor: User, contract: Contract, terms: Sequence[PlanTerm]
) -> list[PlanEntry]:
    """Replace the contract's payment plan by `terms` (none of its entries may be paid or
    invoiced yet)."""
    contract = _locked_visible(actor, contract)
    if PaymentAllocation.objects.filter(entry__contract=contract).exists() or (
        Invoice.objects.filter(entry__contract=contract).exists()
    ):
        raise ValidationError(
            {"terms": _("Payments or invoices are recorded on this plan: it cannot be replaced.")}
        )
    entries = _entries_from_terms(contract, terms)
    before = list(contract.entries.values_list("amount", flat=True))
    contract.entries.all().delete()
    PlanEntry.objects.bulk_create(entries)
    audit_log(
        actor=actor,
        action="update",
        instance=contract,
        account_id=contract.account_id,
        changes={"plan": ([str(a) for a in before], [str(e.amount) for e in entries])},
    )
    return entries


# --- payments ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Allocation:
    entry: PlanEntry
    amount: Decimal


def _open_entries(account: Account, contract: Contract | None) -> list:
    """The entries a payment may pay, locked, oldest due first (undated ones last), each
    with its current `outstanding`."""
    scope = PlanEntry.objects.filter(contract__status__in=RECEIVABLE_STATUSES)
    scope = scope.filter(contract=contract) if contract else scope.filter(contract__account=account)
    # Lock first (plain rows, no aggregates: FOR UPDATE refuses GROUP BY), then read balances.
    list(scope.select_for_update(of=("self",)).order_by("pk").values_list("pk", flat=True))
    return list(
        entries_with_balance(scope)
        .filter(outstanding__gt=0)
        .order_by(F("due").asc(nulls_last=True), "contract_id", "position", "pk")
    )


def _allocate_given(
    payment_amount: Decimal, given: Sequence[tuple[PlanEntry, Any]], open_by_pk: dict
) -> list[Allocation]:
    allocations, seen = [], set()
    for entry, raw in given:
        amount = money(raw, "allocations")
        entry_open = open_by_pk.get(entry.pk)
        if entry_open is None or entry.pk in seen:
            raise ValidationError(
                {
                    "allocations": _(
                        "Entry %(id)s is not an open entry of this payment's contract or account."
                    )
                    % {"id": entry.pk}
                }
            )
        if amount <= 0 or amount > entry_open.outstanding:
            raise ValidationError(
                {
                    "allocations": _(
                        "Entry %(id)s still owes %(owed)s: allocate more than 0 and no more."
                    )
                    % {"id": entry.pk, "owed": entry_open.outstanding}
                }
            )
        seen.add(entry.pk)
        allocations.append(Allocation(entry_open, amount))
    if sum((a.amount for a in allocations), ZERO) > payment_amount:
        raise ValidationError(
            {"allocations": _("The allocations add up to more than the payment.")}
        )
    return allocations


def _allocate_oldest_first(amount: Decimal, open_entries: list) -> list[Allocation]:
    allocations, left = [], amount
    for entry in open_entries:
        if left <= 0:
            break
        part = min(left, entry.outstanding)
        allocations.append(Allocation(entry, part))
        left -= part
    return allocations


@transaction.atomic
def payment_record(
    *,
    actor: User,
    account: Account,
    amount: Any,
    received_on: datetime.date,
    contract: Contract | None = None,
    reference: str = "",
    is_advance: bool = False,
    allocations: Sequence[tuple[PlanEntry, Any]] | None = None,
    notes: str = "",
    import_batch=None,
) -> Payment:
    """Record money received from `account` (for `contract` when given) and allocate it: to
    `allocations` when given, else oldest due first. Refused when it is larger than what it
    pays, unless `is_advance`."""
    account_check_visible(actor, account)
    amount = money(amount, "amount")
    if amount <= 0:
        raise ValidationError({"amount": _("A payment's amount must be above zero.")})
    if received_on is None or not MIN_DAY <= received_on <= MAX_DAY:
        raise ValidationError({"received_on": _("Give the day the money was received.")})
    if contract is not None and contract.account_id != account.pk:
        raise ValidationError({"contract": _("Choose a contract of the payment's account.")})
    open_entries = _open_entries(account, contract)
    if allocations:
        parts = _allocate_given(amount, allocations, {e.pk: e for e in open_entries})
    else:
        parts = _allocate_oldest_first(amount, open_entries)
    allocated = sum((p.amount for p in parts), ZERO)
    if allocated < amount and not is_advance:
        raise ValidationError(
            {
                "amount": _(
                    "The payment (%(amount)s) is larger than what it pays (%(owed)s): lower it, "
                    "or mark it as an advance."
                )
                % {"amount": amount, "owed": allocated}
            }
        )
    payment = Payment.objects.create(
        account=account,
        contract=contract,
        received_on=received_on,
        amount=amount,
        reference=(reference or "").strip()[:100],
        is_advance=is_advance,
        notes=notes,
        import_batch=import_batch,
        created_by=actor,
    )
    PaymentAllocation.objects.bulk_create(
        PaymentAllocation(payment=payment, entry=p.entry, amount=p.amount) for p in parts
    )
    audit_created(
        actor=actor,
        instance=payment,
        fields=PAYMENT_FIELDS,
        account_id=account.pk,
        also={"allocations": {str(p.entry.pk): str(p.amount) for p in parts}},
    )
    return payment


@transaction.atomic
def payment_delete(*, actor: User, payment: Payment) -> None:
    """Delete a payment the actor sees, and its allocations (the entries owe again)."""
    account_check_visible(actor, payment.account)
    audit_log(
        actor=actor,
        action="delete",
        instance=payment,
        account_id=payment.account_id,
        changes=diff_fields(snapshot(payment, PAYMENT_FIELDS), {}),
    )
    payment.delete()


# --- invoices, orders, attachments -------------------------------------------------------------


@transaction.atomic
def invoice_record(
    *, actor: User, entry: PlanEntry, number: str, issued_on: datetime.date, amount: Any
) -> Invoice:
    """An invoice issued against a plan entry of a contract the actor sees; the entry's
    invoices never add up to more than its amount."""
    _locked_visible(actor, entry.contract)
    entry = PlanEntry.objects.select_for_update().get(pk=entry.pk)
    amount = money(amount, "amount")
    if amount <= 0:
        raise ValidationError({"amount": _("An invoice's amount must be above zero.")})
    number = (number or "").strip()
    if not number:
        raise ValidationError({"number": _("Give the invoice a number.")})
    invoiced = sum(entry.invoices.values_list("amount", flat=True), ZERO)
    if invoiced + amount > entry.amount:
        raise ValidationError(
            {
                "amount": _("The entry's invoices would add up to more than its amount (%(a)s).")
                % {"a": entry.amount}
            }
        )
    invoice = Invoice(
        entry=entry, number=number, issued_on=issued_on, amount=amount, created_by=actor
    )
    try:
        with transaction.atomic():
            invoice.save()
    except IntegrityError:
        raise ValidationError({"number": _("Another invoice already has this number.")}) from None
    audit_created(
        actor=actor,
        instance=invoice,
        fields=["entry", "number", "issued_on", "amount"],
        account_id=entry.contract.account_id,
    )
    return invoice


@transaction.atomic
def contract_order_link(*, actor: User, contract: Contract, order: Order) -> ContractOrder:
    """Make `order` (of the contract's account) belong to the contract."""
    contract = _locked_visible(actor, contract)
    if (
        order.account_id != contract.account_id
        or not accounts_visible_to(actor).filter(pk=order.account_id).exists()
    ):
        raise ValidationError({"order": _("Choose an order of the contract's account.")})
    try:
        with transaction.atomic():
            link = ContractOrder.objects.create(contract=contract, order=order)
    except IntegrityError:
        raise ValidationError({"order": _("This order already belongs to a contract.")}) from None
    audit_created(
        actor=actor, instance=link, fields=["contract", "order"], account_id=contract.account_id
    )
    return link


# Allowed attachment types: extension -> (content type, check of the file's first bytes).
ATTACHMENT_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def sniff_type(upload: UploadedFile) -> str | None:
    """The kind the file's content shows (pdf, png, jpg, docx, xlsx), None for any other."""
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(upload).namelist()
        except zipfile.BadZipFile:
            return None
        finally:
            upload.seek(0)
        if "[Content_Types].xml" in names:
            if any(n.startswith("word/") for n in names):
                return "docx"
            if any(n.startswith("xl/") for n in names):
                return "xlsx"
    return None


@transaction.atomic
def attachment_add(*, actor: User, contract: Contract, upload: UploadedFile) -> ContractAttachment:
    """Keep a file with a contract: at most CRM_ATTACHMENT_MAX_BYTES, a pdf, png, jpg, docx
    or xlsx by its content (its extension must say the same)."""
    contract = _locked_visible(actor, contract)
    limit = settings.CRM_ATTACHMENT_MAX_BYTES
    if upload.size is None or upload.size > limit:
        raise ValidationError(
            {"file": _("The file is larger than %(mb)s MB.") % {"mb": round(limit / 1048576, 1)}}
        )
    name = (upload.name or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1][:200]
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    kind = sniff_type(upload)
    expected = {"jpeg": "jpg"}.get(extension, extension)
    if kind is None or kind != expected:
        raise ValidationError(
            {"file": _("Attach a PDF, PNG, JPG, DOCX or XLSX file (checked by its content).")}
        )
    attachment = ContractAttachment(
        contract=contract,
        name=name,
        content_type=ATTACHMENT_TYPES[extension],
        size=upload.size,
        uploaded_by=actor,
    )
    attachment.file.save(name, upload, save=False)
    attachment.save()
    audit_created(
        actor=actor,
        instance=attachment,
        fields=["contract", "name", "content_type", "size"],
        account_id=contract.account_id,
    )
    return attachment
