"""The downloadable file of rejected rows: the original cells plus the row number and why."""

import csv
import io
from collections.abc import Iterator
from pathlib import Path

from django.utils.translation import gettext as _

from accounts.exports import csv_safe
from accounts.imports.cleaning import error_message
from accounts.imports.models import ImportBatch
from accounts.imports.readers import open_table


def rejected_rows_csv(batch: ImportBatch) -> Iterator[bytes]:
    reasons: dict[int, list[str]] = {}
    for row, column, code, value in batch.row_errors.values_list(
        "row_number", "column", "code", "value"
    ).iterator(chunk_size=5000):
        text = error_message(code)
        if column:
            text = f"{column}: {text}"
        if value and code != "see_row":
            text += f" ({value})"
        elif code == "see_row":
            text += f" ({_('row')} {value})"
        reasons.setdefault(row, []).append(text)
    table = open_table(
        Path(batch.file.path),
        kind=batch.kind,
        file_format=batch.file_format,
        encoding=batch.encoding,
        sheet_name=batch.sheet_name,
        header_row=batch.header_row,
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow([_("Row"), _("Errors"), *[csv_safe(h) for h in table.headers]])
    for number, cells in table.rows():
        if number in reasons:
            writer.writerow([number, "; ".join(reasons[number]), *[csv_safe(c) for c in cells]])
            if buffer.tell() > 64 * 1024:
                yield buffer.getvalue().encode("utf-8")
                buffer.seek(0)
                buffer.truncate()
    yield buffer.getvalue().encode("utf-8")
