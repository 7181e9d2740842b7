"""Targets (quotas) from a sheet, through the import pipeline.

A row names a rep (user name, email or full name) or a team, a period (a month: 2026-01,
2026/1, 2026年1月; or a quarter: 2026-Q1, Q1 2026, 2026年第一季度), and either a measure and a
value or one column per measure (each filled cell a target of its own). The importer gives
targets only within their reach (an admin anyone, a manager their teams and their reps). A
target that is already set (same rep or team, period and measure) is updated, skipped or an
error, as the batch's mode says; two rows of the file setting the same target are an error.
Sheets are small (a row per rep and period): rows are checked in Python, the results staged
(imp_tgt), and written in a few statements.
"""

# SQL here is built from our own table and column names only; every value is a parameter.
# ruff: noqa: S608

import datetime
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction

from imports.engine.run import (
    ERR_COLUMNS,
    ERR_TABLE,
    READ_SHARE,
    ErrorSink,
    ImportAborted,
    Run,
    row_errors,
    row_warnings,
)
from imports.models import ImportBeforeImage
from imports.upload import cleaning as c
from imports.upload.readers import CellsWithNul
from opportunities.imports.fields import MEASURES
from opportunities.imports.people import AMBIGUOUS, People
from opportunities.models import Target

LOCK = "targets"
PREVIEW_ROWS = 20
_QUARTER_DIGITS = {"1": 1, "2": 2, "3": 3, "4": 4, "一": 1, "二": 2, "三": 3, "四": 4}
_QUARTER = [
    re.compile(r"(\d{4})\s*(?:[-/.年]|\s)?\s*(?:第)?\s*q?\s*([1-4一二三四])\s*(?:季度|季)"),
    re.compile(r"(\d{4})\s*(?:[-/.年]|\s)?\s*q\s*([1-4])"),
]
_QUARTER_FIRST = re.compile(r"q\s*([1-4])\s*[-/.\s]?\s*(\d{4})")
_MONTH = re.compile(
    r"(\d{4})\s*(?:[-/.年])\s*(\d{1,2})\s*月?(?:\s*[-/.]\s*\d{1,2}\s*日?)?(?:[ t].*)?"
)
_COMPACT_MONTH = re.compile(r"(\d{4})(\d{2})")


def parse_period(raw: str) -> tuple[str, datetime.date]:
    """(Target.Period, first day) of a month or a quarter; CellError "period_invalid"."""
    text = unicodedata.normalize("NFKC", raw or "").strip().lower()
    if not text:
        raise c.CellError("required")
    for pattern in _QUARTER:
        m = pattern.fullmatch(text)
        if m:
            return _quarter(int(m[1]), _QUARTER_DIGITS[m[2]])
    m = _QUARTER_FIRST.fullmatch(text)
    if m:
        return _quarter(int(m[2]), int(m[1]))
    m = _MONTH.fullmatch(text) or _COMPACT_MONTH.fullmatch(text)
    if m and 1 <= int(m[2]) <= 12 and 2000 <= int(m[1]) <= 2100:
        return Target.Period.MONTH.value, datetime.date(int(m[1]), int(m[2]), 1)
    raise c.CellError("period_invalid")


def _quarter(year: int, quarter: int) -> tuple[str, datetime.date]:
    if not 2000 <= year <= 2100:
        raise c.CellError("period_invalid")
    return Target.Period.QUARTER.value, datetime.date(year, 3 * quarter - 2, 1)


@dataclass
class Line:
    """One target a row sets."""

    row_no: int
    user_id: int | None
    team_id: int | None
    period: str
    period_start: datetime.date
    measure: str
    value: Decimal
    target_id: int | None = None
    action: str = "create"

    @property
    def key(self) -> tuple:
        return (self.user_id, self.team_id, self.period, self.period_start, self.measure)


STAGED = ("row_no", "user_id", "team_id", "period", "period_start", "measure", "value")


