"""Reads of the dashboards: score snapshots and tickets, always scoped through ``satisfaction.scoping``.

Pages read snapshots, never raw answers, except the single-contact page (DESIGN.md flow 3).
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agents import selectors as agent_selectors
from agents.models import ACTIVE_STATUSES, Agent, CaseReason, KpiMetric, KpiTarget, Role, TicketStatus, User
from agents.models.kpi import LOWER_IS_BETTER
from agents.selectors.cases import overdue_filter
from dashboards.filters import CSAT_BANDS, DashboardFilters
from dashboards.tables import COUNT, DATE, MEAN, PERCENT, SCORE, TEXT, Column, Table
from satisfaction import scoping, scoring
from satisfaction.breakdowns import CSAT_VALUES, CUT_FIGURES, CUT_MARK, cut_name
from satisfaction.exceptions import NotFound
from satisfaction.loading import SCORED_ITEMS
from satisfaction.models import CENTRE_KEY, Granularity, Level, ScoreSnapshot
from satisfaction.selectors import balance_link, balance_rows, score_snapshots
from satisfaction.services import next_month
from surveys import pulse_selectors
from surveys.models import Answer, Contact, Response

# Rows shown at most in lists that grow with time (contacts, cases, tickets).
LIST_LIMIT = 50
# SCORING.md §8: the link is reported for a 5-point rise of the employee index.
LINK_RISE_POINTS = 5
# SCORING.md §2: fewer responses than this are marked "small sample".
SMALL_SAMPLE_N = 30
QUADRANT_LABELS = {
    scoring.QUADRANT_BALANCED: _("balanced"),
    scoring.QUADRANT_CUSTOMER_FIRST_STRAIN: _("customer-first strain"),
    scoring.QUADRANT_INTERNAL_COMFORT: _("internal comfort"),
    scoring.QUADRANT_AT_RISK: _("at risk"),
}
CUSTOMER_COLUMNS = [
    Column("n_responses", _("Responses"), COUNT),
    Column("csat_pct", _("CSAT %"), PERCENT),
    Column("csat_mean", _("CSAT mean"), MEAN),
    Column("nps", "NPS", SCORE),
    Column("ces_mean", "CES", MEAN),
    Column("fcr_pct", _("FCR %"), PERCENT),
    Column("response_rate_pct", _("Response rate %"), PERCENT),
    Column("gap", _("Gap"), PERCENT),
    Column("hidden_dissatisfaction_pct", _("Hidden dissatisfaction %"), PERCENT),
    Column("mismatch_count", _("Mismatches"), COUNT),
]
KPI_COLUMNS = [
    Column("aht_s", _("Average handle time (s)"), SCORE),
    Column("fcr_operational_pct", _("First-contact resolution %"), PERCENT),
    Column("qa_courtesy", _("QA courtesy score"), PERCENT),
    Column("complaints_per_1k", _("Complaints per 1,000 contacts"), MEAN),
    Column("praise_per_1k", _("Praise per 1,000 contacts"), MEAN),
    Column("spot_test_pass_pct", _("Spot-test pass rate %"), PERCENT),
    Column("grievances_upheld", _("Upheld grievances"), COUNT),
]
PERIOD_COLUMN = Column("period_start", _("Period"), DATE)
# Suffixes of the per-dimension gap figures that are not themselves a dimension (SCORING.md §9).
GAP_DETAIL_SUFFIXES = ("_sd", "_ci_low", "_ci_high", "_n")
QUEUE_MARK = f"{CUT_MARK}queue="
DIMENSION_COLUMNS = [
    Column("dimension", _("Dimension"), TEXT),
    Column("expectation", _("Expectation (1–7)"), MEAN),
    Column("experience", _("Experience (1–7)"), MEAN),
    Column("pairs", _("Pairs"), COUNT),
    Column("gap", _("Gap"), PERCENT),
    Column("ci_low", _("Interval low (95 %)"), PERCENT),
    Column("ci_high", _("Interval high (95 %)"), PERCENT),
    Column("n", "n", COUNT),
]
KANO_COLUMNS = [
    Column("attribute", _("Attribute"), TEXT),
    Column("kano_category", _("Category"), TEXT),
    Column("kano_better", _("Better"), MEAN),
    Column("kano_worse", _("Worse"), MEAN),
    Column("kano_n", "n", COUNT),
]
# SCORING.md §6 categories in words.
KANO_LABELS = {
    "A": _("attractive"),
    "O": _("one-dimensional"),
    "M": _("must-be"),
    "I": _("indifferent"),
    "R": _("reverse"),
    "Q": _("questionable"),
}
KANO_MARK = "kano_category_"
DISTRIBUTION_COLUMNS = [
    Column("csat", _("CSAT answer"), TEXT),
    Column("responses", _("Responses"), COUNT),
    Column("share_pct", _("Share %"), PERCENT),
]


def cut_figures(metrics: dict[str, Any], filters: DashboardFilters) -> dict[str, Any]:
    """A snapshot's figures for the filters' channel or queue, under the plain names; all of them without a cut.

    Snapshots keep the headline figures per channel and per queue, not per channel and queue
    together, so asking for both gives no figures.
    """
    if not (filters.channel or filters.queue):
        return metrics
    # Names not kept per cut are present and empty, so pages show "—" for them rather than nothing.
    empty = dict.fromkeys(column.key for column in CUSTOMER_COLUMNS)
    if filters.cut is None:
        return empty
    cut, value = filters.cut
    return {**empty, **{name: metrics.get(cut_name(name, cut=cut, value=value)) for name in CUT_FIGURES}}


def queue_names(*snapshots: dict[str, Any]) -> list[str]:
    """The queues that have figures in any of the snapshots, for the queue filter."""
    return sorted({name.split(QUEUE_MARK, 1)[1] for metrics in snapshots for name in metrics if QUEUE_MARK in name})


def csat_distribution(figures: dict[str, Any]) -> list[dict[str, Any]]:
    """Responses per CSAT answer 1-5 (``csat_count_<v>``) with each one's share of the answers."""
    counts = [figures.get(f"csat_count_{value}") for value in CSAT_VALUES]
    if all(count is None for count in counts):
        return []
    total = sum(count or 0 for count in counts)
    return [
        {"csat": str(value), "responses": count or 0, "share_pct": (count or 0) / total * 100 if total else None}
        for value, count in zip(CSAT_VALUES, counts, strict=True)
    ]


