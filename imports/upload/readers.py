"""Reading import files safely and as streams.

- A size cap (settings.CRM_IMPORT_MAX_BYTES) for every file.
- xlsx: before any parser sees it, the zip is checked: number of entries, declared and actual
  uncompressed sizes and compression ratios (zip bombs), and every XML part is scanned for a
  DTD or entity declaration (billion laughs, external entities), which real workbooks never
  contain. Only then does python-calamine (Rust, no entity expansion) read the sheet.
- xlsx: the same pass finds each sheet's used range (the cells that hold values, never the
  `<dimension>` the file declares) and refuses sheets beyond CRM_IMPORT_MAX_ROWS,
  CRM_IMPORT_MAX_COLUMNS or CRM_IMPORT_MAX_SHEET_CELLS: python-calamine holds the rectangle
  from the first to the last used cell in memory, 32 bytes a cell, so two cells at A2 and
  XFD1048576 would ask for 512 GiB.
- CSV: the encoding is detected (BOM, then strict UTF-8, then GB18030 — a superset of GBK and
  GB2312 — then charset-normalizer) or chosen; the file is decoded and parsed incrementally, so
  a million rows never sit in memory at once. Rows beyond CRM_IMPORT_MAX_ROWS, rows of more
  than CRM_IMPORT_MAX_COLUMNS cells and lines longer than MAX_LINE_BYTES are refused.
- The preview that an upload shows (header detection, sample rows) reads a bounded prefix:
  PREVIEW_BYTES of a CSV, PREVIEW_SHEET_ROWS rows of a sheet; the rest is read by the check
  and the import (in a worker for big files).
- NUL characters, which PostgreSQL cannot store, are taken out of the cells; the row comes
  out as a CellsWithNul so that the import rejects it with a row error.

Every cell comes out as a string ("" when empty); numbers that Excel stores as floats come out
without a spurious ".0", dates as ISO text.
"""

import codecs
import csv
import datetime
import io
import posixpath
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote
from xml.parsers import expat

from defusedxml import DefusedXmlException, ElementTree
from django.conf import settings
from django.utils.translation import gettext as _

from imports.upload.fields import match_header
from imports.upload.used_range import (
    CellScan,
    InvalidCellReference,
    UsedRange,
    column_letters,
    exact_used_range,
)

SAMPLE_BYTES = 256 * 1024
HEADER_SCAN_ROWS = 20
# What the upload request reads to find the header and the sample rows.
PREVIEW_BYTES = 4 * 1024 * 1024
PREVIEW_SHEET_ROWS = 100_000
# The longest line of a CSV (parsing a line builds the list of all its cells at once; a field
# is at most csv.field_size_limit(), 131,072 characters). A preview's lines are shorter still.
MAX_LINE_BYTES = PREVIEW_BYTES
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
    """Refuse zip bombs, XML with a DTD and sheets whose used range is too big before any XML
    parser runs."""
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
        with_cells: list[tuple[str, UsedRange | None]] = []
        for info in infos:
            if info.is_dir():
                continue
            actual += _scan_part(archive, info, max_total - actual, with_cells)
        # Every XML part with cells is measured, and every part a relationship of the
        # workbook points to however it is spelt, so that no way of naming a sheet leads
        # calamine to one that was not measured. Images and other binary parts are skipped.
        sheets = _sheet_parts(archive)
        for name, bound in with_cells:
            key = name.lower()
            is_sheet = sheets is None or key in sheets
            if is_sheet or key.endswith(".xml"):
                label = (sheets or {}).get(key) or name
                _check_used_range(archive, name, bound, label=label, is_sheet=is_sheet)


