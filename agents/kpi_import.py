"""Reading and validation of daily KPI records from CSV, Excel or JSON (issue 6; SCORING.md §7).

Pure: bytes, text or records in, validated rows or per-line errors out; pandas reads the files,
openpyxl inspects workbooks for merged cells and formulas. ``agents.services.kpi`` writes the rows.

Columns: ``employee_number, date, handled, handle_seconds, resolved_first_contact, complaints,
praise, spot_tests_taken, spot_tests_passed`` and optionally ``adherence_pct, occupancy_pct``.
"""

import datetime as dt
import io
import math
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import openpyxl
import pandas as pd
from django.utils.translation import gettext as _
from openpyxl.utils.exceptions import InvalidFileException

from agents.staff_import import RowError, check_header, decode_upload

COUNT_COLUMNS = (
    "handled",
    "handle_seconds",
    "resolved_first_contact",
    "complaints",
    "praise",
    "spot_tests_taken",
    "spot_tests_passed",
)
PERCENT_COLUMNS = ("adherence_pct", "occupancy_pct")
REQUIRED_COLUMNS = ("employee_number", "date", *COUNT_COLUMNS)
KPI_COLUMNS = (*REQUIRED_COLUMNS, *PERCENT_COLUMNS)
# One agent cannot spend more than the whole day on contacts.
SECONDS_PER_DAY = 86_400
PERCENT_MAX = 100
MAX_EMPLOYEE_NUMBER = 32
ISO_DATE_LENGTH = len("YYYY-MM-DD")
# A zip archive (every .xlsx) starts with these bytes; anything else is read as CSV text.
ZIP_MAGIC = b"PK\x03\x04"
# Marks a CSV line with too many fields in the frame, so that line numbers stay aligned.
_TOO_MANY = "\ue000too-many:"


@dataclass(frozen=True)
class KpiRow:
    line: int
    employee_number: str
    date: dt.date
    handled: int
    handle_seconds: int
    resolved_first_contact: int
    complaints: int
    praise: int
    spot_tests_taken: int
    spot_tests_passed: int
    adherence_pct: float | None
    occupancy_pct: float | None

    def values(self) -> dict[str, Any]:
        """The figures of the record, as model field values."""
        return {name: getattr(self, name) for name in (*COUNT_COLUMNS, *PERCENT_COLUMNS)}


@dataclass(frozen=True)
class RecordError(RowError):
    """An error in the n-th record (1-based) of a JSON list."""

    def __str__(self) -> str:
        return _("record %(line)s: %(message)s") % {"line": self.line, "message": self.message}


def is_excel(data: bytes) -> bool:
    """Whether an upload is an Excel workbook (.xlsx) rather than CSV text."""
    return data.startswith(ZIP_MAGIC)


def read_csv(data: bytes) -> tuple[pd.DataFrame, list[RowError]]:
    """The cells of a CSV upload as text, with a ``line`` column, or the errors that stop reading it."""
    try:
        text = decode_upload(data)
    except ValueError as exc:
        return pd.DataFrame(), [RowError(1, str(exc))]
    if not text.strip():
        return pd.DataFrame(), [RowError(1, _("The file is empty: a header row is expected."))]
    try:
        width = pd.read_csv(io.StringIO(text), header=None, dtype=str, keep_default_na=False, nrows=1).shape[1]
    except pd.errors.ParserError as exc:
        return pd.DataFrame(), [RowError(1, _("The file is not valid CSV: %(e)s") % {"e": exc})]

    def too_many(fields: list[str]) -> list[str]:
        # Kept as a row (not dropped) so that every later row keeps its line number.
        return [f"{_TOO_MANY}{len(fields)}", *fields[1:width]]

    try:
        raw = pd.read_csv(
            io.StringIO(text),
            header=None,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
            engine="python",
            on_bad_lines=too_many,
        )
    except pd.errors.ParserError as exc:
        return pd.DataFrame(), [RowError(1, _("The file is not valid CSV: %(e)s") % {"e": exc})]
    return _with_header(raw)


