"""Reading import files safely and as streams.

- A size cap (settings.CRM_IMPORT_MAX_BYTES) for every file.
- xlsx: before any parser sees it, the zip is checked: number of entries, declared and actual
  uncompressed sizes and compression ratios (zip bombs), and every XML part is scanned for a
  DTD or entity declaration (billion laughs, external entities), which real workbooks never
  contain. Only then does python-calamine (Rust, no entity expansion) read the sheet.
- CSV: the encoding is detected (BOM, then strict UTF-8, then GB18030 — a superset of GBK and
  GB2312 — then charset-normalizer) or chosen; the file is decoded and parsed incrementally, so
  a million rows never sit in memory at once.

Every cell comes out as a string ("" when empty); numbers that Excel stores as floats come out
without a spurious ".0", dates as ISO text.
"""

import codecs
import csv
import datetime
import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from accounts.imports.fields import match_header

SAMPLE_BYTES = 256 * 1024
HEADER_SCAN_ROWS = 20
_XML_SCAN_CHUNK = 1024 * 1024
_FORBIDDEN_XML = (b"<!DOCTYPE", b"<!ENTITY", b"<!doctype", b"<!entity")


class FileRejected(Exception):
    """The file cannot be imported at all; nothing is written. `str(exc)` says why."""


def detect_format(file_name: str, head: bytes) -> str:
    suffix = Path(file_name or "").suffix.lower()
    if head.startswith(b"PK\x03\x04"):
        if suffix in ("", ".xlsx", ".xlsm"):
            return "xlsx"
        raise FileRejected(_("This file is a zip archive, not a CSV or Excel workbook."))
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    if suffix in (".xlsx", ".xlsm", ".xls"):
        raise FileRejected(_("This file is not a valid Excel workbook."))
    if b"\x00" in head[:4096] and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FileRejected(_("This file is not a text (CSV) file or an Excel workbook."))
    return "csv"


def check_size(size: int) -> None:
    limit = settings.CRM_IMPORT_MAX_BYTES
    if size > limit:
        raise FileRejected(
            _("The file is %(size)s MB; the limit is %(limit)s MB.")
            % {"size": round(size / 1048576, 1), "limit": round(limit / 1048576, 1)}
        )
    if size == 0:
        raise FileRejected(_("The file is empty."))


def check_xlsx(path: Path) -> None:
    """Refuse zip bombs and XML with a DTD before any XML parser runs."""
    max_total = settings.CRM_IMPORT_MAX_UNZIPPED_BYTES
    max_ratio = settings.CRM_IMPORT_MAX_ZIP_RATIO
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise FileRejected(_("This file is not a valid Excel workbook.")) from exc
    with archive:
        infos = archive.infolist()
        if len(infos) > 10_000:
            raise FileRejected(_("The workbook has too many parts to be a spreadsheet."))
        declared = 0
        for info in infos:
            declared += info.file_size
            ratio = info.file_size / max(info.compress_size, 1)
            if declared > max_total or (info.file_size > 1_000_000 and ratio > max_ratio):
                raise FileRejected(
                    _("The workbook expands to far more data than it holds (a zip bomb?).")
                )
        if "xl/workbook.xml" not in archive.namelist():
            raise FileRejected(_("This file is not a valid Excel workbook."))
        actual = 0
        for info in infos:
            if info.is_dir():
                continue
            tail = b""
            try:
                with archive.open(info) as part:
                    while chunk := part.read(_XML_SCAN_CHUNK):
                        actual += len(chunk)
                        if actual > max_total:
                            raise FileRejected(
                                _(
                                    "The workbook expands to far more data than it holds "
                                    "(a zip bomb?)."
                                )
                            )
                        window = tail + chunk
                        if any(marker in window for marker in _FORBIDDEN_XML):
                            raise FileRejected(
                                _(
                                    "The workbook contains XML entity declarations, which "
                                    "are refused for safety."
                                )
                            )
                        tail = chunk[-16:]
            except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
                raise FileRejected(_("This file is not a valid Excel workbook.")) from exc
            except RuntimeError as exc:  # encrypted entry
                raise FileRejected(_("Password-protected workbooks cannot be imported.")) from exc


