"""The used range of a worksheet's XML: the rows and columns of its cells that hold values.

python-calamine builds the rectangle from the first to the last cell of a sheet in memory
before anything can be read, whatever lies between, so a sheet is measured first, as a
stream, and refused when that rectangle is too big. The `<dimension ref>` a file declares is
never trusted (calamine does not use it either).

Two passes, each in bounded memory:

- `CellScan`, fed the XML in chunks: a regular expression finds the `<c r="B7" …>` of every
  cell (empty or not), which gives an upper bound of the range at C speed. Excel, LibreOffice
  and the usual libraries write the tag this way.
- `exact_used_range`, an expat pass, only when the fast one is not conclusive (cells without a
  reference, references written another way, a prefix) or finds the range too big: it counts
  the cells that hold a value, as calamine does (a `<v>` with text, or an inline string), and
  places cells without a reference after the previous one, as calamine does.
"""

import re
import zipfile
from dataclasses import dataclass
from operator import itemgetter
from xml.parsers import expat

# Every start tag of an element named c (cells): "<c" and then a blank, "/" or ">", counted
# with bytes.count (C speed); with a namespace prefix, ":c" and the same (which may also
# count text such as "a:c b": too many only sends the part to the exact pass).
_CELL_STARTS = (b"<c ", b"<c>", b"<c/", b"<c\t", b"<c\n", b"<c\r")
_PREFIXED_CELL = re.compile(rb":c[\s/>]")
# The whole start tag of a cell written plainly: the reference first, then only the other
# attributes Excel knows (so no second r="…" that a parser might take instead).
_CELL_REF = re.compile(rb'<c r="([A-Z]{1,3})([1-9][0-9]{0,6})"(?: (?:s|t|cm|vm|ph)="[^"<]*")* ?/?>')
_REF = re.compile(r"([A-Za-z]{1,3})([0-9]{1,10})")
_MAX_CARRY = 64 * 1024  # a start tag longer than this is left to the exact pass


@dataclass(frozen=True)
class UsedRange:
    """1-based, inclusive."""

    first_row: int
    last_row: int
    first_column: int
    last_column: int

    @property
    def cells(self) -> int:
        """Cells of the rectangle calamine allocates."""
        return (self.last_row - self.first_row + 1) * (self.last_column - self.first_column + 1)

    @property
    def ref(self) -> str:
        return (
            f"{column_letters(self.first_column)}{self.first_row}:"
            f"{column_letters(self.last_column)}{self.last_row}"
        )


def column_letters(number: int) -> str:
    """1 → A, 27 → AA."""
    letters = ""
    while number:
        number, rem = divmod(number - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_number(letters: str) -> int:
    """A → 1, AA → 27 (any case)."""
    number = 0
    for ch in letters.upper():
        number = number * 26 + ord(ch) - 64
    return number


class CellScan:
    """The fast pass over one XML part, fed in chunks (`feed`), then `result()`."""

    def __init__(self):
        self._carry = b""
        self._plain = 0  # cells found with a plain reference
        self._all = 0  # start tags of cells
        self._columns: set[bytes] = set()
        self._first_row = self._last_row = 0
        self._unsure = False

    def feed(self, chunk: bytes) -> None:
        window = self._carry + chunk if self._carry else chunk
        # Only whole tags are matched: the window is cut after its last '>'.
        cut = window.rfind(b">") + 1
        if cut == 0:
            self._carry = window
            if len(window) > _MAX_CARRY:
                self._unsure, self._carry = True, b""
            return
        part, self._carry = window[:cut], window[cut:]
        self._all += sum(map(part.count, _CELL_STARTS)) + len(_PREFIXED_CELL.findall(part))
        refs = _CELL_REF.findall(part)
        if not refs:
            return
        self._plain += len(refs)
        self._columns.update(map(itemgetter(0), refs))
        rows = list(map(int, map(itemgetter(1), refs)))
        low, high = min(rows), max(rows)
        if not self._first_row or low < self._first_row:
            self._first_row = low
        self._last_row = max(self._last_row, high)

    @property
    def has_cells(self) -> bool:
        return bool(self._all or self._unsure)

    def result(self) -> UsedRange | None:
        """An upper bound of the used range, or None when the exact pass must decide."""
        if self._unsure or self._carry.strip() or self._all != self._plain:
            return None
        if not self._plain:
            return None
        numbers = [column_number(letters.decode()) for letters in self._columns]
        return UsedRange(self._first_row, self._last_row, min(numbers), max(numbers))


class InvalidCellReference(ValueError):
    pass


def exact_used_range(archive: zipfile.ZipFile, name: str) -> UsedRange | None:
    """The range of the cells of part `name` that hold a value (None: no such cell)."""
    state = _Exact()
    parser = expat.ParserCreate()
    parser.StartElementHandler = state.start
    parser.EndElementHandler = state.end
    parser.CharacterDataHandler = state.text
    with archive.open(name) as part:
        while chunk := part.read(1024 * 1024):
            parser.Parse(chunk, False)
    parser.Parse(b"", True)
    if not state.last_row:
        return None
    return UsedRange(state.first_row, state.last_row, state.first_column, state.last_column)


class _Exact:
    def __init__(self):
        self.row = 0
        self.column = 0
        self.cell_row = 0
        self.in_cell = self.in_value = self.has_value = False
        self.first_row = self.last_row = self.first_column = self.last_column = 0

    def start(self, tag: str, attrs: dict) -> None:
        local = tag.rpartition(":")[2]
        if local == "row":
            ref = attrs.get("r")
            self.row = _number(ref) if ref else self.row + 1
            self.column = 0
        elif local == "c":
            ref = attrs.get("r")
            if ref:
                match = _REF.fullmatch(ref)
                if match is None:
                    raise InvalidCellReference(ref)
                self.column = column_number(match.group(1))
                self.cell_row = int(match.group(2))
            else:
                self.column += 1
                self.cell_row = self.row or 1
            self.in_cell, self.has_value = True, False
        elif self.in_cell and local == "v":
            self.in_value = True
        elif self.in_cell and local == "is":
            self.has_value = True

    def text(self, data: str) -> None:
        if self.in_value and data:
            self.has_value = True

    def end(self, tag: str) -> None:
        local = tag.rpartition(":")[2]
        if local == "v":
            self.in_value = False
        elif local == "c":
            self.in_cell = False
            if self.has_value:
                self._include(self.cell_row, self.column)

    def _include(self, row: int, column: int) -> None:
        if not self.last_row:
            self.first_row = self.last_row = row
            self.first_column = self.last_column = column
            return
        self.first_row = min(self.first_row, row)
        self.last_row = max(self.last_row, row)
        self.first_column = min(self.first_column, column)
        self.last_column = max(self.last_column, column)


def _number(text: str) -> int:
    if not text.isdigit():
        raise InvalidCellReference(text)
    return int(text)
