"""A small centre with three months of answers, pulses, tickets and cases, scored into snapshots.

Shared by the dashboard tests and the browser tests; every row comes from the factories, the
answer import and the scoring engine, as in production.
"""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from agents.models import Agent, Team, User
from satisfaction import services
from satisfaction.services import month_start
from surveys.models import Answer, Contact, Response
from surveys.services import import_responses
from tests.factories import (
    AgentFactory,
    FollowUpCaseFactory,
    GrievanceFactory,
    PraiseFactory,
    PulseAnswerFactory,
    PulseParticipationFactory,
    PulseQuestionFactory,
    PulseRoundFactory,
    PulseSubmissionFactory,
    PulseSurveyFactory,
    SiteFactory,
    TeamFactory,
    UserFactory,
)

PASSWORD = "pass-word-123"
PHONE = "+8613812345678"
HEADER = "contact_id,agent,answered_at,channel,item,dimension,value\n"
AGENTS_PER_TEAM = 6
CONTACTS_PER_AGENT = 3
MONTHS = 3
# Per team: (csat answers cycled over contacts, engagement answers of its six members).
TEAM_PROFILES = {
    "team-a": ((5, 4, 5), (5, 4, 4, 5, 4, 4)),
    "team-a2": ((3, 4, 2), (3, 3, 2, 3, 4, 3)),
    "team-b": ((5, 5, 4), (2, 3, 2, 3, 2, 3)),
}


@dataclass
class Centre:
    teams: dict[str, Team]
    agents: dict[str, list[Agent]]
    months: list[dt.date]
    users: dict[str, User]
    contact_a: str
    contact_b: str


def _months_back(count: int) -> list[dt.date]:
    """The first days of the ``count`` complete months before this one, oldest first."""
    months, day = [], month_start(timezone.localdate())
    for _ in range(count):
        day = month_start(day - dt.timedelta(days=1))
        months.append(day)
    return months[::-1]


# Last month's comments: (contact suffix, text, sentiment). Team Alpha answers csat 5, 4, 5 and
# Team Bravo 5, 5, 4, so each negative one makes its response hidden dissatisfaction (SCORING.md §4).
COMMENTS = [
    ("TEAM-A-0-{m}-0", "The line kept dropping", "negative"),
    ("TEAM-A-0-{m}-1", "Waited far too long", "negative"),
    ("TEAM-A-1-{m}-0", "Lovely agent", "positive"),
    ("TEAM-A-1-{m}-2", "It was fine", "neutral"),
    ("TEAM-B-0-{m}-0", "Awful hold music", "negative"),
]
# A disconfirmation answer of 2 (gap -50) on a csat-5 response: hidden by the gap, with no comment.
LOW_GAP_CONTACT = "TEAM-A-2-{m}-0"
# Kano pairs (functional, dysfunctional) of Team Alpha's last month, per contact number 0, 1, 2:
# callback O, A, M (a tie of six each, broken M > O > A); wait_time I, I, M (indifferent).
KANO_PAIRS = {"callback": ((1, 5), (1, 3), (2, 5)), "wait_time": ((3, 3), (3, 3), (2, 5))}


def _add_comments_and_kano(month: dt.date) -> None:
    """Comments with their sentiment marks, a low disconfirmation answer and Kano pairs, in ``month``."""
    m = f"{month:%Y%m}"
    answers = []
    for contact, text, sentiment in COMMENTS:
        response = Response.objects.get(contact__external_id=contact.format(m=m))
        answers.append(Answer(response=response, item="comment", text=text, sentiment=sentiment))
    low = Response.objects.get(contact__external_id=LOW_GAP_CONTACT.format(m=m))
    answers.append(Answer(response=low, item="disconfirmation", dimension="assurance", value=2))
    for response in Response.objects.filter(
        team__code="team-a", contact__external_id__contains=f"-{m}-"
    ).select_related("contact"):
        n = int(response.contact.external_id.rsplit("-", 1)[1])
        for attribute, pairs in KANO_PAIRS.items():
            functional, dysfunctional = pairs[n]
            answers += [
                Answer(response=response, item="kano_functional", dimension=attribute, value=functional),
                Answer(response=response, item="kano_dysfunctional", dimension=attribute, value=dysfunctional),
            ]
    Answer.objects.bulk_create(answers)


