"""Accounts, contacts and orders out as CSV or xlsx, through the visibility rule; and the
project's only CSV and xlsx writers (`csv_stream`, `xlsx_file`), which every download uses
(exports, the dashboard's tables, the worksheet comparison, rejected import rows).

Every cell of every file, headers included, goes through one rule: text that a spreadsheet
would run as a formula (`formula_like`: = + - @, tab, carriage return) is escaped, with a
leading ' in CSV (`csv_safe`) and as a quote-prefixed text cell in xlsx (never a formula).
Rows stream from a server-side cursor, so a big book does not sit in memory.
"""

import csv
import datetime
import io
import tempfile
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import Any, TypedDict

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.filters import AccountFilter, ContactFilter, OrderFilter
from accounts.selectors import accounts_visible_to, contacts_visible_to, orders_visible_to
from core.filters import FilterSet
from crm.models import User

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ITER_CHUNK = 5000


class ExportSpec(TypedDict):
    label: str | Promise
    selector: Callable[[User], QuerySet[Any]]
    filter: type[FilterSet]
    order: tuple[str, ...]
    columns: list[tuple[str, str | Promise]]


EXPORTS: dict[str, ExportSpec] = {
    "accounts": {
        "label": _("Accounts"),
        "selector": accounts_visible_to,
        "filter": AccountFilter,
        "order": ("name", "id"),
        "columns": [
            ("id", "ID"),
            ("name", _("Account name")),
            ("uscc", _("Unified social credit code")),
            ("external_code", _("Customer code")),
            ("industry", _("Industry")),
            ("territory__name", _("Territory")),
            ("channel", _("Channel")),
            ("lifecycle", _("Lifecycle")),
            ("source", _("Source")),
            ("tier", _("Tier")),
            ("owner__username", _("Owner")),
            ("address", _("Address")),
            ("phone", _("Company phone")),
            ("website", _("Website")),
            ("revenue_potential", _("Revenue potential")),
            ("notes", _("Notes")),
            ("created_at", _("Created")),
        ],
    },
    "contacts": {
        "label": _("Contacts"),
        "selector": contacts_visible_to,
        "filter": ContactFilter,
        "order": ("account_id", "id"),
        "columns": [
            ("id", "ID"),
            ("account_id", _("Account ID")),
            ("account__name", _("Account name")),
            ("name", _("Contact name")),
            ("title", _("Contact title")),
            ("role", _("Buying role")),
            ("phone", _("Contact phone")),
            ("email", _("Contact email")),
            ("chat_handle", _("Chat handle (WeChat, QQ)")),
            ("birthday_year", _("Birth year")),
            ("birthday_month", _("Birthday month")),
            ("birthday_day", _("Birthday day")),
            ("interests", _("Contact interests")),
        ],
    },
    "orders": {
        "label": _("Orders"),
        "selector": orders_visible_to,
        "filter": OrderFilter,
        "order": ("-date", "-id"),
        "columns": [
            ("id", "ID"),
            ("account_id", _("Account ID")),
            ("account__name", _("Account name")),
            ("account__external_code", _("Customer code")),
            ("date", _("Date")),
            ("amount", _("Amount")),
            ("quantity", _("Quantity")),
            ("unit_price", _("Unit price")),
            ("invoice_number", _("Invoice number")),
            ("product", _("Product")),
            ("profit", _("Profit")),
        ],
    },
}


def formula_like(text: str) -> bool:
    """Whether a spreadsheet would run this text as a formula (or its start as one)."""
    return text.startswith(FORMULA_STARTS)