def detect_encoding(sample: bytes) -> str:
    """Name of the encoding of a CSV sample (as Python's codecs name it)."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    # The sample may end inside a multi-byte character: let the last 3 bytes go.
    for encoding in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
        except UnicodeDecodeError:
            continue
        return encoding
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    if best is None:
        raise FileRejected(_("The file's text encoding could not be recognised; choose it."))
    return best.encoding


def _sniff_delimiter(text: str) -> str:
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    if not lines:
        return ","
    best, best_score = ",", -1
    for delimiter in (",", "\t", ";", "|"):
        counts = [line.count(delimiter) for line in lines]
        if not counts or max(counts) == 0:
            continue
        # Prefer a delimiter that splits most lines the same number of times.
        common = max(set(counts), key=counts.count)
        score = counts.count(common) * 100 + common
        if common and score > best_score:
            best, best_score = delimiter, score
    return best


def _excel_text(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return str(value)
    return str(value).strip()


def _clean_cells(cells) -> list[str]:
    # Most cells are text: test the exact type (cheaper than isinstance) and convert the
    # others, whose text has no surrounding blanks to strip.
    return [c.strip() if c.__class__ is str else _excel_text(c) for c in cells]


@dataclass
class Table:
    """An opened sheet: header detection done, rows still to be streamed."""

    format: str
    headers: list[str]
    header_row: int  # 1-based row number of the header in the sheet or file
    sheet_names: list[str] = field(default_factory=list)
    sheet_name: str = ""
    encoding: str = ""
    delimiter: str = ""
    _rows: Iterator[tuple[int, list[str]]] | None = None
    fraction: Callable[[], float] = lambda: 0.0  # share of the file read so far, for progress

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(row number, cells) for every non-blank row after the header."""
        if self._rows is None:
            raise RuntimeError("rows() called before the reader opened its file")
        return self._rows


def _header_score(kind: str, cells: list[str]) -> int:
    return sum(1 for c in cells if c and match_header(kind, c))


def _pick_header(kind: str, first_rows: list[tuple[int, list[str]]], header_row: int) -> int:
    """Index into first_rows of the header: the given one, or the best synonym match."""
    if header_row:
        for i, (number, _cells) in enumerate(first_rows):
            if number == header_row:
                return i
        raise FileRejected(_("Row %(n)s is not in the file.") % {"n": header_row})
    best, best_score = 0, 0
    for i, (_number, cells) in enumerate(first_rows):
        score = _header_score(kind, cells)
        if score > best_score:
            best, best_score = i, score
    return best


def _merged_ranges(merged) -> list[tuple[int, int, int, int]]:
    """calamine's 0-based ((r0, c0), (r1, c1)) as 1-based rows, 0-based columns."""
    return [(r0 + 1, c0, r1 + 1, c1) for (r0, c0), (r1, c1) in merged or []]


def _group_header_below(kind, rows, index, merged) -> int:
    """A header row whose merged group titles ("联系人" over two columns) have sub-headers in
    the row below: the row below is the real header row."""
    number = rows[index][0]
    if index + 1 >= len(rows) or rows[index + 1][0] != number + 1:
        return index
    below = rows[index + 1][1]
    for r0, c0, r1, c1 in merged:
        if (
            r0 == number == r1
            and c1 > c0
            and any(c < len(below) and below[c] for c in range(c0, c1 + 1))
        ):
            return index + 1
    return index


def _fill_merged_headers(kind, rows, index, merged) -> list[str]:
    """Header names with merged cells spread over the columns they cover, and a merged group
    title above the header row joined to each sub-header ("联系人" + "手机" → "联系人手机")."""
    number, cells = rows[index]
    grid = dict(rows)
    width = max(len(c) for _n, c in rows)
    headers = [*cells, *[""] * (width - len(cells))]
    parents = [""] * width
    for r0, c0, r1, c1 in merged:
        top = grid.get(r0, [])
        value = top[c0] if c0 < len(top) else ""
        if not value:
            continue
        for c in range(c0, min(c1 + 1, width)):
            if r0 <= number <= r1 and not headers[c]:
                headers[c] = value
            elif r1 < number and r1 == number - 1:
                parents[c] = value
    for c in range(width):
        parent, child = parents[c], headers[c]
        if parent and child and parent != child:
            combined = parent + child
            if match_header(kind, combined) or not match_header(kind, child):
                headers[c] = combined
    return headers


def open_table(
    path: Path,
    *,
    kind: str,
    file_format: str,
    encoding: str = "",
    sheet_name: str = "",
    header_row: int = 0,
) -> Table:
    if file_format == "csv":
        return _open_csv(path, kind=kind, encoding=encoding, header_row=header_row)
    return _open_workbook(
        path, kind=kind, file_format=file_format, sheet_name=sheet_name, header_row=header_row
    )