class TargetRows:
    def __init__(self, run: Run):
        self.run = run
        self.cols = run.columns
        self.errors = ErrorSink(run)
        self.people = People(run.actor)
        self.lines: list[Line] = []
        self.bad_rows: set[int] = set()
        self.measure_columns = [
            (key, key.removeprefix("value_")) for key in self.cols if key.startswith("value_")
        ]

    def cell(self, cells: list[str], target: str) -> str:
        index = self.cols.get(target)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    def add(self, row_no: int, cells: list[str]) -> None:
        before = len(self.errors.rows)
        user_id, team_id = self._who(row_no, cells)
        raw_period = self.cell(cells, "period")
        try:
            period, start = parse_period(raw_period)
        except c.CellError as exc:
            self.errors.add(row_no, "period", exc.code, raw_period)
            period, start = "", datetime.date.min
        pairs = self._values(row_no, cells)
        if len(self.errors.rows) > before:
            self.bad_rows.add(row_no)
            return
        for measure, value in pairs:
            self.lines.append(Line(row_no, user_id, team_id, period, start, measure, value))

    def _who(self, row_no: int, cells: list[str]) -> tuple[int | None, int | None]:
        raw_rep, raw_team = self.cell(cells, "rep"), self.cell(cells, "team")
        if raw_rep and raw_team:
            self.errors.add(row_no, "rep", "rep_and_team", f"{raw_rep} / {raw_team}")
            return None, None
        if raw_rep:
            user_id = self.people.user(raw_rep)
            if user_id is None or user_id == AMBIGUOUS:
                self.errors.add(row_no, "rep", "rep_unknown", raw_rep)
                return None, None
            if user_id not in self.people.assignable:
                self.errors.add(row_no, "rep", "owner_out_of_scope", raw_rep)
                return None, None
            return user_id, None
        if raw_team:
            team_id = self.people.team(raw_team)
            if team_id is None or team_id == AMBIGUOUS or team_id not in self.people.visible_teams:
                self.errors.add(row_no, "team", "team_unknown", raw_team)
                return None, None
            return None, team_id
        self.errors.add(row_no, "rep" if "rep" in self.cols else "team", "rep_or_team", "")
        return None, None

    def _values(self, row_no: int, cells: list[str]) -> list[tuple[str, Decimal]]:
        out = []
        before = len(self.errors.rows)
        if "value" in self.cols or "measure" in self.cols:
            raw_measure = self.cell(cells, "measure")
            measure = MEASURES.get(c.fold(raw_measure)) if raw_measure else None
            if measure is None:
                code = "measure_unknown" if raw_measure else "required"
                self.errors.add(row_no, "measure", code, raw_measure)
            value = self._number(row_no, "value", self.cell(cells, "value"), required=True)
            if measure is not None and value is not None:
                out.append((measure, value))
        for target, measure in self.measure_columns:
            value = self._number(row_no, target, self.cell(cells, target), required=False)
            if value is not None:
                out.append((measure, value))
        if not out and len(self.errors.rows) == before:
            first = self.measure_columns[0][0] if self.measure_columns else "value"
            self.errors.add(row_no, first, "required", "")
        return out

    def _number(self, row_no: int, target: str, raw: str, *, required: bool) -> Decimal | None:
        try:
            value = c.decimal(raw, places=2, max_digits=16, allow_negative=False)
        except c.CellError as exc:
            self.errors.add(row_no, target, exc.code, raw)
            return None
        if value is None and required:
            self.errors.add(row_no, target, "required", "")
        return value


def check(run: Run) -> tuple[dict, list[dict]]:
    st = run.staging
    st.create("imp_err", ERR_TABLE, indexes=["row_no"])
    st.create(
        "imp_tgt",
        "row_no integer NOT NULL, user_id bigint, team_id bigint, period text, "
        "period_start date, measure text, value numeric(16, 2), target_id bigint, action text",
    )
    rows = TargetRows(run)
    for number, cells in run.table.rows():
        if isinstance(cells, CellsWithNul):
            rows.errors.add_nul(number, cells)
            rows.bad_rows.add(number)
        else:
            rows.add(number, cells)
        run.rows_read += 1
    run.report("checking", READ_SHARE, force=True)
    if not run.dry_run:
        st.lock(LOCK)
    _classify(run, rows)
    st.load("imp_err", ERR_COLUMNS, rows.errors.rows)
    rows.errors.flush_warnings()
    good = [line for line in rows.lines if line.row_no not in rows.bad_rows]
    st.load(
        "imp_tgt",
        (*STAGED, "target_id", "action"),
        [(*(getattr(line, f) for f in STAGED), line.target_id, line.action) for line in good],
    )
    counts = {
        "rows": run.rows_read,
        "targets_create": sum(1 for line in good if line.action == "create"),
        "targets_update": sum(1 for line in good if line.action == "update"),
        "targets_skip": sum(1 for line in good if line.action == "skip"),
    }
    return counts, _preview(run, rows)


