"""Parsing and validation of a staff list in the agents format (DESIGN.md "Interchange formats").

Pure: text in, validated rows or errors out; ``agents.services.import_agents`` writes them.
"""

import csv
import datetime as dt
import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email, validate_slug
from django.utils import timezone
from django.utils.translation import gettext as _

AGENT_COLUMNS = ("employee_number", "name", "team", "site", "hire_date", "email")
REQUIRED_COLUMNS = ("employee_number", "name", "team", "site", "hire_date")
MAX_FIELD_LENGTH = {"employee_number": 32, "name": 100, "team": 32, "site": 32, "email": 254}


@dataclass(frozen=True)
class AgentRow:
    line: int
    employee_number: str
    name: str
    team: str
    site: str
    hire_date: dt.date
    email: str


@dataclass(frozen=True)
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return _("line %(line)s: %(message)s") % {"line": self.line, "message": self.message}


def decode_upload(data: bytes) -> str:
    """UTF-8 text of an uploaded file (a BOM from Excel is accepted), or ``ValueError``."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(_("The file is not UTF-8 text (byte %(pos)s).") % {"pos": exc.start}) from exc


def check_header(header: list[str] | None, *, allowed: tuple[str, ...], required: tuple[str, ...]) -> list[str]:
    """Errors for a header row: missing, unknown (named) and repeated columns."""
    if not header:
        return [_("The file is empty: a header row is expected.")]
    columns = [c.strip() for c in header]
    errors = []
    missing = [c for c in required if c not in columns]
    extra = [c for c in columns if c not in allowed]
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    if missing:
        errors.append(_("Missing columns: %(cols)s.") % {"cols": ", ".join(missing)})
    if extra:
        errors.append(_("Unknown columns: %(cols)s.") % {"cols": ", ".join(extra)})
    if repeated:
        errors.append(_("Repeated columns: %(cols)s.") % {"cols": ", ".join(repeated)})
    return errors


def parse_agents_csv(text: str) -> tuple[list[AgentRow], list[RowError]]:
    """Validate every row; return the good rows and one error per bad row (line numbers 1-based)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    header_errors = check_header(header, allowed=AGENT_COLUMNS, required=REQUIRED_COLUMNS)
    if header_errors:
        return [], [RowError(1, e) for e in header_errors]
    columns = [c.strip() for c in header]
    rows: list[AgentRow] = []
    errors: list[RowError] = []
    seen_numbers: dict[str, int] = {}
    team_sites: dict[str, tuple[str, int]] = {}
    for line, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(columns):
            errors.append(
                RowError(line, _("expected %(n)s fields, found %(m)s") % {"n": len(columns), "m": len(values)})
            )
            continue
        record = {c: v.strip() for c, v in zip(columns, values, strict=True)}
        problems = _row_problems(record)
        number = record["employee_number"]
        if number and number in seen_numbers:
            problems.append(_("employee_number %(n)s repeats line %(l)s") % {"n": number, "l": seen_numbers[number]})
        team, site = record["team"], record["site"]
        if team and site and team in team_sites and team_sites[team][0] != site:
            problems.append(
                _("team %(t)s is in site %(s)s on line %(l)s")
                % {"t": team, "s": team_sites[team][0], "l": team_sites[team][1]}
            )
        if problems:
            errors.append(RowError(line, "; ".join(problems)))
            continue
        seen_numbers[number] = line
        team_sites.setdefault(team, (site, line))
        rows.append(
            AgentRow(
                line=line,
                employee_number=number,
                name=record["name"],
                team=team,
                site=site,
                hire_date=dt.date.fromisoformat(record["hire_date"]),
                email=record.get("email", "").lower(),
            )
        )
    return rows, errors


def _row_problems(record: dict[str, str]) -> list[str]:
    problems = []
    for column in REQUIRED_COLUMNS:
        if not record.get(column):
            problems.append(_("%(col)s is empty") % {"col": column})
    for column, limit in MAX_FIELD_LENGTH.items():
        if len(record.get(column, "")) > limit:
            problems.append(_("%(col)s is longer than %(n)s characters") % {"col": column, "n": limit})
    for column in ("team", "site"):
        if record.get(column):
            try:
                validate_slug(record[column])
            except ValidationError:
                problems.append(
                    _("%(col)s code %(v)s may hold only letters, digits, - and _")
                    % {"col": column, "v": record[column]}
                )
    if record.get("hire_date"):
        try:
            hired = dt.date.fromisoformat(record["hire_date"])
            if len(record["hire_date"]) != len("YYYY-MM-DD"):
                raise ValueError
            if hired > timezone.localdate() + dt.timedelta(days=366):
                problems.append(_("hire_date %(v)s is too far in the future") % {"v": record["hire_date"]})
        except ValueError:
            problems.append(_("hire_date %(v)s is not a date like 2026-03-01") % {"v": record["hire_date"]})
    if record.get("email"):
        try:
            validate_email(record["email"])
        except ValidationError:
            problems.append(_("email %(v)s is not an e-mail address") % {"v": record["email"]})
    return problems