def kano_rows(metrics: dict[str, Any]) -> list[dict[str, Any]]:
    """§6 per attribute of one snapshot (``kano_category_<a>`` and its kin), attributes in name order."""
    attributes = sorted(name[len(KANO_MARK) :] for name in metrics if name.startswith(KANO_MARK))
    return [
        {
            "attribute": a,
            "kano_category": KANO_LABELS.get(metrics[f"{KANO_MARK}{a}"], metrics[f"{KANO_MARK}{a}"]),
            "kano_code": metrics[f"{KANO_MARK}{a}"],
            "kano_better": metrics.get(f"kano_better_{a}"),
            "kano_worse": metrics.get(f"kano_worse_{a}"),
            "kano_n": metrics.get(f"kano_n_{a}"),
        }
        for a in attributes
    ]


def _metrics(snapshots: QuerySet[ScoreSnapshot]) -> dict[tuple[str, dt.date], dict]:
    """Snapshot figures keyed by (key, period_start)."""
    return {(key, period): metrics for key, period, metrics in snapshots.values_list("key", "period_start", "metrics")}


def _latest_period(
    user: User, filters: DashboardFilters, *, level: str, keys: set[str] | None = None
) -> dt.date | None:
    """The latest period in the filters' range with a snapshot at ``level`` (among ``keys``)."""
    snapshots = score_snapshots(
        user, level=level, granularity=filters.granularity, start=filters.start, end=filters.end
    )
    if keys is not None:
        snapshots = snapshots.filter(key__in=keys)
    return snapshots.order_by("-period_start").values_list("period_start", flat=True).first()


def _check_cut(user: User, filters: DashboardFilters) -> None:
    """404 for a site, team or agent in the filters that the user may not see."""
    if filters.site:
        scoping.get_site_for_user(user, filters.site)
    if filters.team:
        team = scoping.get_team_for_user(user, filters.team)
        if filters.site and team.site.code != filters.site:
            raise NotFound()
    if filters.agent:
        scoping.get_agent_for_user(user, filters.agent)


# --- balance (SCORING.md §8) -------------------------------------------------------------------


@dataclass
class BalanceDashboard:
    filters: DashboardFilters
    customer_target: float
    employee_target: float
    points: list[dict[str, Any]]
    link: list[dict[str, Any]]
    trend_label: Any
    trend: Table
    ranking: Table
    left_out: int

    @property
    def tables(self) -> dict[str, Table]:
        return {t.name: t for t in (self.ranking, self.trend)}


def link_sentence(link: dict[str, Any]) -> dict[str, Any]:
    """The §8 link as the page says it: the customer-index change for a 5-point employee rise."""
    if not link["enough_data"]:
        return {**link, "sentence_points": None}
    return {
        **link,
        "rise": LINK_RISE_POINTS,
        "sentence_points": link["link_slope"] * LINK_RISE_POINTS,
        "sentence_low": link["link_slope_ci_low"] * LINK_RISE_POINTS,
        "sentence_high": link["link_slope_ci_high"] * LINK_RISE_POINTS,
    }


def _trend_group(user: User, filters: DashboardFilters) -> tuple[str, str] | None:
    """The group whose own snapshots draw the trend: the filtered team or site, or the centre."""
    if filters.team:
        return Level.TEAM, filters.team
    if filters.site:
        sites = scoping.visible_score_keys(user, Level.SITE)
        return (Level.SITE, filters.site) if sites is None or filters.site in sites else None
    return (Level.CENTRE, CENTRE_KEY) if scoping.can_see_centre(user) else None


def balance_dashboard(user: User, filters: DashboardFilters) -> BalanceDashboard:
    """Every visible team on the customer x employee plane, the trends, the link and the lean ranking."""
    _check_cut(user, filters)
    teams = {t.code: t for t in scoping.visible_teams(user)}
    rows = [
        r
        for r in balance_rows(user, granularity=filters.granularity, start=filters.start, end=filters.end)
        if (not filters.team or r["team"] == filters.team) and (not filters.site or r["site"] == filters.site)
    ]
    both = [r for r in rows if r["customer_index"] is not None and r["employee_index"] is not None]
    latest: dict[str, dict] = {}
    for row in both:
        latest[row["team"]] = row  # rows come oldest first, so the last one is the latest
    points = []
    for code, row in latest.items():
        team = teams.get(code)
        points.append(
            {
                **row,
                "name": team.name if team else code,
                "site_name": team.site.name if team else row["site"],
                "quadrant_label": QUADRANT_LABELS.get(row["quadrant"], row["quadrant"]),
                "_url": reverse("dashboards:customer") + "?" + filters.query(site="", team=code, agent=""),
            }
        )
    points.sort(key=lambda p: (-(p["lean"] if p["lean"] is not None else float("-inf")), p["name"]))
    ranking = Table(
        name="ranking",
        title=_("Teams ranked by lean"),
        columns=[
            Column("name", _("Team"), TEXT),
            Column("site_name", _("Site"), TEXT),
            PERIOD_COLUMN,
            Column("customer_index", _("Customer index"), PERCENT),
            Column("employee_index", _("Employee index"), PERCENT),
            Column("quadrant_label", _("Quadrant"), TEXT),
            Column("lean", _("Lean"), PERCENT),
            Column("n_responses", _("Responses"), COUNT),
        ],
        rows=points,
    )
    group = _trend_group(user, filters)
    trend_rows = []
    if group is not None:
        level, key = group
        for s in score_snapshots(
            user, level=level, granularity=filters.granularity, start=filters.start, end=filters.end, key=key
        ):
            trend_rows.append(
                {"period_start": s.period_start, **{n: s.metrics.get(n) for n in ("customer_index", "employee_index")}}
            )
        trend_label = {Level.TEAM: _("the team"), Level.SITE: _("the site"), Level.CENTRE: _("the centre")}[level]
    else:
        trend_rows = _mean_by_period(rows, ("customer_index", "employee_index"))
        trend_label = _("mean of your teams")
    trend = Table(
        name="trend",
        title=_("Trend of both indices"),
        columns=[
            PERIOD_COLUMN,
            Column("customer_index", _("Customer index"), PERCENT),
            Column("employee_index", _("Employee index"), PERCENT),
        ],
        rows=trend_rows,
    )
    return BalanceDashboard(
        filters=filters,
        customer_target=settings.CUSTOMER_TARGET,
        employee_target=settings.EMPLOYEE_TARGET,
        points=points,
        link=[link_sentence(found) for found in balance_link(rows, granularity=filters.granularity)],
        trend_label=trend_label,
        trend=trend,
        ranking=ranking,
        left_out=len({r["team"] for r in rows} - set(latest)),
    )