def _classify(run: Run, rows: TargetRows) -> None:
    """Repeated targets in the file, and targets already set (the batch's mode)."""
    seen: dict[tuple, int] = {}
    for line in rows.lines:
        if line.row_no in rows.bad_rows:
            continue
        first = seen.setdefault(line.key, line.row_no)
        if first != line.row_no:
            rows.errors.add(line.row_no, _measure_target(rows, line), "target_repeated", str(first))
            rows.bad_rows.add(line.row_no)
    starts = {line.period_start for line in rows.lines}
    existing = {
        (t.user_id, t.team_id, t.period, t.period_start, t.measure): t.pk
        for t in Target.objects.filter(period_start__in=starts).only(
            "user_id", "team_id", "period", "period_start", "measure"
        )
    }
    mode = run.batch.mode
    for line in rows.lines:
        if line.row_no in rows.bad_rows:
            continue
        line.target_id = existing.get(line.key)
        if line.target_id is None:
            continue
        if mode == "create":
            rows.errors.add(line.row_no, _measure_target(rows, line), "target_exists", line.measure)
            rows.bad_rows.add(line.row_no)
        else:
            line.action = "update" if mode == "update" else "skip"


def _measure_target(rows: TargetRows, line: Line) -> str:
    target = f"value_{line.measure}"
    return target if target in rows.cols else "value"


def _preview(run: Run, rows: TargetRows) -> list[dict]:
    """The first targets and rejected rows, in row order."""
    entries: list[tuple[int, Line | None]] = [
        (line.row_no, line) for line in rows.lines if line.row_no not in rows.bad_rows
    ]
    entries += [(number, None) for number in rows.bad_rows]
    entries = sorted(entries, key=lambda entry: entry[0])[:PREVIEW_ROWS]
    numbers = sorted({number for number, _line in entries})
    errors = row_errors(run.staging, numbers)
    warnings = row_warnings(run.staging, numbers)
    measures = dict(Target.Measure.choices)
    periods = dict(Target.Period.choices)
    out = []
    for number, line in entries:
        row = {
            "row": number,
            "action": "error",
            "who": "",
            "period": "",
            "measure": "",
            "value": "",
            "errors": errors.get(number, []),
            "warnings": warnings.get(number, []),
        }
        if line is not None:
            who = (
                rows.people.names.get(line.user_id, "")
                if line.user_id
                else rows.people.team_names.get(line.team_id or 0, "")
            )
            row.update(
                action=line.action,
                who=who,
                period=f"{line.period_start:%Y-%m} ({periods.get(line.period, '')})",
                measure=str(measures.get(line.measure, "")),
                value=str(line.value),
            )
        out.append(row)
    return out


def write(run: Run) -> None:
    run.report("writing", 90)
    st = run.staging
    table = Target._meta.db_table
    images = ImportBeforeImage._meta.db_table
    try:
        with transaction.atomic():
            st.execute(
                f"INSERT INTO {images} (batch_id, model, object_id, data) "  # nosec B608
                f"SELECT %s, %s, t.id, to_jsonb(t) FROM {table} t "
                "JOIN imp_tgt i ON i.target_id = t.id WHERE i.action = 'update'",
                [run.batch.pk, ImportBeforeImage.Model.TARGET.value],
            )
            st.execute(
                f"UPDATE {table} t SET value = i.value, set_by_id = %s, updated_at = %s "  # nosec B608
                "FROM imp_tgt i WHERE i.action = 'update' AND t.id = i.target_id",
                [run.actor.pk, run.now_db],
            )
            new = st.fetchall(
                f"SELECT {', '.join(STAGED)} FROM imp_tgt WHERE action = 'create' ORDER BY row_no"  # nosec B608
            )
            Target.objects.bulk_create(
                Target(
                    user_id=user_id,
                    team_id=team_id,
                    period=period,
                    period_start=start,
                    measure=measure,
                    value=value,
                    set_by=run.actor,
                    import_batch_id=run.batch.pk,
                )
                for _row, user_id, team_id, period, start, measure, value in new
            )
    except IntegrityError as exc:
        raise ImportAborted("changed_meanwhile") from exc
