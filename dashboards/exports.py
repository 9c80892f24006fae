"""CSV and Excel downloads of a dashboard table: the page's own ``Table``, so the totals match."""

import csv
import datetime as dt
import io
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook

from dashboards.tables import Table

CSV = "csv"
XLSX = "xlsx"
FORMATS = (CSV, XLSX)
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Spreadsheet programs run a cell starting with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Excel sheet titles are at most 31 characters.
SHEET_TITLE_MAX = 31


def export_cell(value: Any) -> Any:
    """A cell as exports write it: full precision, ISO dates, text that could run as a formula quoted."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool | int | float):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def table_file(table: Table, *, fmt: str) -> tuple[bytes, str]:
    """The table as CSV or Excel bytes and their content type; headers are the SCORING.md §9 names."""
    header = [column.key for column in table.columns]
    rows = [[export_cell(value) for value in table.values(row)] for row in table.rows]
    if fmt == XLSX:
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = table.name[:SHEET_TITLE_MAX]
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue(), XLSX_CONTENT_TYPE
    text = io.StringIO()
    # A byte-order mark so that spreadsheet programs read the Chinese text as UTF-8.
    text.write("\ufeff")
    writer = csv.writer(text)
    writer.writerow(header)
    writer.writerows(rows)
    return text.getvalue().encode(), "text/csv; charset=utf-8"


def file_response(content: bytes, content_type: str, *, filename: str) -> HttpResponse:
    """A download of ``content`` named ``filename``."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