def csv_safe(value) -> str:
    """A cell's text for CSV, with formula-like text neutralised by a leading '."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = str(value)
    if formula_like(text):
        return "'" + text
    return text


def _column_field(model: type[models.Model], path: str) -> models.Field | None:
    """The model field a `values_list` path such as "territory__name" ends at."""
    *relations, last = path.split("__")
    try:
        for name in relations:
            related = model._meta.get_field(name).related_model
            if related is None or isinstance(related, str):
                return None
            model = related
        field = model._meta.get_field(last)
    except FieldDoesNotExist:
        return None
    return field if isinstance(field, models.Field) else None


def _converter(field: models.Field | None) -> Callable[[Any], Any]:
    """How one column's raw value reads in the file: a choice's label (as text in the active
    language, taken now: a streamed file is written after the view returned), a date-time in
    the app's time zone (settings.TIME_ZONE) without its offset, anything else as it is."""
    if field is not None and field.choices and not field.is_relation:
        labels = {value: str(label) for value, label in field.flatchoices}
        return lambda value: labels.get(value, value)
    if isinstance(field, models.DateTimeField):
        zone = timezone.get_default_timezone()
        return lambda value: (
            timezone.localtime(value, zone).replace(tzinfo=None)
            if isinstance(value, datetime.datetime) and timezone.is_aware(value)
            else value
        )
    return lambda value: value


def export_queryset(user: User, entity: str, params: QueryDict) -> QuerySet[Any]:
    """The records of one export: the caller's book, narrowed by the account list's filters
    (for contacts and orders: to those of the accounts the list shows) and by the entity's own
    filters (`account`, `role`; `date_from`, `date_to`, `invoice_number`)."""
    spec = EXPORTS[entity]
    queryset = spec["selector"](user)
    if entity == "accounts":
        return AccountFilter(params, queryset=queryset).qs
    account_params = [key for key in AccountFilter.base_filters if params.get(key, "") != ""]
    if account_params:
        accounts = AccountFilter(params, queryset=accounts_visible_to(user)).qs
        queryset = queryset.filter(account__in=accounts.values("pk"))
    own = params.copy()
    for key in AccountFilter.base_filters:
        own.pop(key, None)  # "q" is the account list's search here, not the contacts' own
    return spec["filter"](own, queryset=queryset).qs


def export_rows(user: User, entity: str, params: QueryDict) -> tuple[list[str], Iterator[tuple]]:
    """Headers and rows of one export, filtered by `params` (the list's query string), in the
    active language: headers and choices' labels translated, date-times in the app's zone."""
    spec = EXPORTS[entity]
    queryset = export_queryset(user, entity, params).order_by(*spec["order"])
    fields = [f for f, _label in spec["columns"]]
    headers = [str(label) for _f, label in spec["columns"]]
    converters = [_converter(_column_field(queryset.model, f)) for f in fields]

    def rows() -> Iterator[tuple]:
        for row in queryset.values_list(*fields).iterator(chunk_size=ITER_CHUNK):
            yield tuple(convert(value) for convert, value in zip(converters, row, strict=True))

    return headers, rows()


def csv_stream(headers: list[str], rows: Iterable[tuple]) -> Iterator[bytes]:
    """UTF-8 with a BOM, so that Excel opens Chinese text correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow([csv_safe(h) for h in headers])
    for i, row in enumerate(rows, 1):
        writer.writerow([csv_safe(v) for v in row])
        if i % 1000 == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def xlsx_file(headers: list[str], rows: Iterable[tuple], *, sheet: str = "Sheet1"):
    """A temp file holding the workbook (written row by row in constant memory)."""
    import xlsxwriter

    handle = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response
    workbook = xlsxwriter.Workbook(
        handle,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "remove_timezone": True,
        },
    )
    worksheet = workbook.add_worksheet(sheet[:31])
    quoted = workbook.add_format({"quote_prefix": True})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    bold = workbook.add_format({"bold": True})
    bold_quoted = workbook.add_format({"bold": True, "quote_prefix": True})
    for c, header in enumerate(headers):
        text = str(header)
        worksheet.write_string(0, c, text, bold_quoted if formula_like(text) else bold)
    for r, row in enumerate(rows, 1):
        for c, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, bool):
                worksheet.write_boolean(r, c, value)
            elif isinstance(value, int | float | Decimal):
                worksheet.write_number(r, c, float(value))
            elif isinstance(value, datetime.datetime):
                worksheet.write_string(r, c, value.isoformat(sep=" ", timespec="seconds"))
            elif isinstance(value, datetime.date):
                worksheet.write_datetime(r, c, value, date_format)
            else:
                text = str(value)
                if formula_like(text):
                    worksheet.write_string(r, c, text, quoted)
                else:
                    worksheet.write_string(r, c, text)
    workbook.close()
    handle.seek(0)
    return handle