def _scan_part(archive: zipfile.ZipFile, info, room: int, with_cells: list) -> int:
    """Unpack one part as a stream: its real size (within `room`), no DTD, and the bound of
    its cells (appended to with_cells when it has any). Returns its size."""
    size = 0
    tail = b""
    scan = CellScan()
    try:
        with archive.open(info) as part:
            while chunk := part.read(_XML_SCAN_CHUNK):
                size += len(chunk)
                if size > room:
                    raise FileRejected(
                        _("The workbook expands to far more data than it holds (a zip bomb?).")
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
                scan.feed(chunk)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
        raise FileRejected(_("This file is not a valid Excel workbook.")) from exc
    except RuntimeError as exc:  # encrypted entry
        raise FileRejected(_("Password-protected workbooks cannot be imported.")) from exc
    if scan.has_cells:
        with_cells.append((info.filename, scan.result()))
    return size


def _over_limits(used: UsedRange) -> bool:
    return (
        used.last_row > settings.CRM_IMPORT_MAX_ROWS
        or used.last_column > settings.CRM_IMPORT_MAX_COLUMNS
        or used.cells > settings.CRM_IMPORT_MAX_SHEET_CELLS
    )


def _check_used_range(
    archive: zipfile.ZipFile, name: str, bound: UsedRange | None, *, label: str, is_sheet: bool
) -> None:
    """Refuse the part when the cells holding values span too much. The fast bound (which
    counts empty cells too) decides when it is within the limits; otherwise the exact pass.
    A part that is no sheet and no well-formed XML is left alone: calamine never reads it."""
    if bound is not None and not _over_limits(bound):
        return
    try:
        used = exact_used_range(archive, name)
    except (expat.ExpatError, InvalidCellReference, zipfile.BadZipFile, OSError) as exc:
        if not is_sheet:
            return
        raise FileRejected(_("This file is not a valid Excel workbook.")) from exc
    if used is not None:
        check_sheet_limits(label, used)


def check_sheet_limits(sheet: str, used: UsedRange) -> None:
    """FileRejected, saying which limit, when a sheet's used range is beyond the settings."""
    max_rows = settings.CRM_IMPORT_MAX_ROWS
    max_columns = settings.CRM_IMPORT_MAX_COLUMNS
    max_cells = settings.CRM_IMPORT_MAX_SHEET_CELLS
    if used.last_row > max_rows:
        raise FileRejected(
            _(
                "The sheet “%(sheet)s” has cells down to row %(row)s; at most %(limit)s rows "
                "can be imported. Delete the cells below your data."
            )
            % {"sheet": sheet, "row": f"{used.last_row:,}", "limit": f"{max_rows:,}"}
        )
    if used.last_column > max_columns:
        raise FileRejected(
            _(
                "The sheet “%(sheet)s” has cells as far right as column %(column)s (column "
                "%(number)s); at most %(limit)s columns can be imported. Delete the cells to "
                "the right of your data."
            )
            % {
                "sheet": sheet,
                "column": column_letters(used.last_column),
                "number": f"{used.last_column:,}",
                "limit": f"{max_columns:,}",
            }
        )
    if used.cells > max_cells:
        raise FileRejected(
            _(
                "The cells of the sheet “%(sheet)s” span %(range)s, %(cells)s cells; at most "
                "%(limit)s cells of a workbook can be read. Delete the cells far from your "
                "data, or save the sheet as CSV."
            )
            % {
                "sheet": sheet,
                "range": used.ref,
                "cells": f"{used.cells:,}",
                "limit": f"{max_cells:,}",
            }
        )


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str] | None:
    """Part name (lower case) → sheet name of every part that workbook.xml.rels points to,
    its target resolved every way a reader might (from xl/ or from the root, \\ or /, any
    case); None when the relationships cannot be read (then every part counts as a sheet)."""
    try:
        workbook = _small_part(archive, "xl/workbook.xml")
        rels = _small_part(archive, "xl/_rels/workbook.xml.rels")
    except KeyError:
        return None
    if workbook is None or rels is None:
        return None
    targets: dict[str, list[str]] = {}
    for rel in rels.iter():
        target = rel.get("Target")
        if rel.tag.rpartition("}")[2] == "Relationship" and target:
            path = unquote(target).replace("\\", "/").lstrip("/")
            targets[rel.get("Id", "")] = [
                posixpath.normpath(p).lower() for p in (path, "xl/" + path)
            ]
    parts: dict[str, str] = {}
    for sheet in workbook.iter():
        if sheet.tag.rpartition("}")[2] == "sheet":
            rel_id = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), "")
            for part in targets.get(rel_id, ()):
                parts.setdefault(part, sheet.get("name") or "")
    for candidates in targets.values():
        for part in candidates:
            parts.setdefault(part, "")
    return parts


