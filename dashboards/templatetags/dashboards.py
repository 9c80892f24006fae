"""Template filters of the dashboards: one cell of a ``Table`` in its display format."""

import datetime as dt
from typing import Any

from django import template
from django.template.defaultfilters import date as format_date
from django.template.defaultfilters import floatformat
from django.utils import timezone
from django.utils.html import conditional_escape as escape
from django.utils.safestring import mark_safe

from dashboards.tables import COUNT, DATE, MEAN, PERCENT, SCORE, Column, Table

register = template.Library()
EMPTY = "—"
DECIMALS = {PERCENT: 1, MEAN: 2, SCORE: 0, COUNT: 0}


@register.filter
def cell(row: dict[str, Any], column: Column) -> str:
    """The row's value of the column, rounded for display only (SCORING.md: stored values keep precision)."""
    value = row.get(column.key)
    if value is None or value == "":
        return EMPTY
    if column.kind == DATE and isinstance(value, dt.datetime):
        return format_date(timezone.localtime(value), "Y-m-d H:i")
    if column.kind == DATE and isinstance(value, dt.date):
        return format_date(value, "Y-m-d")
    if column.kind in DECIMALS and isinstance(value, int | float):
        return floatformat(value, DECIMALS[column.kind])
    return str(value)


@register.filter
def is_number(column: Column) -> bool:
    """Whether the column is right-aligned as a figure."""
    return column.kind in DECIMALS


@register.simple_tag
def table_rows(table: Table) -> str:
    """The table's body rows, built here rather than by template loops (a page's tables hold thousands of cells).

    The same markup the loops made: figures right-aligned, the first cell linked to the row's
    ``_url``, every value escaped.
    """
    columns = [
        (column, ' class="num"' if column.kind in DECIMALS else "", escape(column.key)) for column in table.columns
    ]
    parts = []
    for row in table.rows:
        parts.append("<tr>")
        url = row.get("_url", "")
        for index, (column, number_class, key) in enumerate(columns):
            text = escape(cell(row, column))
            if index == 0 and url:
                text = f'<a href="{escape(url)}">{text}</a>'
            parts.append(f'<td{number_class} data-key="{key}">{text}</td>')
        parts.append("</tr>\n")
    return mark_safe("".join(parts))  # every value above went through escape
