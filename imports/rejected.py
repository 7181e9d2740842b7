"""The downloadable file of rejected rows and rows with warnings: the original cells plus the
row number, why it was rejected and what was done with its cells, written by the exports'
CSV writer (every cell escaped against formulas)."""

from collections.abc import Iterator
from pathlib import Path

from django.http import Http404, StreamingHttpResponse
from django.utils.translation import gettext as _

from accounts.exports import csv_stream
from imports.models import ImportBatch, ImportRowError
from imports.upload.cleaning import error_message
from imports.upload.readers import open_table


def rejected_rows_response(batch: ImportBatch) -> StreamingHttpResponse:
    """The download of the batch's rejected rows (the page's and the API's); 404 when the batch
    has no file and no rejected row or warning."""
    if not batch.file or not batch.row_errors.exists():
        raise Http404
    response = StreamingHttpResponse(
        rejected_rows_csv(batch), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="rejected-rows-{batch.pk}.csv"'
    return response


def rejected_rows_csv(batch: ImportBatch) -> Iterator[bytes]:
    reasons: dict[int, list[str]] = {}
    warnings: dict[int, list[str]] = {}
    for row, column, code, value, level in batch.row_errors.values_list(
        "row_number", "column", "code", "value", "level"
    ).iterator(chunk_size=5000):
        text = error_message(code)
        if column:
            text = f"{column}: {text}"
        if value and code != "see_row":
            text += f" ({value})"
        elif code == "see_row":
            text += f" ({_('row')} {value})"
        into = warnings if level == ImportRowError.Level.WARNING else reasons
        into.setdefault(row, []).append(text)
    table = open_table(
        Path(batch.file.path),
        kind=batch.kind,
        file_format=batch.file_format,
        encoding=batch.encoding,
        sheet_name=batch.sheet_name,
        header_row=batch.header_row,
    )
    rows = (
        (number, "; ".join(reasons.get(number, ())), "; ".join(warnings.get(number, ())), *cells)
        for number, cells in table.rows()
        if number in reasons or number in warnings
    )
    # Every cell (the reasons too: they quote the file's headers and values) is escaped.
    yield from csv_stream([_("Row"), _("Errors"), _("Warnings"), *table.headers], rows)