def _small_part(archive: zipfile.ZipFile, name: str):
    """A small XML part, parsed (None when it is big or holds a DTD: messages only)."""
    if archive.getinfo(name).file_size > 16 * 1024 * 1024:
        return None
    data = archive.read(name)
    if any(marker in data for marker in _FORBIDDEN_XML):
        return None
    try:
        return ElementTree.fromstring(data)
    except (ElementTree.ParseError, DefusedXmlException):
        return None


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


class CellsWithNul(list):
    """The cells of a row that held NUL characters, taken out here (PostgreSQL stores none):
    `nul_columns` are the 0-based columns that had them. Every other row is a plain list."""

    nul_columns: tuple[int, ...] = ()


def _without_nul(cells: list[str]) -> CellsWithNul:
    row = CellsWithNul(c.replace("\x00", "") for c in cells)
    row.nul_columns = tuple(i for i, c in enumerate(cells) if "\x00" in c)
    return row


def _too_many_columns(row: int, count: int) -> FileRejected:
    return FileRejected(
        _("Row %(row)s has %(count)s columns; at most %(limit)s columns can be imported.")
        % {
            "row": f"{row:,}",
            "count": f"{count:,}",
            "limit": f"{settings.CRM_IMPORT_MAX_COLUMNS:,}",
        }
    )


def _too_many_rows() -> FileRejected:
    return FileRejected(
        _("The file has more than %(limit)s rows (blank rows count too); split it.")
        % {"limit": f"{settings.CRM_IMPORT_MAX_ROWS:,}"}
    )


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
    # Bytes of a CSV its rows were parsed from so far (a preview: at most PREVIEW_BYTES).
    bytes_read: Callable[[], int] = lambda: 0

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
    preview: bool = False,
) -> Table:
    """The table of a file, its header found. With preview, only what an upload shows is
    read: the first PREVIEW_BYTES of a CSV, the first PREVIEW_SHEET_ROWS rows of a sheet."""
    if file_format == "csv":
        return _open_csv(path, kind=kind, encoding=encoding, header_row=header_row, preview=preview)
    return _open_workbook(
        path,
        kind=kind,
        file_format=file_format,
        sheet_name=sheet_name,
        header_row=header_row,
        preview=preview,
    )


def _head_rows(rows: Iterator[tuple[int, list[str]]]) -> list[tuple[int, list[str]]]:
    first = []
    for item in rows:
        first.append(item)
        if len(first) >= HEADER_SCAN_ROWS:
            break
    return first


def _csv_source(raw, size: int, encoding: str, preview: bool):
    """(lines, their _CheckedReader or None, bytes read so far) of the open file `raw`: the
    whole file as a text stream, or for a preview the whole lines of its first PREVIEW_BYTES
    (then `raw` is closed here)."""
    if not preview:
        checked = _CheckedReader(raw)
        # typeshed asks the buffer for a `name`, which TextIOWrapper reads only when asked.
        text = io.TextIOWrapper(checked, encoding=encoding, errors="strict", newline="")  # type: ignore[type-var]
        return text, checked, (lambda: raw.tell() if not raw.closed else size)
    with raw:
        head = raw.read(PREVIEW_BYTES)
        whole = raw.read(1) == b""
    return _prefix_lines(head, encoding, whole), None, (lambda: len(head))


