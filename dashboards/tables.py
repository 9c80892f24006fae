"""The tables a dashboard shows and exports: one object, so a page and its export never differ."""

from dataclasses import dataclass, field
from typing import Any

# Display formats of a column; exports keep full precision whatever the format.
TEXT = "text"
COUNT = "count"
PERCENT = "pct"
MEAN = "mean"
SCORE = "score"
DATE = "date"


@dataclass(frozen=True)
class Column:
    """A column: its §9 name (the export header), its label on the page and its display format."""

    key: str
    label: Any
    kind: str = TEXT


@dataclass
class Table:
    """Rows of plain values under named columns; a row's ``_url`` links its first cell."""

    name: str
    title: Any
    columns: list[Column]
    rows: list[dict[str, Any]] = field(default_factory=list)

    def values(self, row: dict[str, Any]) -> list[Any]:
        """The row's cells in column order."""
        return [row.get(column.key) for column in self.columns]
