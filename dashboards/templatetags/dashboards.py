"""Template filters of the dashboards: one cell of a ``Table`` in its display format."""

import datetime as dt
from typing import Any

from django import template
from django.template.defaultfilters import date as format_date
from django.template.defaultfilters import floatformat
from django.utils import timezone

from dashboards.tables import COUNT, DATE, MEAN, PERCENT, SCORE, Column

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


@register.filter
def cell_url(row: dict[str, Any]) -> str:
    """The link of the row's first cell, if any."""
    return row.get("_url", "")