def read_excel(data: bytes) -> tuple[pd.DataFrame, list[RowError]]:
    """The cells of the first sheet as text, with a ``line`` column; merged cells and formulas are refused."""
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        message = _("The file is not an Excel workbook (.xlsx) that can be read: %(e)s") % {"e": exc}
        return pd.DataFrame(), [RowError(1, message)]
    sheet = workbook.worksheets[0]
    errors = [
        RowError(
            merged.min_row,
            _("cells %(cells)s are merged; unmerge them and fill every cell") % {"cells": merged.coord},
        )
        for merged in sorted(sheet.merged_cells.ranges, key=lambda r: (r.min_row, r.min_col))
    ]
    errors += [
        RowError(cell.row, _("cell %(cell)s holds a formula; paste values only") % {"cell": cell.coordinate})
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]
    if errors:
        return pd.DataFrame(), sorted(errors, key=lambda e: e.line)
    raw = pd.read_excel(io.BytesIO(data), sheet_name=0, header=None, dtype=object, engine="openpyxl")
    if raw.empty:
        return pd.DataFrame(), [RowError(1, _("The file is empty: a header row is expected."))]
    return _with_header(raw.map(_cell_text))


def read_records(records: Any) -> tuple[pd.DataFrame, list[RowError]]:
    """JSON records (a list of objects with the CSV's columns) as a frame of text with a ``line`` column."""
    if not isinstance(records, list) or not records:
        return pd.DataFrame(), [RecordError(1, _("Send a non-empty list of records."))]
    errors: list[RowError] = []
    for number, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            errors.append(RecordError(number, _("a record must be an object")))
            continue
        errors += [RecordError(number, message) for message in _key_problems(record.keys())]
    if errors:
        return pd.DataFrame(), errors
    frame = pd.DataFrame.from_records(
        [{column: _cell_text(record.get(column)) for column in KPI_COLUMNS} for record in records]
    )
    frame.insert(0, "line", range(1, len(records) + 1))
    return frame, []


def validate(
    frame: pd.DataFrame, *, known_agents: set[str], today: dt.date, error: type[RowError] = RowError
) -> tuple[list[KpiRow], list[RowError]]:
    """Check every row; return the good rows and one error per bad line (all its problems together)."""
    rows: list[KpiRow] = []
    errors: list[RowError] = []
    seen: dict[tuple[str, dt.date], int] = {}
    for record in frame.to_dict("records"):
        line = int(record.pop("line"))
        marker = next((v for v in record.values() if isinstance(v, str) and v.startswith(_TOO_MANY)), None)
        if marker is not None:
            found = marker.removeprefix(_TOO_MANY)
            errors.append(error(line, _("expected %(n)s fields, found %(m)s") % {"n": _width(frame), "m": found}))
            continue
        if all(_is_missing(value) or not str(value).strip() for value in record.values()):
            continue  # a blank line
        if any(_is_missing(value) for value in record.values()):
            errors.append(error(line, _("expected %(n)s fields, found fewer") % {"n": _width(frame)}))
            continue
        parsed, problems = _parse_row(record, known_agents=known_agents, today=today)
        key = (parsed.get("employee_number"), parsed.get("date"))
        if not problems and key in seen:
            problems.append(
                _("employee_number %(n)s on %(d)s repeats line %(l)s") % {"n": key[0], "d": key[1], "l": seen[key]}
            )
        if problems:
            errors.append(error(line, "; ".join(problems)))
            continue
        seen[key] = line
        rows.append(KpiRow(line=line, **parsed))
    return rows, errors


def _with_header(raw: pd.DataFrame) -> tuple[pd.DataFrame, list[RowError]]:
    """Take the first row as the header (checked: missing, unknown and repeated columns are errors)."""
    header = ["" if _is_missing(value) else str(value).strip() for value in raw.iloc[0]]
    while header and not header[-1]:
        header.pop()  # trailing empty header cells from a spreadsheet are not columns
    problems = check_header(header, allowed=KPI_COLUMNS, required=REQUIRED_COLUMNS)
    if problems:
        return pd.DataFrame(), [RowError(1, message) for message in problems]
    body = raw.iloc[1:, : len(header)].copy()
    extra = raw.iloc[1:, len(header) :]
    body.columns = header
    if extra.shape[1]:
        # A row with values beyond the header's last column holds unnamed columns.
        filled = extra.map(lambda v: not _is_missing(v) and bool(str(v).strip())).any(axis=1)
        if filled.any():
            lines = [int(index) + 1 for index in filled[filled].index]
            return pd.DataFrame(), [RowError(line, _("values in a column without a header")) for line in lines]
    for column in PERCENT_COLUMNS:
        if column not in body.columns:
            body[column] = ""
    body.insert(0, "line", [int(index) + 1 for index in body.index])
    body.attrs["fields"] = len(header)
    return body, []