def _mean_by_period(rows: list[dict], names: tuple[str, ...]) -> list[dict]:
    """Per period, the unweighted mean of each figure over the rows that have it."""
    sums: dict[dt.date, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        for name in names:
            if row.get(name) is not None:
                sums[row["period_start"]][name].append(row[name])
    return [
        {"period_start": period, **{n: (sum(v) / len(v) if (v := values.get(n)) else None) for n in names}}
        for period, values in sorted(sums.items())
    ]


# --- customer drill-down: centre > site > team > agent > contact --------------------------------


@dataclass
class Crumb:
    label: Any
    query: str


@dataclass
class CustomerDashboard:
    filters: DashboardFilters
    level: str | None
    key: str
    name: Any
    crumbs: list[Crumb]
    period: dt.date | None
    figures: dict[str, Any]
    small_sample: bool
    gaps: list[dict[str, Any]]
    trend: Table
    children: Table
    mismatches: Table
    distribution: Table
    dimensions: Table
    queue_options: list[str] = field(default_factory=list)
    contacts: Table | None = None
    kano: Table | None = None
    hidden: Table | None = None
    # Hidden responses of the shown period by the snapshot's figure (None where the node has none).
    hidden_count: int | None = None
    comments: Table | None = None
    comment_count: int = 0

    @property
    def tables(self) -> dict[str, Table]:
        found = [
            self.children,
            self.trend,
            self.mismatches,
            self.distribution,
            self.dimensions,
            self.kano,
            self.hidden,
            self.comments,
        ]
        return {t.name: t for t in (*found, self.contacts) if t is not None}


def dimension_gaps(metrics: dict[str, Any]) -> list[dict[str, Any]]:
    """The §2 gap per dimension of one snapshot with its n and interval, and mean expectation and experience."""
    dimensions = sorted(
        name[len("gap_") :]
        for name in metrics
        if name.startswith("gap_") and f"{name}_n" in metrics and not name.endswith(GAP_DETAIL_SUFFIXES)
    )
    return [
        {
            "dimension": d,
            "gap": metrics.get(f"gap_{d}"),
            "n": metrics.get(f"gap_{d}_n"),
            "ci_low": metrics.get(f"gap_{d}_ci_low"),
            "ci_high": metrics.get(f"gap_{d}_ci_high"),
            "expectation": metrics.get(f"expectation_{d}"),
            "experience": metrics.get(f"experience_{d}"),
            "pairs": metrics.get(f"pairs_{d}"),
        }
        for d in dimensions
    ]


def customer_dashboard(user: User, filters: DashboardFilters) -> CustomerDashboard:
    """One node of the drill-down with its figures, trend, children, mismatches (and contacts for an agent)."""
    _check_cut(user, filters)
    centre_wide = scoping.can_see_centre(user)
    crumbs = [Crumb(_("Centre") if centre_wide else _("Your teams"), filters.period_query())]
    level: str | None
    children_query: list[tuple[str, Any, str]]  # (key, name, query of the child)
    if filters.agent:
        agent = scoping.get_agent_for_user(user, filters.agent)
        level, key, name = Level.AGENT, agent.employee_number, agent.name
        team = agent.team
        crumbs += [
            Crumb(team.site.name, filters.query(site=team.site.code, team="", agent="")),
            Crumb(team.name, filters.query(site=team.site.code, team=team.code, agent="")),
        ]
        child_level, children_query = None, []
    elif filters.team:
        team = scoping.get_team_for_user(user, filters.team)
        level, key, name = Level.TEAM, team.code, team.name
        crumbs.append(Crumb(team.site.name, filters.query(site=team.site.code, team="", agent="")))
        agents = scoping.visible_agents(user).filter(team=team).order_by("name")
        child_level = Level.AGENT
        children_query = [
            (a.employee_number, a.name, filters.query(site=team.site.code, team=team.code, agent=a.employee_number))
            for a in agents
        ]
    elif filters.site:
        site = scoping.get_site_for_user(user, filters.site)
        level, key, name = Level.SITE, site.code, site.name
        teams = scoping.visible_teams(user).filter(site=site).order_by("name")
        child_level = Level.TEAM
        children_query = [(t.code, t.name, filters.query(site=site.code, team=t.code, agent="")) for t in teams]
    else:
        level, key, name = (Level.CENTRE, CENTRE_KEY, _("Centre")) if centre_wide else (None, "", _("Your teams"))
        crumbs = []
        if centre_wide:
            child_level = Level.SITE
            children_query = [
                (s.code, s.name, filters.query(site=s.code, team="", agent=""))
                for s in scoping.visible_sites(user).order_by("name")
            ]
        else:
            child_level = Level.TEAM
            children_query = [
                (t.code, t.name, filters.query(site=t.site.code, team=t.code, agent=""))
                for t in scoping.visible_teams(user).order_by("site__name", "name")
            ]

    trend_rows: list[dict] = []
    raw_latest: dict[str, Any] = {}
    if level is not None:
        for s in score_snapshots(
            user, level=level, granularity=filters.granularity, start=filters.start, end=filters.end, key=key
        ):
            trend_rows.append({"period_start": s.period_start, **cut_figures(s.metrics, filters)})
            raw_latest = s.metrics
    child_keys = {k for k, _name, _q in children_query}
    if trend_rows:
        period = trend_rows[-1]["period_start"]
    elif child_level is not None and child_keys:
        period = _latest_period(user, filters, level=child_level, keys=child_keys)
    else:
        period = None
    figures = trend_rows[-1] if trend_rows and trend_rows[-1]["period_start"] == period else {}

    children_rows = []
    if child_level is not None and period is not None:
        found = _metrics(
            score_snapshots(user, level=child_level, granularity=filters.granularity, start=period, end=period).filter(
                key__in=child_keys
            )
        )
        base = reverse("dashboards:customer")
        for child_key, child_name, query in children_query:
            metrics = found.get((child_key, period), {})
            children_rows.append(
                {"name": child_name, "key": child_key, **cut_figures(metrics, filters), "_url": f"{base}?{query}"}
            )
        queues = queue_names(raw_latest, *found.values())
    else:
        queues = queue_names(raw_latest)
    children = Table(
        name="children",
        title=_("Breakdown"),
        columns=[Column("name", _("Name"), TEXT), Column("key", _("Code"), TEXT), *CUSTOMER_COLUMNS],
        rows=children_rows,
    )
    trend = Table(name="trend", title=_("Trend"), columns=[PERIOD_COLUMN, *CUSTOMER_COLUMNS], rows=trend_rows)
    contacts = _agent_contacts(user, filters, agent) if level == Level.AGENT else None
    # Per-dimension figures are kept for the whole group only, so a channel or queue shows none.
    gaps = [] if filters.channel or filters.queue else dimension_gaps(figures)
    kano = [] if filters.channel or filters.queue else kano_rows(figures)
    comment_rows, comment_count = (
        _comments(user, filters, level=level, key=key, period=period) if period is not None else ([], 0)
    )
    hidden_rows = _hidden_responses(user, filters, level=level, key=key, period=period) if period is not None else []
    return CustomerDashboard(
        filters=filters,
        level=level,
        key=key,
        name=name,
        crumbs=crumbs,
        period=period,
        figures=figures,
        small_sample=bool(figures) and (figures.get("n_responses") or 0) < SMALL_SAMPLE_N,
        gaps=gaps,
        trend=trend,
        children=children,
        mismatches=_mismatches(user, filters, level=level, key=key),
        distribution=Table("distribution", _("CSAT distribution"), DISTRIBUTION_COLUMNS, csat_distribution(figures)),
        dimensions=Table("dimensions", _("Expectation, experience and gap per dimension"), DIMENSION_COLUMNS, gaps),
        queue_options=sorted({*queues, *([filters.queue] if filters.queue else [])}),
        contacts=contacts,
        kano=Table("kano", _("Kano: better against worse per attribute"), KANO_COLUMNS, kano),
        hidden=Table(
            "hidden",
            _("Hidden dissatisfaction: satisfied answers that still hold dissatisfaction"),
            HIDDEN_COLUMNS,
            hidden_rows,
        ),
        hidden_count=hidden_count(figures),
        comments=Table("comments", _("Customer comments"), COMMENT_COLUMNS, comment_rows),
        comment_count=comment_count,
    )


# The first columns of the lists with a row per response (comments, hidden dissatisfaction).
RESPONSE_COLUMNS = [
    Column("contact", _("Contact"), TEXT),
    Column("answered_at", _("Answered"), DATE),
    Column("channel", _("Channel"), TEXT),
    Column("agent", _("Agent"), TEXT),
    Column("csat", "CSAT", SCORE),
]
COMMENT_COLUMNS = [
    *RESPONSE_COLUMNS,
    Column("comment", _("Comment"), TEXT),
    Column("sentiment", _("Sentiment"), TEXT),
    Column("sentiment_corrected", _("Mark corrected by a person"), TEXT),
]


def _response_cells(response: Response, *, csat: float | None) -> dict[str, Any]:
    """The ``RESPONSE_COLUMNS`` cells of a response (its contact and agent read with it), linked to its contact."""
    return {
        "contact": response.contact.external_id,
        "answered_at": response.answered_at,
        "channel": response.get_channel_display(),
        "agent": response.agent.name,
        "csat": csat,
        "_url": reverse("dashboards:contact", args=[response.contact.external_id]),
    }


def _comments(
    user: User, filters: DashboardFilters, *, level: str | None, key: str, period: dt.date
) -> tuple[list[dict[str, Any]], int]:
    """The node's customer comments in the shown period, newest first (at most ``LIST_LIMIT``), and how many match.

    ``filters.sentiment`` picks a mark (a person's correction, where there is one, is the mark);
    ``filters.csat`` a band of the response's CSAT answer. One period, not the whole range: answers
    have no index by item, so finding comments reads every response of the window.
    """
    start, end = _period_bounds(period, filters.granularity)
    responses = scoped_responses(user, filters, level=level, key=key).filter(
        answered_at__gte=start, answered_at__lt=end
    )
    if filters.csat:
        responses = responses.filter(
            Exists(
                Answer.objects.filter(
                    response=OuterRef("pk"), item=scoring.ITEM_CSAT, value__in=CSAT_BANDS[filters.csat]
                )
            )
        )
    comments = Answer.objects.filter(item=scoring.ITEM_COMMENT, response__in=responses).exclude(text="")
    if filters.sentiment:
        comments = comments.filter(sentiment=filters.sentiment)
    csat = Answer.objects.filter(response=OuterRef("response"), item=scoring.ITEM_CSAT).values("value")[:1]
    shown = (
        comments.select_related("response__contact", "response__agent")
        .annotate(csat=Subquery(csat))
        .order_by("-response__answered_at", "-pk")[:LIST_LIMIT]
    )
    rows = [
        {
            **_response_cells(c.response, csat=c.csat),
            "comment": c.text,
            "sentiment": c.get_sentiment_display(),
            "sentiment_corrected": _("yes") if c.sentiment_corrected_by_id else "",
        }
        for c in shown
    ]
    count = len(rows) if len(rows) < LIST_LIMIT else comments.count()
    return rows, count


HIDDEN_COLUMNS = [
    *RESPONSE_COLUMNS,
    Column("worst_dimension", _("Worst dimension"), TEXT),
    Column("worst_gap", _("Worst gap"), PERCENT),
    Column("comment", _("Comment"), TEXT),
    Column("sentiment", _("Sentiment"), TEXT),
]
# Candidate responses read per round when looking for the newest hidden ones, and the most rounds.
HIDDEN_BATCH = 200
HIDDEN_MAX_BATCHES = 10


def hidden_count(figures: dict[str, Any]) -> int | None:
    """Hidden responses behind a snapshot's figure: the §4 rate times the responses with csat 4 or 5."""
    rate = figures.get("hidden_dissatisfaction_pct")
    top2 = [figures.get(f"csat_count_{value}") for value in scoring.CSAT_TOP2]
    if rate is None or any(count is None for count in top2):
        return None
    return round(rate * sum(top2) / 100)


def _period_bounds(period: dt.date, granularity: str) -> tuple[dt.datetime, dt.datetime]:
    """One period (a week from its Monday, or a month) as an aware window in the centre's time zone."""
    tz = timezone.get_current_timezone()
    after = period + dt.timedelta(days=7) if granularity == Granularity.WEEK else next_month(period)
    return dt.datetime.combine(period, dt.time.min, tzinfo=tz), dt.datetime.combine(after, dt.time.min, tzinfo=tz)


def scoped_responses(user: User, filters: DashboardFilters, *, level: str | None, key: str) -> QuerySet[Response]:
    """Responses behind a node of the drill-down that the user may see, with the filters' channel and queue.

    Outside the centre-wide roles only the user's teams' responses count, whatever the node. At
    agent level a response whose contact has an upheld grievance is left out (SCORING.md §7).
    """
    responses = Response.objects.all()
    if not scoping.is_centre_wide(user):
        responses = responses.filter(team__in=scoping.visible_teams(user))
    if level == Level.SITE:
        responses = responses.filter(site__code=key)
    elif level == Level.TEAM:
        responses = responses.filter(team__code=key)
    elif level == Level.AGENT:
        responses = responses.filter(agent__employee_number=key).exclude(
            contact__grievances__status=TicketStatus.UPHELD
        )
    if filters.channel:
        responses = responses.filter(channel=filters.channel)
    if filters.queue:
        responses = responses.filter(contact__queue=filters.queue)
    return responses


def _hidden_candidates(responses: QuerySet[Response]) -> QuerySet[Response]:
    """Responses that may be §4 hidden dissatisfaction: csat 4-5 and a negative comment or a low gap item.

    Only a cheap necessary condition in SQL; ``scoring.response_table`` decides.
    """
    low_pair = Answer.objects.filter(
        response=OuterRef("response"), item=scoring.ITEM_EXPERIENCE, dimension=OuterRef("dimension")
    )
    answers = Answer.objects.filter(response=OuterRef("pk"))
    return responses.filter(
        Exists(answers.filter(item=scoring.ITEM_CSAT, value__in=scoring.CSAT_TOP2)),
        Exists(answers.filter(item=scoring.ITEM_COMMENT, sentiment=Answer.Sentiment.NEGATIVE))
        # A disconfirmation answer of 1 or 2 is -100 or -50.
        | Exists(answers.filter(item=scoring.ITEM_DISCONFIRMATION, value__lte=2))
        # Experience two or more points below expectation on the same dimension.
        | Exists(
            answers.filter(item=scoring.ITEM_EXPECTATION).filter(Exists(low_pair.filter(value__lte=F("value") - 2)))
        ),
    )


def _hidden_responses(
    user: User, filters: DashboardFilters, *, level: str | None, key: str, period: dt.date
) -> list[dict[str, Any]]:
    """The newest §4 hidden-dissatisfaction responses of the shown period, decided by ``scoring.response_table``."""
    start, end = _period_bounds(period, filters.granularity)
    candidates = (
        _hidden_candidates(scoped_responses(user, filters, level=level, key=key))
        .filter(answered_at__gte=start, answered_at__lt=end)
        .order_by("-answered_at", "-pk")
    )
    rows: list[dict[str, Any]] = []
    for batch in range(HIDDEN_MAX_BATCHES):
        chunk = list(candidates.select_related("contact", "agent")[batch * HIDDEN_BATCH : (batch + 1) * HIDDEN_BATCH])
        if not chunk:
            break
        rows += _confirmed_hidden(chunk)
        if len(rows) >= LIST_LIMIT or len(chunk) < HIDDEN_BATCH:
            break
    return rows[:LIST_LIMIT]


def _confirmed_hidden(responses: list[Response]) -> list[dict[str, Any]]:
    """The rows of the responses that ``scoring.response_table`` marks hidden, in the given order."""
    answers = list(
        Answer.objects.filter(response__in=responses, item__in=SCORED_ITEMS).values_list(
            "response_id", "item", "dimension", "value", "sentiment", "text"
        )
    )
    frame = pd.DataFrame(answers, columns=["response_id", "item", "dimension", "value", "sentiment", "text"])
    comments = {
        rid: (text, sentiment) for rid, item, _d, _v, sentiment, text in answers if item == scoring.ITEM_COMMENT
    }
    frame["dimension"] = frame["dimension"].mask(frame["dimension"].eq(""))
    frame["value"] = frame["value"].astype(float)
    frame["comment_negative"] = frame["item"].eq(scoring.ITEM_COMMENT) & frame["sentiment"].eq(
        Answer.Sentiment.NEGATIVE
    )
    table = scoring.response_table(frame[["response_id", "item", "dimension", "value", "comment_negative"]])
    figures = table.set_index("response_id").to_dict("index")
    sentiments = dict(Answer.Sentiment.choices)
    rows = []
    for response in responses:
        found = figures.get(response.pk)
        if not found or not found["hidden"]:
            continue
        gaps = {name[len("gap_") :]: v for name, v in found.items() if name.startswith("gap_") and not pd.isna(v)}
        worst = min(gaps, key=gaps.__getitem__) if gaps else None
        text, sentiment = comments.get(response.pk, ("", ""))
        rows.append(
            {
                **_response_cells(response, csat=float(found[scoring.ITEM_CSAT])),
                "worst_dimension": worst or "",
                "worst_gap": float(gaps[worst]) if worst else None,
                "comment": text,
                "sentiment": sentiments.get(sentiment, ""),
            }
        )
    return rows


def _period_window(filters: DashboardFilters) -> tuple[dt.datetime, dt.datetime]:
    """The filters' dates as an aware [start, end] window in the centre's time zone."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(filters.start, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(filters.end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


def _mismatches(user: User, filters: DashboardFilters, *, level: str | None, key: str) -> Table:
    """§4 mismatches behind the node: the follow-up cases they opened, newest first."""
    start, end = _period_window(filters)
    cases = scoping.visible_cases(user).filter(reason=CaseReason.MISMATCH, opened_at__gte=start, opened_at__lt=end)
    if filters.channel:
        cases = cases.filter(response__channel=filters.channel)
    if filters.queue:
        cases = cases.filter(contact__queue=filters.queue)
    cases = {
        Level.SITE: lambda c: c.filter(site__code=key),
        Level.TEAM: lambda c: c.filter(team__code=key),
        Level.AGENT: lambda c: c.filter(agent__employee_number=key),
    }.get(level, lambda c: c)(cases)
    rows = [
        {
            "contact": case.contact.external_id if case.contact else "",
            "agent": case.agent.name,
            "team": case.team.name,
            "opened_at": case.opened_at,
            "status": case.get_status_display(),
            "csat": case.figures.get("csat"),
            "experience_mean": case.figures.get("experience_mean"),
            "_url": reverse("dashboards:contact", args=[case.contact.external_id]) if case.contact else "",
        }
        for case in cases.order_by("-opened_at")[:LIST_LIMIT]
    ]
    return Table(
        name="mismatches",
        title=_("Mismatches: a low overall score with good attribute scores"),
        columns=[
            Column("contact", _("Contact"), TEXT),
            Column("agent", _("Agent"), TEXT),
            Column("team", _("Team"), TEXT),
            Column("opened_at", _("Opened"), DATE),
            Column("status", _("Status"), TEXT),
            Column("csat", "CSAT", SCORE),
            Column("experience_mean", _("Mean experience"), MEAN),
        ],
        rows=rows,
    )


def _agent_contacts(user: User, filters: DashboardFilters, agent: Agent) -> Table:
    """The agent's surveyed contacts in the period, newest first (no answers: those are on the contact page)."""
    start, end = _period_window(filters)
    responses = (
        Response.objects.filter(agent=scoping.get_agent_for_user(user, agent.employee_number))
        .filter(answered_at__gte=start, answered_at__lt=end)
        .filter(**({"channel": filters.channel} if filters.channel else {}))
        .filter(**({"contact__queue": filters.queue} if filters.queue else {}))
        .select_related("contact")
        .order_by("-answered_at")[:LIST_LIMIT]
    )
    rows = [
        {
            "contact": r.contact.external_id,
            "answered_at": r.answered_at,
            "channel": r.get_channel_display(),
            "queue": r.contact.queue,
            "_url": reverse("dashboards:contact", args=[r.contact.external_id]),
        }
        for r in responses
    ]
    return Table(
        name="contacts",
        title=_("Surveyed contacts"),
        columns=[
            Column("contact", _("Contact"), TEXT),
            Column("answered_at", _("Answered"), DATE),
            Column("channel", _("Channel"), TEXT),
            Column("queue", _("Queue"), TEXT),
        ],
        rows=rows,
    )


# --- a single contact ------------------------------------------------------------------------------


@dataclass
class ContactDetail:
    contact: Contact
    response: Response | None
    answers: list
    invitation: Any
    grievances: list
    praise: list
    cases: list
    timeline: list[tuple[dt.datetime, Any]]


def contact_detail(user: User, external_id: str) -> ContactDetail:
    """One contact the user may see: its answers, channel, timeline, grievance or praise, and case."""
    # The page shows the contact's site, team, response and invitation: read with the contact.
    contact = scoping.get_contact_for_user(user, external_id, related=("site", "team", "response", "invitation"))
    response = getattr(contact, "response", None)
    answers = list(response.answers.order_by("item", "dimension")) if response else []
    invitation = getattr(contact, "invitation", None)
    grievances = list(scoping.visible_grievances(user).filter(contact=contact))
    praise = list(scoping.visible_praise(user).filter(contact=contact))
    cases = list(scoping.visible_cases(user).filter(contact=contact))
    if not cases and user.role == Role.AGENT:  # agents see no team's cases, only those about their contacts
        cases = list(scoping.own_contact_cases(user).filter(contact=contact))
    events: list[tuple[dt.datetime | None, Any]] = [
        (contact.started_at, _("Contact started")),
        (contact.ended_at, _("Contact ended")),
    ]
    if invitation is not None:
        events += [
            (invitation.created_at, _("Survey invitation created")),
            (invitation.delivered_at, _("Survey delivered")),
            (invitation.completed_at, _("Survey completed")),
        ]
    if response is not None:
        events.append((response.answered_at, _("Customer answered")))
    events += [(g.filed_at, _("Grievance filed")) for g in grievances]
    events += [(g.verified_at, _("Grievance verified")) for g in grievances]
    events += [(p.opened_at, _("Praise opened")) for p in praise]
    events += [(c.opened_at, _("Follow-up case opened")) for c in cases]
    events += [(c.resolved_at, _("Follow-up case resolved")) for c in cases]
    return ContactDetail(
        contact=contact,
        response=response,
        answers=answers,
        invitation=invitation,
        grievances=grievances,
        praise=praise,
        cases=cases,
        timeline=sorted((at, label) for at, label in events if at is not None),
    )


# --- operations ------------------------------------------------------------------------------------


@dataclass
class OperationsDashboard:
    filters: DashboardFilters
    period: dt.date | None
    kpis: Table
    focus: Table
    tickets: Table
    cases: Table
    case_counts: dict[str, int]

    @property
    def tables(self) -> dict[str, Table]:
        return {t.name: t for t in (self.kpis, self.focus, self.tickets, self.cases)}


def _cut_teams(user: User, filters: DashboardFilters):
    """The visible teams inside the filters' site and team."""
    teams = scoping.visible_teams(user)
    if filters.site:
        teams = teams.filter(site__code=filters.site)
    if filters.team:
        teams = teams.filter(code=filters.team)
    return teams


def operations_dashboard(user: User, filters: DashboardFilters) -> OperationsDashboard:
    """§7 KPIs against the month's team targets, focus agents, grievances and praise, open and overdue cases."""
    _check_cut(user, filters)
    teams = list(_cut_teams(user, filters).order_by("site__name", "name"))
    codes = {t.code for t in teams}
    period = _latest_period(user, filters, level=Level.TEAM, keys=codes) if codes else None
    team_metrics = (
        _metrics(
            score_snapshots(user, level=Level.TEAM, granularity=filters.granularity, start=period, end=period).filter(
                key__in=codes
            )
        )
        if period
        else {}
    )
    month = period.replace(day=1) if period else None
    targets = {
        (t.team_id, t.metric): t.target
        for t in KpiTarget.objects.filter(team__in=teams, month=month, agent__isnull=True)
    }
    kpi_rows = []
    for team in teams:
        metrics = team_metrics.get((team.code, period), {})
        row: dict[str, Any] = {"name": team.name, "site_name": team.site.name}
        for column in KPI_COLUMNS:
            row[column.key] = metrics.get(column.key)
            row[f"{column.key}_target"] = targets.get((team.pk, column.key))
        row["targets_missed"] = sum(
            1 for metric in KpiMetric.values if _missed(metric, row.get(metric), row.get(f"{metric}_target"))
        )
        kpi_rows.append(row)
    kpi_columns = [Column("name", _("Team"), TEXT), Column("site_name", _("Site"), TEXT)]
    for column in KPI_COLUMNS:
        kpi_columns.append(column)
        if column.key in KpiMetric.values:
            kpi_columns.append(Column(f"{column.key}_target", _("target"), column.kind))
    kpi_columns.append(Column("targets_missed", _("Targets missed"), COUNT))

    focus_agents = list(
        scoping.visible_agents(user).filter(team__in=teams, is_focus=True, active=True).order_by("team__name", "name")
    )
    agent_metrics = (
        _metrics(
            score_snapshots(user, level=Level.AGENT, granularity=filters.granularity, start=period, end=period).filter(
                key__in=[a.employee_number for a in focus_agents]
            )
        )
        if period
        else {}
    )
    focus_rows = [
        {
            "name": a.name,
            "employee_number": a.employee_number,
            "team": a.team.name,
            **agent_metrics.get((a.employee_number, period), {}),
            "_url": reverse("dashboards:customer") + "?" + filters.query(team=a.team.code, agent=a.employee_number),
        }
        for a in focus_agents
    ]
    focus_columns = [
        Column("name", _("Agent"), TEXT),
        Column("employee_number", _("Employee number"), TEXT),
        Column("team", _("Team"), TEXT),
        Column("csat_pct", _("CSAT %"), PERCENT),
        Column("n_responses", _("Responses"), COUNT),
        *KPI_COLUMNS,
    ]

    ticket_rows = []
    for label, tickets in (
        (_("Grievances"), agent_selectors.grievance_list(user).filter(agent__team__in=teams)),
        (_("Praise"), agent_selectors.praise_list(user).filter(agent__team__in=teams)),
    ):
        counts = dict(tickets.order_by().values_list("status").annotate(n=Count("pk")))
        ticket_rows.append({"kind": label, **{status: counts.get(status, 0) for status in TicketStatus.values}})
    ticket_columns = [Column("kind", _("Ticket"), TEXT)] + [
        Column(status, label, COUNT) for status, label in TicketStatus.choices
    ]

    visible_cases = scoping.visible_cases(user).filter(team__in=teams)
    overdue = visible_cases.filter(overdue_filter()).order_by("due_at")[:LIST_LIMIT]
    case_rows = [
        {
            "case": case.pk,
            "reason": case.get_reason_display(),
            "team": case.team.name,
            "agent": case.agent.name,
            "status": case.get_status_display(),
            "due_at": case.due_at,
            "_url": reverse("agents:case", args=[case.pk]),
        }
        for case in overdue
    ]
    counts = {
        "active": visible_cases.filter(status__in=ACTIVE_STATUSES).count(),
        "overdue": visible_cases.filter(overdue_filter()).count(),
    }
    return OperationsDashboard(
        filters=filters,
        period=period,
        kpis=Table("kpis", _("KPIs against targets"), kpi_columns, kpi_rows),
        focus=Table("focus", _("Focus agents"), focus_columns, focus_rows),
        tickets=Table("tickets", _("Grievances and praise"), ticket_columns, ticket_rows),
        cases=Table(
            "cases",
            _("Overdue follow-up cases"),
            [
                Column("case", _("Case"), TEXT),
                Column("reason", _("Reason"), TEXT),
                Column("team", _("Team"), TEXT),
                Column("agent", _("Agent"), TEXT),
                Column("status", _("Status"), TEXT),
                Column("due_at", _("Due"), DATE),
            ],
            case_rows,
        ),
        case_counts=counts,
    )


def _missed(metric: str, actual: float | None, target: float | None) -> bool:
    """Whether a figure misses its target (lower is better for handle time and complaints)."""
    if actual is None or target is None:
        return False
    return actual > target if metric in LOWER_IS_BETTER else actual < target


# --- employee (HR): pulse results, only through ``pulse_results`` -----------------------------


@dataclass
class EmployeeDashboard:
    rounds: list
    results: pulse_selectors.PulseResults | None
    refusal: str
    summary: Table | None = None
    items: Table | None = None
    teams: Table | None = None
    trend: Table | None = None

    @property
    def tables(self) -> dict[str, Table]:
        return {t.name: t for t in (self.summary, self.items, self.teams, self.trend) if t is not None}


PULSE_COLUMNS = [
    Column("respondents", _("Respondents"), COUNT),
    Column("participation_pct", _("Participation %"), PERCENT),
    Column("engagement_index", _("Engagement index"), PERCENT),
    Column("stress_index", _("Stress index"), PERCENT),
    Column("enps", "eNPS", SCORE),
    Column("favourable_pct", _("Favourable %"), PERCENT),
]


def employee_dashboard(user: User, filters: DashboardFilters, *, round_id: int | None) -> EmployeeDashboard:
    """One pulse round's results for the cut, under the anonymity rule of SCORING.md §5."""
    scoping.require_pulse_reader(user)
    rounds = list(pulse_selectors.visible_rounds(user)[:LIST_LIMIT])
    if not rounds:
        return EmployeeDashboard(rounds=[], results=None, refusal="")
    chosen = round_id or rounds[0].pk
    team = filters.team
    if not team and not scoping.can_manage_pulses(user):
        # Team leaders read one team at a time (SCORING.md §5 via pulse_result_team_codes).
        team = scoping.visible_teams(user).order_by("name").values_list("code", flat=True).first() or ""
    results = pulse_selectors.pulse_results(
        user, round_id=chosen, filters=pulse_selectors.PulseFilters(site=filters.site, team=team)
    )
    if results.refused:
        return EmployeeDashboard(rounds=rounds, results=results, refusal=pulse_selectors.refusal_message(results))
    summary = Table("summary", _("Selection"), PULSE_COLUMNS, [results.summary])
    items = Table(
        "items",
        _("Items"),
        [
            Column("item", _("Item"), TEXT),
            Column("question", _("Question"), TEXT),
            Column("respondents", _("Respondents"), COUNT),
            Column("favourable_pct", _("Favourable %"), PERCENT),
        ],
        [
            {
                "item": i["question"].code,
                "question": i["question"].text,
                "respondents": i.get("respondents"),
                "favourable_pct": i.get("favourable_pct"),
            }
            for i in results.items
        ],
    )
    heat_codes = [q.code for q in results.heat_items]
    teams = Table(
        "teams",
        _("Teams × items"),
        [Column("team", _("Team"), TEXT), *PULSE_COLUMNS, *(Column(code, code, PERCENT) for code in heat_codes)],
        [
            {
                "team": t["team_obj"].name if t.get("team_obj") else t["team"],
                **{c.key: t.get(c.key) for c in PULSE_COLUMNS},
                **{code: cell["pct"] for code, cell in zip(heat_codes, t["cells"], strict=True)},
            }
            for t in results.teams
        ],
    )
    trend = Table(
        "trend",
        _("Trend across rounds"),
        [Column("round", _("Round"), TEXT), Column("window_start", _("Opened"), DATE), *PULSE_COLUMNS],
        [
            {
                "round": p["round"].number,
                "window_start": p["round"].window_start,
                **{c.key: p.get(c.key) for c in PULSE_COLUMNS},
            }
            for p in results.trend
        ],
    )
    return EmployeeDashboard(
        rounds=rounds, results=results, refusal="", summary=summary, items=items, teams=teams, trend=trend
    )


# --- an agent's own page --------------------------------------------------------------------------


@dataclass
class AgentDashboard:
    agent: Agent | None
    comparison: Table | None = None
    praise: list = field(default_factory=list)
    grievances: list = field(default_factory=list)
    cases: Table | None = None
    pending_pulses: list = field(default_factory=list)

    @property
    def tables(self) -> dict[str, Table]:
        return {t.name: t for t in (self.comparison, self.cases) if t is not None}


COMPARED_FIGURES = ("n_responses", "csat_pct", "csat_mean", "nps", "gap", "fcr_pct")


def agent_dashboard(user: User, filters: DashboardFilters) -> AgentDashboard:
    """The agent's own figures against their team's, praise, grievances, cases about own contacts, pulses waiting."""
    agent = scoping.own_agent(user)
    if agent is None:
        return AgentDashboard(agent=None)
    common = {"granularity": filters.granularity, "start": filters.start, "end": filters.end}
    own = _metrics(score_snapshots(user, level=Level.AGENT, key=agent.employee_number, **common))
    team = _metrics(score_snapshots(user, level=Level.TEAM, key=agent.team.code, **common))
    periods = sorted({p for _k, p in own} | {p for _k, p in team})
    labels = {c.key: c for c in CUSTOMER_COLUMNS}
    rows = []
    for period in periods:
        mine = own.get((agent.employee_number, period), {})
        theirs = team.get((agent.team.code, period), {})
        rows.append(
            {
                "period_start": period,
                **{f"own_{n}": mine.get(n) for n in COMPARED_FIGURES},
                **{f"team_{n}": theirs.get(n) for n in COMPARED_FIGURES},
            }
        )
    columns = [PERIOD_COLUMN]
    for name in COMPARED_FIGURES:
        columns += [
            Column(f"own_{name}", labels[name].label, labels[name].kind),
            Column(f"team_{name}", _("team"), labels[name].kind),
        ]
    cases = scoping.own_contact_cases(user).order_by("-opened_at")[:LIST_LIMIT]
    case_rows = [
        {
            "contact": c.contact.external_id if c.contact else "",
            "reason": c.get_reason_display(),
            "status": c.get_status_display(),
            "opened_at": c.opened_at,
            "_url": reverse("dashboards:contact", args=[c.contact.external_id]) if c.contact else "",
        }
        for c in cases
    ]
    return AgentDashboard(
        agent=agent,
        comparison=Table("comparison", _("My figures against my team's"), columns, rows),
        praise=list(agent_selectors.praise_list(user).filter(status=TicketStatus.UPHELD)[:LIST_LIMIT]),
        grievances=list(agent_selectors.grievance_list(user)[:LIST_LIMIT]),
        cases=Table(
            "cases",
            _("Follow-up cases about my contacts"),
            [
                Column("contact", _("Contact"), TEXT),
                Column("reason", _("Reason"), TEXT),
                Column("status", _("Status"), TEXT),
                Column("opened_at", _("Opened"), DATE),
            ],
            case_rows,
        ),
        pending_pulses=pulse_selectors.pending_pulses(user, now=timezone.now()),
    )


def filter_options(user: User, filters: DashboardFilters) -> dict[str, list]:
    """The sites and teams the filter form offers: only visible ones, teams within the chosen site."""
    teams = scoping.visible_teams(user).order_by("name")
    if filters.site:
        teams = teams.filter(site__code=filters.site)
    return {"site_options": list(scoping.visible_sites(user).order_by("name")), "team_options": list(teams)}
