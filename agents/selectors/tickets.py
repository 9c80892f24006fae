"""Reads of grievance and praise tickets, recognition, and the upheld grievances the scoring engine excludes."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from agents.models import Agent, Grievance, Praise, TicketStatus, User
from satisfaction import scoping
from surveys.models import Answer, Contact, Item, Response

# How far back an agent picks the contact of a grievance, and a supervisor a comment to praise.
RECENT_CONTACT_DAYS = 30
MAX_RECENT_CONTACTS = 200
MAX_PRAISE_CANDIDATES = 100
# Top-2-box csat (SCORING.md §3): a comment on such a response may be praise.
PRAISE_MIN_CSAT = 4


def upheld_grievance_contact_ids(*, agent_ids: Iterable[int] | None = None) -> set[int]:
    """Ids of contacts with an upheld grievance: their responses leave the agent's own scores (SCORING.md §7)."""
    upheld = Grievance.objects.filter(status=TicketStatus.UPHELD)
    if agent_ids is not None:
        upheld = upheld.filter(agent_id__in=list(agent_ids))
    return set(upheld.values_list("contact_id", flat=True))


def upheld_grievance_response_ids(*, response_ids: Iterable[int] | None = None) -> set[int]:
    """Ids of survey responses whose contact has an upheld grievance (the same rule, keyed as the answers are)."""
    responses = Response.objects.filter(
        Exists(Grievance.objects.filter(contact_id=OuterRef("contact_id"), status=TicketStatus.UPHELD))
    )
    if response_ids is not None:
        responses = responses.filter(pk__in=list(response_ids))
    return set(responses.values_list("pk", flat=True))


def grievance_list(user: User, *, status: str = "") -> QuerySet[Grievance]:
    """The user's visible grievances, the oldest awaiting verification first."""
    grievances = scoping.visible_grievances(user)
    if status in TicketStatus.values:
        grievances = grievances.filter(status=status)
    return grievances.order_by("due_at", "pk") if status == TicketStatus.OPEN else grievances


def praise_list(user: User, *, status: str = "") -> QuerySet[Praise]:
    """The user's visible praise tickets."""
    praise = scoping.visible_praise(user)
    if status in TicketStatus.values:
        praise = praise.filter(status=status)
    return praise.order_by("due_at", "pk") if status == TicketStatus.OPEN else praise


def grievable_contacts(agent: Agent, *, days: int = RECENT_CONTACT_DAYS) -> QuerySet[Contact]:
    """The agent's recent contacts that have no grievance yet (what an agent files on)."""
    since = timezone.now() - dt.timedelta(days=days)
    return (
        Contact.objects.filter(agent=agent, started_at__gte=since)
        .exclude(grievances__isnull=False)
        .order_by("-started_at")[:MAX_RECENT_CONTACTS]
    )


@dataclass(frozen=True)
class PraiseCandidate:
    contact_id: int
    external_id: str
    agent_id: int
    agent_name: str
    employee_number: str
    answered_at: dt.datetime
    comment: str


def praise_candidates(user: User, *, days: int = RECENT_CONTACT_DAYS) -> list[PraiseCandidate]:
    """Recent positive survey comments on the user's visible agents that are not praise tickets yet."""
    since = timezone.now() - dt.timedelta(days=days)
    top_box = Answer.objects.filter(response=OuterRef("response"), item=Item.CSAT, value__gte=PRAISE_MIN_CSAT)
    comments = (
        Answer.objects.filter(
            item=Item.COMMENT,
            response__agent__in=scoping.visible_agents(user),
            response__answered_at__gte=since,
        )
        .exclude(text="")
        .filter(Q(sentiment=Answer.Sentiment.POSITIVE) | Q(Exists(top_box), ~Q(sentiment=Answer.Sentiment.NEGATIVE)))
        .exclude(response__contact__praise__isnull=False)
        .select_related("response__contact", "response__agent")
        .order_by("-response__answered_at")[:MAX_PRAISE_CANDIDATES]
    )
    return [
        PraiseCandidate(
            contact_id=answer.response.contact_id,
            external_id=answer.response.contact.external_id,
            agent_id=answer.response.agent_id,
            agent_name=answer.response.agent.name,
            employee_number=answer.response.agent.employee_number,
            answered_at=answer.response.answered_at,
            comment=answer.text,
        )
        for answer in comments
    ]


@dataclass(frozen=True)
class RecognitionRow:
    agent: Agent
    praise_upheld: int
    points: int


def recognition_board(user: User, *, since: dt.date) -> list[RecognitionRow]:
    """Agents recognised since ``since``: upheld praise and points (praise and grievances), most points first."""
    agents = scoping.recognition_agents(user)
    upheld = {"agent__in": agents, "status": TicketStatus.UPHELD, "verified_at__date__gte": since}
    praise_counts = dict(
        Praise.objects.filter(**upheld).values("agent_id").annotate(n=Count("pk")).values_list("agent_id", "n")
    )
    points: dict[int, int] = {}
    for model in (Praise, Grievance):
        for agent_id, total in (
            model.objects.filter(**upheld)
            .values("agent_id")
            .annotate(total=Sum("points"))
            .values_list("agent_id", "total")
        ):
            points[agent_id] = points.get(agent_id, 0) + (total or 0)
    by_id = Agent.objects.select_related("team").in_bulk(set(points) | set(praise_counts))
    rows = [
        RecognitionRow(agent=agent, praise_upheld=praise_counts.get(pk, 0), points=points.get(pk, 0))
        for pk, agent in by_id.items()
    ]
    return sorted(rows, key=lambda row: (-row.points, row.agent.name))


def recent_upheld_praise(user: User, *, since: dt.date) -> QuerySet[Praise]:
    """Upheld praise of the agents whose recognition the user sees, newest first."""
    return (
        Praise.objects.filter(
            agent__in=scoping.recognition_agents(user), status=TicketStatus.UPHELD, verified_at__date__gte=since
        )
        .select_related("agent__team")
        .order_by("-verified_at")
    )


def recognition_points(agents: Iterable[Agent], *, since: dt.date, until: dt.date | None = None) -> dict[int, int]:
    """Points per agent id from praise and grievances upheld in [since, until]."""
    ids = [agent.pk for agent in agents]
    points: dict[int, int] = dict.fromkeys(ids, 0)
    window = {"verified_at__date__gte": since, **({"verified_at__date__lte": until} if until else {})}
    for model in (Praise, Grievance):
        rows = model.objects.filter(agent_id__in=ids, status=TicketStatus.UPHELD, **window).values("agent_id")
        for agent_id, total in rows.annotate(total=Sum("points")).values_list("agent_id", "total"):
            points[agent_id] += total or 0
    return points