def _width(frame: pd.DataFrame) -> int:
    return frame.attrs.get("fields", len(KPI_COLUMNS))


def _key_problems(keys: Iterable[str]) -> list[str]:
    keys = list(keys)
    problems = []
    if missing := [c for c in REQUIRED_COLUMNS if c not in keys]:
        problems.append(_("Missing columns: %(cols)s.") % {"cols": ", ".join(missing)})
    if extra := [c for c in keys if c not in KPI_COLUMNS]:
        problems.append(_("Unknown columns: %(cols)s.") % {"cols": ", ".join(map(str, extra))})
    return problems


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _cell_text(value: Any) -> str:
    """A spreadsheet or JSON value as the text a CSV would hold; an empty cell is empty text."""
    if _is_missing(value):
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _parse_row(record: dict[str, Any], *, known_agents: set[str], today: dt.date) -> tuple[dict[str, Any], list]:
    problems: list[str] = []
    values: dict[str, Any] = {}
    text = {column: str(record.get(column, "")).strip() for column in KPI_COLUMNS}
    number = text["employee_number"]
    if not number:
        problems.append(_("employee_number is empty"))
    elif len(number) > MAX_EMPLOYEE_NUMBER or number not in known_agents:
        problems.append(_("unknown agent %(n)s") % {"n": number})
    values["employee_number"] = number
    values["date"] = _parse_date(text["date"], today=today, problems=problems)
    for column in COUNT_COLUMNS:
        values[column] = _parse_count(column, text[column], problems)
    for column in PERCENT_COLUMNS:
        values[column] = _parse_percent(column, text[column], problems)
    problems += _impossible(values)
    return values, problems


def _parse_date(value: str, *, today: dt.date, problems: list[str]) -> dt.date | None:
    if not value:
        problems.append(_("date is empty"))
        return None
    try:
        day = dt.date.fromisoformat(value)
        if len(value) != ISO_DATE_LENGTH:
            raise ValueError(value)
    except ValueError:
        problems.append(_("date %(v)s is not a date like 2026-03-01") % {"v": value})
        return None
    if day > today:
        problems.append(_("date %(v)s is in the future") % {"v": value})
    return day


def _parse_count(column: str, value: str, problems: list[str]) -> int | None:
    if not value:
        problems.append(_("%(col)s is empty") % {"col": column})
        return None
    try:
        number = float(value)
    except ValueError:
        problems.append(_("%(col)s %(v)s is not a number") % {"col": column, "v": value})
        return None
    if not math.isfinite(number) or not number.is_integer():
        problems.append(_("%(col)s %(v)s is not a whole number") % {"col": column, "v": value})
        return None
    if number < 0:
        problems.append(_("%(col)s %(v)s is negative") % {"col": column, "v": value})
        return None
    return int(number)


def _parse_percent(column: str, value: str, problems: list[str]) -> float | None:
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        problems.append(_("%(col)s %(v)s is not a number") % {"col": column, "v": value})
        return None
    if not 0 <= number <= PERCENT_MAX:
        problems.append(_("%(col)s %(v)s is not between 0 and 100") % {"col": column, "v": value})
        return None
    return number


def _impossible(values: dict[str, Any]) -> list[str]:
    """Figures that cannot all be true of one agent's day."""
    problems = []
    handled, seconds = values["handled"], values["handle_seconds"]
    resolved, taken, passed = values["resolved_first_contact"], values["spot_tests_taken"], values["spot_tests_passed"]
    if None not in (handled, resolved) and resolved > handled:
        problems.append(_("resolved_first_contact %(r)s is more than handled %(h)s") % {"r": resolved, "h": handled})
    if None not in (taken, passed) and passed > taken:
        problems.append(_("spot_tests_passed %(p)s is more than spot_tests_taken %(t)s") % {"p": passed, "t": taken})
    if seconds is not None and seconds > SECONDS_PER_DAY:
        problems.append(_("handle_seconds %(s)s is more than a day (86400)") % {"s": seconds})
    if None not in (handled, seconds) and (handled == 0) != (seconds == 0):
        problems.append(_("handle_seconds %(s)s does not fit %(h)s handled contacts") % {"s": seconds, "h": handled})
    return problems