def _open_csv(path: Path, *, kind: str, encoding: str, header_row: int) -> Table:
    size = path.stat().st_size
    with path.open("rb") as fh:
        sample = fh.read(SAMPLE_BYTES)
    if not encoding:
        encoding = detect_encoding(sample)
    try:
        codecs.lookup(encoding)
    except LookupError as exc:
        raise FileRejected(_("Unknown text encoding “%(e)s”.") % {"e": encoding}) from exc
    try:
        sample_text = codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
    except UnicodeDecodeError as exc:
        raise FileRejected(
            _("The file cannot be read as %(encoding)s; choose another encoding.")
            % {"encoding": encoding}
        ) from exc
    delimiter = _sniff_delimiter(sample_text)
    raw = path.open("rb")
    text = io.TextIOWrapper(raw, encoding=encoding, errors="strict", newline="")
    reader = csv.reader(text, delimiter=delimiter)

    def numbered() -> Iterator[tuple[int, list[str]]]:
        number = 0
        try:
            strip = str.strip
            for cells in reader:
                number += 1
                cleaned = list(map(strip, cells))
                if any(cleaned):
                    yield number, cleaned
        except UnicodeDecodeError as exc:
            raise FileRejected(
                _(
                    "The file cannot be read as %(encoding)s after row %(row)s; "
                    "choose another encoding."
                )
                % {"encoding": encoding, "row": number}
            ) from exc
        except csv.Error as exc:
            raise FileRejected(
                _("Row %(row)s is not valid CSV: %(error)s") % {"row": number + 1, "error": exc}
            ) from exc
        finally:
            raw.close()

    rows = numbered()
    first = []
    for item in rows:
        first.append(item)
        if len(first) >= HEADER_SCAN_ROWS:
            break
    if not first:
        raw.close()
        raise FileRejected(_("The file has no rows."))
    index = _pick_header(kind, first, header_row)
    number, headers = first[index]

    def chained() -> Iterator[tuple[int, list[str]]]:
        yield from first[index + 1 :]
        yield from rows

    return Table(
        format="csv",
        headers=headers,
        header_row=number,
        encoding=encoding,
        delimiter=delimiter,
        _rows=chained(),
        fraction=lambda: (raw.tell() / size) if not raw.closed else 1.0,
    )


def _open_workbook(
    path: Path, *, kind: str, file_format: str, sheet_name: str, header_row: int
) -> Table:
    import python_calamine

    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
        names = [
            m.name
            for m in workbook.sheets_metadata
            if m.typ == python_calamine.SheetTypeEnum.WorkSheet
        ] or list(workbook.sheet_names)
        if sheet_name and sheet_name not in names:
            raise FileRejected(_("The workbook has no sheet “%(name)s”.") % {"name": sheet_name})
        if sheet_name:
            chosen, sheet = sheet_name, workbook.get_sheet_by_name(sheet_name)
        else:
            chosen, sheet = _first_sheet_with_data(workbook, names)
    except python_calamine.PasswordError as exc:
        raise FileRejected(_("Password-protected workbooks cannot be imported.")) from exc
    except python_calamine.CalamineError as exc:
        raise FileRejected(_("The workbook cannot be read: %(error)s") % {"error": exc}) from exc
    start = sheet.start or (0, 0)
    offset = start[0]  # calamine starts at the first used row
    last = [0]

    def numbered() -> Iterator[tuple[int, list[str]]]:
        for i, cells in enumerate(sheet.iter_rows()):
            cleaned = _clean_cells(cells)
            if any(cleaned):
                last[0] = offset + i + 1
                # Pad from column A so that columns line up with the letters people see.
                yield offset + i + 1, [""] * start[1] + cleaned

    rows = numbered()
    first = []
    for item in rows:
        first.append(item)
        if len(first) >= HEADER_SCAN_ROWS:
            break
    if not first:
        raise FileRejected(_("The sheet “%(name)s” has no rows.") % {"name": chosen})
    merged = _merged_ranges(sheet.merged_cell_ranges)
    index = _pick_header(kind, first, header_row)
    if not header_row:
        index = _group_header_below(kind, first, index, merged)
    headers = _fill_merged_headers(kind, first, index, merged)
    number = first[index][0]
    total_rows = offset + (sheet.height or 1)

    def chained() -> Iterator[tuple[int, list[str]]]:
        yield from first[index + 1 :]
        yield from rows

    return Table(
        format=file_format,
        headers=headers,
        header_row=number,
        sheet_names=names,
        sheet_name=chosen,
        _rows=chained(),
        fraction=lambda: min(last[0] / total_rows, 1.0),
    )


def _first_sheet_with_data(workbook, names: list[str]):
    """(name, sheet) of the first sheet with cells; each sheet is parsed once."""
    first = None
    for name in names:
        sheet = workbook.get_sheet_by_name(name)
        if sheet.height and sheet.width:
            return name, sheet
        first = first or (name, sheet)
    return first


def sample(table: Table, limit: int = 5) -> list[list[str]]:
    out = []
    for _number, cells in table.rows():
        out.append(cells)
        if len(out) >= limit:
            break
    return out