def _prefix_lines(head: bytes, encoding: str, whole: bool) -> Iterator[str]:
    """The whole lines of a file's first bytes, decoded 8 KB at a time as they are needed (as
    TextIOWrapper does, so that a bad byte far below the rows the preview shows does not
    matter)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    step = 8192
    parts: list[str] = []  # the current line so far
    lines = 0
    for start in range(0, len(head), step):
        last = start + step >= len(head)
        piece = decoder.decode(head[start : start + step], final=whole and last)
        if not last and "\n" not in piece and "\r" not in piece:
            parts.append(piece)
            continue
        chunk = list(io.StringIO("".join(parts) + piece, newline=""))
        # The last line waits for the next piece: it may be cut, or end with a \r whose \n
        # comes next. At the end of the prefix it is dropped unless the file ends there.
        parts = [chunk.pop()] if chunk and (not last or chunk[-1][-1] != "\n") else []
        lines += len(chunk)
        yield from chunk
    if whole and parts:
        yield "".join(parts)
    elif not whole and not lines:
        raise _line_too_long(1)


def _line_too_long(row: int) -> FileRejected:
    return FileRejected(
        _("Row %(row)s is longer than %(mb)s MB.")
        % {"row": f"{row:,}", "mb": MAX_LINE_BYTES // (1024 * 1024)}
    )


class _LineTooLong(Exception):
    pass


class _CheckedReader(io.BufferedIOBase):
    """The bytes of a file as TextIOWrapper reads them (a chunk at a time), checked on the way
    at C speed: a line longer than MAX_LINE_BYTES raises _LineTooLong before the csv module
    holds it, and `nul` tells whether a NUL byte went by (then rows are checked one by one)."""

    def __init__(self, raw):
        super().__init__()
        self._raw = raw
        self._line = 0  # bytes of the current line so far
        self.nul = False

    def readable(self) -> bool:
        return True

    def read1(self, size: int = -1) -> bytes:
        return self._check(self._raw.read1(size))

    def read(self, size: int | None = -1) -> bytes:
        return self._check(self._raw.read(size))

    def close(self) -> None:
        self._raw.close()
        super().close()

    def _check(self, chunk: bytes) -> bytes:
        if not chunk:
            return chunk
        if not self.nul and b"\x00" in chunk:
            self.nul = True
        end = max(chunk.rfind(b"\n"), chunk.rfind(b"\r"))
        if end < 0:
            self._line += len(chunk)
        else:
            # The current line ends at the chunk's first line break; the lines after it in
            # the chunk are shorter than the chunk (TextIOWrapper reads 8 KB at a time).
            breaks = [i for i in (chunk.find(b"\n"), chunk.find(b"\r")) if i >= 0]
            if self._line + min(breaks) > MAX_LINE_BYTES:
                raise _LineTooLong
            self._line = len(chunk) - end - 1
        if self._line > MAX_LINE_BYTES:
            raise _LineTooLong
        return chunk


def _text_format(sample: bytes, encoding: str) -> tuple[str, str]:
    """(encoding, delimiter) of a CSV from its first bytes; the encoding given, if any."""
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
    return encoding, _sniff_delimiter(sample_text)


def _csv_rows(text, checked, *, delimiter: str, encoding: str) -> Iterator[tuple[int, list[str]]]:
    """(row number, stripped cells) of the non-blank rows; the file's problems as
    FileRejected. Closes the text stream when done."""
    number = 0
    max_rows = settings.CRM_IMPORT_MAX_ROWS
    max_columns = settings.CRM_IMPORT_MAX_COLUMNS
    try:
        strip = str.strip
        for cells in csv.reader(text, delimiter=delimiter):
            number += 1
            if number > max_rows:
                raise _too_many_rows()
            if len(cells) > max_columns:
                raise _too_many_columns(number, len(cells))
            cleaned = list(map(strip, cells))
            if (checked is None or checked.nul) and "\x00" in "".join(cleaned):
                cleaned = _without_nul(cleaned)
            if any(cleaned):
                yield number, cleaned
    except _LineTooLong:
        raise _line_too_long(number + 1) from None
    except UnicodeDecodeError as exc:
        raise FileRejected(
            _("The file cannot be read as %(encoding)s after row %(row)s; choose another encoding.")
            % {"encoding": encoding, "row": number}
        ) from exc
    except csv.Error as exc:
        raise FileRejected(
            _("Row %(row)s is not valid CSV: %(error)s") % {"row": number + 1, "error": exc}
        ) from exc
    finally:
        text.close()


def _after_header(first: list, index: int, rows: Iterator) -> Iterator[tuple[int, list[str]]]:
    yield from first[index + 1 :]
    yield from rows


def _open_csv(path: Path, *, kind: str, encoding: str, header_row: int, preview: bool) -> Table:
    size = path.stat().st_size
    raw = path.open("rb")  # opened once: its first bytes sniffed, then read from the start
    try:
        sample = raw.read(SAMPLE_BYTES)
        raw.seek(0)
        encoding, delimiter = _text_format(sample, encoding)
        text, checked, bytes_read = _csv_source(raw, size, encoding, preview)
    except BaseException:
        raw.close()
        raise
    rows = _csv_rows(text, checked, delimiter=delimiter, encoding=encoding)
    first = _head_rows(rows)
    if not first:
        text.close()
        if preview and bytes_read() >= PREVIEW_BYTES:
            raise FileRejected(
                _("The first %(mb)s MB of the file hold no rows, only blank lines.")
                % {"mb": PREVIEW_BYTES // (1024 * 1024)}
            )
        raise FileRejected(_("The file has no rows."))
    index = _pick_header(kind, first, header_row)
    number, headers = first[index]
    return Table(
        format="csv",
        headers=headers,
        header_row=number,
        encoding=encoding,
        delimiter=delimiter,
        _rows=_after_header(first, index, rows),
        fraction=lambda: (raw.tell() / size) if not raw.closed else 1.0,
        bytes_read=bytes_read,
    )


def _open_sheet(path: Path, sheet_name: str):
    """(sheet names, chosen sheet's name, the sheet) of a workbook: the sheet asked for, or
    the first with data."""
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
            return names, sheet_name, _load_sheet(workbook, sheet_name)
        return names, *_first_sheet_with_data(workbook, names)
    except python_calamine.PasswordError as exc:
        raise FileRejected(_("Password-protected workbooks cannot be imported.")) from exc
    except python_calamine.CalamineError as exc:
        raise FileRejected(_("The workbook cannot be read: %(error)s") % {"error": exc}) from exc


class _SheetRows:
    """(row number, cells) of a sheet's non-blank rows, numbered as people see them; `last`
    is the number of the last one given (for progress)."""

    def __init__(self, sheet, scan_rows: int | None):
        start = sheet.start or (0, 0)
        self.sheet = sheet
        self.offset = start[0]  # calamine starts at the first used row
        self.pad = start[1]  # and at the first used column
        self.scan_rows = scan_rows
        self.last = 0

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        for i, cells in enumerate(self.sheet.iter_rows()):
            if i == self.scan_rows:
                return
            cleaned = _clean_cells(cells)
            if any(cleaned):
                self.last = self.offset + i + 1
                if "\x00" in "".join(cleaned):
                    cleaned = _without_nul(cleaned)
                # Pad from column A so that columns line up with the letters people see.
                if self.pad:
                    cleaned[0:0] = [""] * self.pad
                yield self.offset + i + 1, cleaned


def _open_workbook(
    path: Path, *, kind: str, file_format: str, sheet_name: str, header_row: int, preview: bool
) -> Table:
    names, chosen, sheet = _open_sheet(path, sheet_name)
    numbered = _SheetRows(sheet, PREVIEW_SHEET_ROWS if preview else None)
    rows = iter(numbered)
    first = _head_rows(rows)
    if not first:
        raise FileRejected(_("The sheet “%(name)s” has no rows.") % {"name": chosen})
    merged = _merged_ranges(sheet.merged_cell_ranges)
    index = _pick_header(kind, first, header_row)
    if not header_row:
        index = _group_header_below(kind, first, index, merged)
    headers = _fill_merged_headers(kind, first, index, merged)
    number = first[index][0]
    total_rows = numbered.offset + (sheet.height or 1)
    return Table(
        format=file_format,
        headers=headers,
        header_row=number,
        sheet_names=names,
        sheet_name=chosen,
        _rows=_after_header(first, index, rows),
        fraction=lambda: min(numbered.last / total_rows, 1.0),
    )


def _load_sheet(workbook, name: str):
    """A sheet, refused when its used range is beyond the limits. xlsx sheets were measured
    before calamine saw them (check_xlsx); this catches the .xls ones, whose grid the format
    itself bounds."""
    sheet = workbook.get_sheet_by_name(name)
    if sheet.start is not None and sheet.end is not None:
        (r0, c0), (r1, c1) = sheet.start, sheet.end
        check_sheet_limits(name, UsedRange(r0 + 1, r1 + 1, c0 + 1, c1 + 1))
    return sheet


def _first_sheet_with_data(workbook, names: list[str]):
    """(name, sheet) of the first sheet with cells; each sheet is parsed once."""
    first = None
    for name in names:
        sheet = _load_sheet(workbook, name)
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
