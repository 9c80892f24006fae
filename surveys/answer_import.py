"""Parsing and validation of survey answers in the interchange format (DESIGN.md, SCORING.md §1).

Pure: text in, validated responses or per-line errors out; ``surveys.services`` writes them.
"""

import csv
import datetime as dt
import io
import math
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.utils.translation import gettext as _

from agents.staff_import import RowError, check_header
from surveys.models import DIMENSION_ITEMS, ITEM_SCALES, Channel, Item, dimension_collides

ANSWER_COLUMNS = ("contact_id", "agent", "answered_at", "channel", "item", "dimension", "value")
FCR_VALUES = {"yes": 1.0, "no": 0.0}
MAX_CONTACT_ID = 64
MAX_COMMENT = 4000
# DESIGN.md "Survey answers": the items the interchange format carries (Kano pairs are not part of it).
IMPORT_ITEMS = ("csat", "nps", "ces", "fcr", "expectation", "experience", "disconfirmation", "comment")


@dataclass(frozen=True)
class AnswerRow:
    line: int
    item: str
    dimension: str
    value: float | None
    text: str


@dataclass
class ResponseRows:
    """All rows of one contact_id: one response."""

    contact_id: str
    agent: str
    channel: str
    answered_at: dt.datetime
    first_line: int
    answers: list[AnswerRow] = field(default_factory=list)


def parse_answers_csv(text: str, *, known_agents: set[str]) -> tuple[list[ResponseRows], list[RowError]]:
    """Validate every row and group them by contact_id; one error per bad line."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    header_errors = check_header(header, allowed=ANSWER_COLUMNS, required=ANSWER_COLUMNS)
    if header_errors:
        return [], [RowError(1, e) for e in header_errors]
    columns = [c.strip() for c in header]
    responses: dict[str, ResponseRows] = {}
    seen: dict[tuple[str, str, str], int] = {}
    errors: list[RowError] = []
    for line, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(columns):
            errors.append(
                RowError(line, _("expected %(n)s fields, found %(m)s") % {"n": len(columns), "m": len(values)})
            )
            continue
        record = dict(zip(columns, values, strict=True))
        problems, parsed = _check_row(record, known_agents=known_agents)
        key = (parsed["contact_id"], parsed["item"], parsed["dimension"])
        response = responses.get(parsed["contact_id"])
        if not problems:
            if key in seen:
                problems.append(_("this item repeats line %(l)s for the same contact") % {"l": seen[key]})
            if response is not None:
                problems.extend(_consistency_problems(response, parsed))
        if problems:
            errors.append(RowError(line, "; ".join(problems)))
            continue
        seen[key] = line
        if response is None:
            response = responses[parsed["contact_id"]] = ResponseRows(
                contact_id=parsed["contact_id"],
                agent=parsed["agent"],
                channel=parsed["channel"],
                answered_at=parsed["answered_at"],
                first_line=line,
            )
        # The response is dated by its first answer: that is when the customer began.
        response.answered_at = min(response.answered_at, parsed["answered_at"])
        response.answers.append(
            AnswerRow(
                line=line,
                item=parsed["item"],
                dimension=parsed["dimension"],
                value=parsed["value"],
                text=parsed["text"],
            )
        )
    return list(responses.values()), errors


def _consistency_problems(response: ResponseRows, parsed: dict) -> list[str]:
    problems = []
    for column in ("agent", "channel"):
        if getattr(response, column) != parsed[column]:
            problems.append(
                _("%(col)s %(v)s differs from %(w)s on line %(l)s for the same contact")
                % {"col": column, "v": parsed[column], "w": getattr(response, column), "l": response.first_line}
            )
    return problems


def _check_row(record: dict[str, str], *, known_agents: set[str]) -> tuple[list[str], dict]:
    problems: list[str] = []
    parsed: dict = {}
    contact_id = record["contact_id"].strip()
    if not contact_id:
        problems.append(_("contact_id is empty"))
    elif len(contact_id) > MAX_CONTACT_ID:
        problems.append(_("contact_id is longer than %(n)s characters") % {"n": MAX_CONTACT_ID})
    parsed["contact_id"] = contact_id

    agent = record["agent"].strip()
    if not agent:
        problems.append(_("agent is empty"))
    elif agent not in known_agents:
        problems.append(_("agent %(v)s is not a known employee number") % {"v": agent})
    parsed["agent"] = agent

    parsed["answered_at"] = _parse_moment(record["answered_at"].strip(), problems)

    channel = record["channel"].strip().lower()
    if channel not in Channel.values:
        problems.append(_("channel %(v)s is not one of ivr, sms, web") % {"v": record["channel"]})
    parsed["channel"] = channel

    item = record["item"].strip().lower()
    # Dimension codes are case-insensitive: "Empathy" and "empathy" are one dimension.
    dimension = record["dimension"].strip().lower()
    parsed["item"], parsed["dimension"], parsed["value"], parsed["text"] = item, dimension, None, ""
    if item not in IMPORT_ITEMS:
        problems.append(
            _("item %(v)s is not one of %(items)s") % {"v": record["item"], "items": ", ".join(IMPORT_ITEMS)}
        )
        return problems, parsed
    if item in DIMENSION_ITEMS:
        if not dimension:
            problems.append(_("%(item)s needs a dimension") % {"item": item})
        else:
            try:
                validate_slug(dimension)
            except ValidationError:
                problems.append(_("dimension %(v)s may hold only letters, digits, - and _") % {"v": dimension})
            if dimension_collides(dimension):
                problems.append(_("dimension %(v)s collides with the names of gap figures") % {"v": dimension})
    elif dimension:
        problems.append(_("dimension must be empty for %(item)s") % {"item": item})
    raw = record["value"].strip()
    if item == Item.COMMENT:
        if not raw:
            problems.append(_("the comment is empty"))
        elif len(raw) > MAX_COMMENT:
            problems.append(_("the comment is longer than %(n)s characters") % {"n": MAX_COMMENT})
        parsed["text"] = raw
    elif item == Item.FCR:
        if raw.lower() not in FCR_VALUES:
            problems.append(_("fcr must be yes or no, not %(v)s") % {"v": raw})
        else:
            parsed["value"] = FCR_VALUES[raw.lower()]
    else:
        parsed["value"] = _parse_scaled(item, raw, problems)
    return problems, parsed


def _parse_moment(raw: str, problems: list[str]) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        problems.append(_("answered_at %(v)s is not an ISO 8601 time like 2026-03-01T10:15:00+08:00") % {"v": raw})
        return None
    if moment.tzinfo is None:
        problems.append(_("answered_at %(v)s has no UTC offset") % {"v": raw})
        return None
    return moment


def _parse_scaled(item: str, raw: str, problems: list[str]) -> float | None:
    low, high = ITEM_SCALES[item]
    try:
        value = float(raw)
    except ValueError:
        problems.append(_("value %(v)s of %(item)s is not a number") % {"v": raw, "item": item})
        return None
    if math.isfinite(value) and value != int(value):
        # Every scale of SCORING.md §1 is a set of whole points; 4.5 is neither top-2 nor not.
        problems.append(_("value %(v)s of %(item)s is not a whole number") % {"v": raw, "item": item})
        return None
    if not math.isfinite(value) or not low <= value <= high:
        problems.append(
            _("value %(v)s of %(item)s is outside %(lo)s to %(hi)s") % {"v": raw, "item": item, "lo": low, "hi": high}
        )
        return None
    return value