def build_centre() -> Centre:
    """Sites A and B, teams team-a and team-a2 (site A) and team-b (site B), scored."""
    site_a = SiteFactory(code="site-a", name="Site A")
    site_b = SiteFactory(code="site-b", name="Site B")
    teams = {
        "team-a": TeamFactory(code="team-a", name="Team Alpha", site=site_a),
        "team-a2": TeamFactory(code="team-a2", name="Team Aleph", site=site_a),
        "team-b": TeamFactory(code="team-b", name="Team Bravo", site=site_b),
    }
    users = {
        "admin": UserFactory(username="dash-admin", role="admin", is_staff=True, is_superuser=True, password=PASSWORD),
        "hr": UserFactory(username="dash-hr", role="hr", password=PASSWORD),
        "quality": UserFactory(username="dash-quality", role="quality", password=PASSWORD),
        "leader": UserFactory(username="dash-leader", role="supervisor", password=PASSWORD),
        "agent": UserFactory(username="dash-agent", role="agent", password=PASSWORD),
    }
    teams["team-a"].leader = users["leader"]
    teams["team-a"].save()
    agents: dict[str, list[Agent]] = {}
    for code, team in teams.items():
        agents[code] = [
            AgentFactory(team=team, employee_number=f"{code.upper()}-{n}", name=f"{team.name} agent {n}")
            for n in range(AGENTS_PER_TEAM)
        ]
    agents["team-a"][0].user = users["agent"]
    agents["team-a"][0].save()

    months = _months_back(MONTHS)
    lines = []
    for month in months:
        for code, (csats, _engagement) in TEAM_PROFILES.items():
            for agent in agents[code]:
                for n in range(CONTACTS_PER_AGENT):
                    contact = f"{agent.employee_number}-{month:%Y%m}-{n}"
                    at = f"{month.replace(day=3 + n * 7):%Y-%m-%d}T10:00:00+08:00"
                    csat = csats[n % len(csats)]
                    # The first two contacts answer by IVR, the third on the web (the channel filter).
                    channel = "web" if n == CONTACTS_PER_AGENT - 1 else "ivr"
                    lines += [
                        f"{contact},{agent.employee_number},{at},{channel},csat,,{csat}",
                        f"{contact},{agent.employee_number},{at},{channel},nps,,{csat * 2}",
                        f"{contact},{agent.employee_number},{at},{channel},fcr,,{'yes' if csat > 3 else 'no'}",
                        f"{contact},{agent.employee_number},{at},{channel},expectation,empathy,5",
                        f"{contact},{agent.employee_number},{at},{channel},experience,empathy,{csat + 1}",
                    ]
    import_responses((HEADER + "\n".join(lines) + "\n").encode())

    engagement = PulseQuestionFactory(code="eng-1", category="engagement", kind="likert")
    survey = PulseSurveyFactory(code="monthly", questions=[engagement])
    for month in months:
        opens = dt.datetime.combine(month.replace(day=5), dt.time(1), tzinfo=dt.UTC)
        pulse_round = PulseRoundFactory(survey=survey, opens_at=opens, closes_at=opens + dt.timedelta(days=7))
        for code, (_csats, answers) in TEAM_PROFILES.items():
            team = teams[code]
            for agent, value in zip(agents[code], answers, strict=True):
                PulseParticipationFactory(round=pulse_round, agent=agent, answered=True)
                submission = PulseSubmissionFactory(round=pulse_round, team_code=code, site_code=team.site.code)
                PulseAnswerFactory(submission=submission, question=engagement, value=value)

    last = months[-1]
    opened = dt.datetime.combine(last.replace(day=4), dt.time(3), tzinfo=dt.UTC)
    contact_a = Contact.objects.get(external_id=f"TEAM-A-0-{last:%Y%m}-0")
    contact_b = Contact.objects.get(external_id=f"TEAM-B-0-{last:%Y%m}-0")
    Contact.objects.filter(pk=contact_a.pk).update(customer_phone=PHONE, queue="billing")
    Response.objects.filter(contact=contact_a).update(queue="billing")  # the response carries its contact's queue
    for contact in (contact_a, contact_b):
        FollowUpCaseFactory(reason="mismatch", agent=contact.agent, contact=contact, opened_at=opened, assignee=None)
    GrievanceFactory(contact=contact_a, filed_at=opened)
    PraiseFactory(agent=contact_a.agent, contact=contact_a, status="upheld", verified_at=opened, opened_at=opened)
    _add_comments_and_kano(last)
    services.compute_all()
    return Centre(
        teams=teams,
        agents=agents,
        months=months,
        users=users,
        contact_a=contact_a.external_id,
        contact_b=contact_b.external_id,
    )
