"""The dashboards' filters, read from and written back to the query string so a view can be shared."""

import datetime as dt
from dataclasses import dataclass, replace
from urllib.parse import urlencode

from django.http import QueryDict
from django.utils import timezone

from satisfaction.models import Granularity
from surveys.models import Channel

# Periods shown by default: a year of months, or a quarter of weeks.
DEFAULT_MONTHS = 12
DEFAULT_WEEKS = 13
GRANULARITIES = (Granularity.WEEK, Granularity.MONTH)
DAYS_PER_WEEK = 7
MONTHS_PER_YEAR = 12
# Contact.queue holds at most this many characters.
QUEUE_MAX_LENGTH = 50
# The customer comments' filters: a comment's sentiment mark, and bands of the response's CSAT answer.
SENTIMENTS = ("negative", "neutral", "positive")
CSAT_BANDS: dict[str, tuple[int, ...]] = {"1-2": (1, 2), "3": (3,), "4-5": (4, 5)}


def _months_before(day: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` before ``day``'s month."""
    index = day.year * MONTHS_PER_YEAR + day.month - 1 - months
    return dt.date(index // MONTHS_PER_YEAR, index % MONTHS_PER_YEAR + 1, 1)


def _date(value: str | None) -> dt.date | None:
    """An ISO date, or None for anything else."""
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@dataclass(frozen=True)
class DashboardFilters:
    """Period (granularity, start, end), organisation cut (site, team, agent) and contact cut (channel, queue).

    ``sentiment`` and ``csat`` (a key of ``CSAT_BANDS``) narrow only the list of customer comments.
    """

    granularity: str
    start: dt.date
    end: dt.date
    site: str = ""
    team: str = ""
    agent: str = ""
    channel: str = ""
    queue: str = ""
    sentiment: str = ""
    csat: str = ""

    @classmethod
    def from_query(cls, query: QueryDict, *, today: dt.date | None = None) -> "DashboardFilters":
        """Filters from a query string; a missing or malformed value takes its default."""
        today = today or timezone.localdate()
        granularity = query.get("granularity", Granularity.MONTH)
        if granularity not in GRANULARITIES:
            granularity = Granularity.MONTH
        end = _date(query.get("end")) or today
        if granularity == Granularity.MONTH:
            default_start = _months_before(end, DEFAULT_MONTHS - 1)
        else:
            default_start = end - dt.timedelta(days=end.weekday() + DAYS_PER_WEEK * (DEFAULT_WEEKS - 1))
        start = _date(query.get("start")) or default_start
        if start > end:
            start, end = end, start
        channel = query.get("channel", "").strip()
        sentiment = query.get("sentiment", "").strip()
        csat = query.get("csat", "").strip()
        return cls(
            granularity=granularity,
            start=start,
            end=end,
            site=query.get("site", "").strip(),
            team=query.get("team", "").strip(),
            agent=query.get("agent", "").strip(),
            channel=channel if channel in Channel.values else "",
            queue=query.get("queue", "").strip()[:QUEUE_MAX_LENGTH],
            sentiment=sentiment if sentiment in SENTIMENTS else "",
            csat=csat if csat in CSAT_BANDS else "",
        )

    def query(self, **changes: str) -> str:
        """The query string of these filters with ``changes`` applied (empty values left out)."""
        values = replace(self, **changes) if changes else self
        pairs = {
            "granularity": values.granularity,
            "start": values.start.isoformat(),
            "end": values.end.isoformat(),
            "site": values.site,
            "team": values.team,
            "agent": values.agent,
            "channel": values.channel,
            "queue": values.queue,
            "sentiment": values.sentiment,
            "csat": values.csat,
        }
        return urlencode({name: value for name, value in pairs.items() if value})

    def period_query(self) -> str:
        """The query string of the period and the contact cut, without the organisation cut."""
        return self.query(site="", team="", agent="")

    @property
    def cut(self) -> tuple[str, str] | None:
        """The contact cut whose figures snapshots keep: ("channel", code) or ("queue", name); one at a time."""
        if self.channel and self.queue:
            return None
        if self.channel:
            return "channel", self.channel
        if self.queue:
            return "queue", self.queue
        return None
