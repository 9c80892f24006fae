"""Parsing finished contacts from the telephony platform (CSV or API fields): pure, per-line errors."""

import csv
import datetime as dt
import io
from dataclasses import dataclass

from django.utils.translation import gettext as _

from agents.staff_import import RowError, check_header
from surveys.models.customer import Channel, Invitation

CONTACT_COLUMNS = (
    "external_id",
    "agent",
    "customer_phone",
    "started_at",
    "ended_at",
    "queue",
    "direction",
    "preferred_channel",
    "language",
)
REQUIRED_CONTACT_COLUMNS = ("external_id", "agent", "started_at")
DIRECTIONS = ("inbound", "outbound")
MAX_EXTERNAL_ID = 64
MAX_QUEUE = 50
PHONE_CHARACTERS = frozenset("+0123456789")
MIN_PHONE_DIGITS, MAX_PHONE_DIGITS = 5, 20


@dataclass(frozen=True)
class ContactRow:
    line: int
    external_id: str
    agent: str
    customer_phone: str
    started_at: dt.datetime
    ended_at: dt.datetime | None
    queue: str
    direction: str
    preferred_channel: str
    language: str


def normalise_phone(raw: str) -> str:
    """Digits with an optional leading +, spaces and dashes dropped; ``ValueError`` otherwise."""
    phone = "".join(ch for ch in raw.strip() if ch not in " -()")
    digits = phone.removeprefix("+")
    if not phone:
        return ""
    if set(phone) - PHONE_CHARACTERS or "+" in digits or not MIN_PHONE_DIGITS <= len(digits) <= MAX_PHONE_DIGITS:
        raise ValueError(_("customer_phone is not a phone number"))
    return phone


def check_contact(record: dict[str, str], *, line: int = 0) -> tuple[ContactRow | None, list[str]]:
    """One contact validated; problems name the column but never quote a phone number."""
    problems: list[str] = []
    get = lambda column: (record.get(column) or "").strip()  # noqa: E731
    external_id = get("external_id")
    if not external_id:
        problems.append(_("external_id is empty"))
    elif len(external_id) > MAX_EXTERNAL_ID:
        problems.append(_("external_id is longer than %(n)s characters") % {"n": MAX_EXTERNAL_ID})
    agent = get("agent")
    if not agent:
        problems.append(_("agent is empty"))
    try:
        phone = normalise_phone(get("customer_phone"))
    except ValueError as exc:
        problems.append(str(exc))
        phone = ""
    started_at = _moment(get("started_at"), "started_at", problems, required=True)
    ended_at = _moment(get("ended_at"), "ended_at", problems, required=False)
    if started_at and ended_at and ended_at < started_at:
        problems.append(_("ended_at is before started_at"))
    queue = get("queue")
    if len(queue) > MAX_QUEUE:
        problems.append(_("queue is longer than %(n)s characters") % {"n": MAX_QUEUE})
    direction = get("direction").lower() or "inbound"
    if direction not in DIRECTIONS:
        problems.append(_("direction %(v)s is not one of inbound, outbound") % {"v": direction})
    channel = get("preferred_channel").lower()
    if channel and channel not in Channel.values:
        problems.append(_("preferred_channel %(v)s is not one of ivr, sms, web") % {"v": channel})
    language = get("language").lower() or Invitation.Language.CHINESE
    if language in ("zh", "zh-cn"):
        language = Invitation.Language.CHINESE
    if language not in Invitation.Language.values:
        problems.append(_("language %(v)s is not one of zh-hans, en") % {"v": language})
    if problems:
        return None, problems
    row = ContactRow(
        line=line,
        external_id=external_id,
        agent=agent,
        customer_phone=phone,
        started_at=started_at,
        ended_at=ended_at,
        queue=queue,
        direction=direction,
        preferred_channel=channel,
        language=language,
    )
    return row, []


def parse_contacts_csv(text: str) -> tuple[list[ContactRow], list[RowError]]:
    """Every row validated; one error per bad line, extra columns named."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    header_errors = check_header(header, allowed=CONTACT_COLUMNS, required=REQUIRED_CONTACT_COLUMNS)
    if header_errors:
        return [], [RowError(1, e) for e in header_errors]
    columns = [c.strip() for c in header]
    rows, errors, seen = [], [], {}
    for line, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(columns):
            errors.append(
                RowError(line, _("expected %(n)s fields, found %(m)s") % {"n": len(columns), "m": len(values)})
            )
            continue
        row, problems = check_contact(dict(zip(columns, values, strict=True)), line=line)
        if row is not None and row.external_id in seen:
            problems = [_("external_id repeats line %(l)s") % {"l": seen[row.external_id]}]
        if problems:
            errors.append(RowError(line, "; ".join(problems)))
            continue
        seen[row.external_id] = line
        rows.append(row)
    return rows, errors


def _moment(raw: str, column: str, problems: list[str], *, required: bool) -> dt.datetime | None:
    if not raw:
        if required:
            problems.append(_("%(c)s is empty") % {"c": column})
        return None
    try:
        moment = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        problems.append(_("%(c)s %(v)s is not an ISO 8601 time with offset") % {"c": column, "v": raw})
        return None
    if moment.tzinfo is None:
        problems.append(_("%(c)s %(v)s has no UTC offset") % {"c": column, "v": raw})
        return None
    return moment
