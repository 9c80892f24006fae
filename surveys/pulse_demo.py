"""Demo pulses: the standard bank, three monthly rounds for all agents, staff-voice ideas.

Shaped so that the pages show something: participation of 70-90 % per team, stress that rises
round by round in the strained teams (the ones whose customer scores fall in the customer
demo), two teams of one site that barely answer and so are never reported (SCORING.md §5), and
one site below the COPC 80 % line. Every draw comes from the ``rng`` argument, including the
answer keys, so the same generator state and end date give the same rows.
"""

import calendar
import datetime as dt
import math
import random
import uuid
from collections.abc import Collection
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from agents.models import Agent, Role, User
from surveys.models import (
    PulseAnswer,
    PulseCategory,
    PulseFrequency,
    PulseKind,
    PulseParticipation,
    PulseQuestion,
    PulseRound,
    PulseSchedule,
    PulseSubmission,
    PulseSurvey,
    PulseSurveyQuestion,
    PulseTopic,
    Suggestion,
    tenure_band_on,
)
from surveys.pulse_services import load_standard_question_bank, schedule_occurrence

SURVEY_CODE = "monthly-pulse"
SURVEY_NAMES = ("Monthly staff pulse", "月度员工脉搏调查")
ROUNDS = 3
WINDOW_DAYS = 14
REMINDER_DAYS = [3, 7]
OPENING_HOUR = 9
BATCH_SIZE = 2000

# Who answers.
PARTICIPATION = (0.70, 0.90)
SMALL_TEAMS = 2
SMALL_TEAM_RESPONDENTS = (3, 4)
SKIP_RATE = 0.03

# How they answer, on the 1-5 agreement scale.
ENGAGEMENT_MEAN = 3.8
STRESS_MEAN = 2.4
TEAM_SPREAD = 0.3
# A person's outlook persists from round to round, with a smaller swing each month.
PERSON_SD = 0.6
ROUND_SD = 0.25
ITEM_SD = 0.55
STRESS_RISE_PER_ROUND = 0.6
ENGAGEMENT_DROP_PER_ROUND = 0.25
# Other items follow a respondent's mood: mostly engagement, partly the absence of strain.
MOOD_ENGAGEMENT_WEIGHT = 0.65
TOPIC_OFFSETS = {
    PulseTopic.KPI_PRESSURE: -0.4,
    PulseTopic.ABUSIVE_CALLERS: -0.1,
    PulseTopic.CAREER: -0.3,
    PulseTopic.TRAINING: 0.25,
    PulseTopic.LEADER_SUPPORT: 0.3,
    PulseTopic.VISION: 0.9,
}
# One site's staff know the vision less well: it lands under the COPC 80 % line.
VISION_GAP_SITE_OFFSET = -0.5
ENPS_NOISE_SD = 1.5
ENPS_LIFT = 0.8
COMMENT_RATE = 0.12
ENGLISH_COMMENT_SHARE = 0.2

COMMENTS = {
    # (topic, favourable) -> (Chinese, English) comments.
    (PulseTopic.STRESS, False): (
        ("排队量太大，两通电话之间几乎没有喘息时间。", "Queues are so long there is no breathing space between calls."),
        ("最近加班太多，家里也有意见。", "Too much overtime lately; my family notices."),
    ),
    (PulseTopic.STRESS, True): (("这个月节奏比较合理。", "The pace this month was reasonable."),),
    (PulseTopic.KPI_PRESSURE, False): (
        (
            "通话时长指标逼得我们匆忙挂断，客户问题没解决。",
            "The handle-time target makes us rush; problems stay unsolved.",
        ),
        ("销售指标和服务质量经常冲突。", "Sales targets often clash with good service."),
    ),
    (PulseTopic.KPI_PRESSURE, True): (("新的质检标准更清楚了。", "The new quality criteria are clearer."),),
    (PulseTopic.CAREER, False): (("希望有更多内部晋升的机会。", "I would like more chances to move up internally."),),
    (PulseTopic.CAREER, True): (("导师计划很有帮助。", "The mentoring programme helps a lot."),),
    (PulseTopic.LEADER_SUPPORT, False): (("组长太忙，很难找到他。", "My team leader is too busy to reach."),),
    (PulseTopic.LEADER_SUPPORT, True): (
        ("遇到辱骂电话时组长会马上接手。", "When a caller turns abusive, my leader takes over at once."),
    ),
    (PulseTopic.SCHEDULE, False): (("节假日排班总是同一批人。", "The same people always get the holiday shifts."),),
    (PulseTopic.SCHEDULE, True): (("可以互换班次，很方便。", "Swapping shifts is easy now."),),
}

IDEAS = (
    # (topic, title, body, anonymous, adopted answer or "")
    (
        Suggestion.Topic.PROCESS,
        "来电弹屏显示客户最近三次联络",
        "接起电话前就能看到客户最近三次联络的摘要，可以少问很多重复问题，缩短通话时长。",
        False,
        "已在账务组试点，下月推广到全中心。感谢这个金点子！",
    ),
    (
        Suggestion.Topic.WELLBEING,
        "处理辱骂电话后给五分钟调整时间",
        "被客户辱骂后马上接下一通电话很难保持状态，建议允许置闲五分钟。",
        True,
        "自下周一起，委屈件登记后可置闲五分钟，不计入考勤。",
    ),
    (
        Suggestion.Topic.TOOLS,
        "Searchable knowledge base for new products",
        "New-business questions take long because the product sheets are PDFs. A search box would help.",
        False,
        "",
    ),
    (
        Suggestion.Topic.CUSTOMER,
        "短信回访增加“问题已解决”按钮",
        "很多客户回复短信时只写“好了”，系统识别不了，建议加一个一键确认。",
        True,
        "",
    ),
    (
        Suggestion.Topic.PROCESS,
        "投诉件转派时附上通话录音链接",
        "二线处理投诉时经常要重新向客户了解情况，附上录音链接可以避免客户重复描述。",
        False,
        "已上线：转派单自动附录音链接。",
    ),
    (
        Suggestion.Topic.OTHER,
        "每月评选服务之星并公示",
        "把客户表扬件多、质检分高的同事在例会上表彰，大家更有干劲。",
        True,
        "",
    ),
)


@dataclass
class _Respondent:
    engagement: float
    stress: float


def delete_pulse_data() -> None:
    """Delete every pulse and staff-voice row, children first."""
    for model in (
        PulseAnswer,
        PulseSubmission,
        PulseParticipation,
        PulseRound,
        PulseSchedule,
        PulseSurveyQuestion,
        PulseSurvey,
        PulseQuestion,
        Suggestion,
    ):
        model.objects.all().delete()


def seed_pulses(*, rng: random.Random, end: dt.date, strained_teams: Collection[str] = ()) -> dict[str, int]:
    """Replace all pulse data with three monthly rounds ending on ``end`` for the current agents.

    ``strained_teams`` are the teams whose stress rises round by round (the customer demo's
    strained teams); without them, a team whose code contains "complaints", or else the first.
    """
    with transaction.atomic():
        delete_pulse_data()
        load_standard_question_bank()
        questions = list(PulseQuestion.objects.order_by("topic", "code"))
        survey = _create_survey(questions, end=end)
        agents = list(Agent.objects.filter(active=True).select_related("team__site").order_by("employee_number"))
        teams = sorted({agent.team.code for agent in agents})
        strained = {code for code in strained_teams if code in teams} or _fallback_strained(teams)
        small = _small_teams(agents, rng=rng, avoid=strained)
        sites = sorted({agent.team.site.code for agent in agents})
        vision_gap_site = rng.choice(sites) if sites else ""
        team_bases = {code: (rng.gauss(0, TEAM_SPREAD), rng.gauss(0, TEAM_SPREAD)) for code in teams}
        outlooks = {agent.pk: (rng.gauss(0, PERSON_SD), rng.gauss(0, PERSON_SD)) for agent in agents}

        counts = {"pulse_rounds": 0, "pulse_invitations": 0, "pulse_submissions": 0, "pulse_answers": 0}
        for index in range(ROUNDS):
            pulse_round = _create_round(survey, index=index, end=end)
            participations, submissions, answers = [], [], []
            by_team: dict[str, list[Agent]] = {}
            for agent in agents:
                if agent.hire_date <= pulse_round.window_start:
                    by_team.setdefault(agent.team.code, []).append(agent)
            for code in sorted(by_team):
                members = by_team[code]
                if code in small:
                    answering = min(rng.choice(SMALL_TEAM_RESPONDENTS), len(members))
                else:
                    answering = _participants(len(members), rng=rng)
                respondents = set(rng.sample(range(len(members)), answering))
                engagement_base, stress_base = team_bases[code]
                rise = index if code in strained else 0
                for position, agent in enumerate(members):
                    band = tenure_band_on(agent.hire_date, pulse_round.window_start)
                    participations.append(
                        PulseParticipation(
                            round=pulse_round,
                            agent=agent,
                            team_code=code,
                            site_code=agent.team.site.code,
                            tenure_band=band,
                            invitation_sent=True,
                            answered=position in respondents,
                            reminders_sent=0 if position in respondents else len(REMINDER_DAYS),
                        )
                    )
                    if position not in respondents:
                        continue
                    engagement_outlook, stress_outlook = outlooks[agent.pk]
                    person = _Respondent(
                        engagement=ENGAGEMENT_MEAN
                        + engagement_base
                        + engagement_outlook
                        - ENGAGEMENT_DROP_PER_ROUND * rise
                        + rng.gauss(0, ROUND_SD),
                        stress=STRESS_MEAN
                        + stress_base
                        + stress_outlook
                        + STRESS_RISE_PER_ROUND * rise
                        + rng.gauss(0, ROUND_SD),
                    )
                    submission = PulseSubmission(
                        id=uuid.UUID(int=rng.getrandbits(128), version=4),
                        round=pulse_round,
                        team_code=code,
                        site_code=agent.team.site.code,
                        tenure_band=band,
                    )
                    submissions.append(submission)
                    answers += _answers(
                        submission,
                        questions,
                        person,
                        rng=rng,
                        vision_offset=VISION_GAP_SITE_OFFSET if agent.team.site.code == vision_gap_site else 0.0,
                    )
            # Insertion order must not follow the agents' order: shuffle before writing.
            rng.shuffle(submissions)
            PulseParticipation.objects.bulk_create(participations, batch_size=BATCH_SIZE)
            PulseSubmission.objects.bulk_create(submissions, batch_size=BATCH_SIZE)
            PulseAnswer.objects.bulk_create(answers, batch_size=BATCH_SIZE)
            counts["pulse_rounds"] += 1
            counts["pulse_invitations"] += len(participations)
            counts["pulse_submissions"] += len(submissions)
            counts["pulse_answers"] += len(answers)
        counts["pulse_questions"] = len(questions)
        counts["suggestions"] = _create_ideas(rng=rng, end=end)
    return counts


def _participants(invited: int, *, rng: random.Random) -> int:
    """How many of a team answer: a whole number inside the participation range."""
    low, high = math.ceil(PARTICIPATION[0] * invited), math.floor(PARTICIPATION[1] * invited)
    return rng.randint(low, high) if low <= high else round(sum(PARTICIPATION) / 2 * invited)


def _fallback_strained(teams: list[str]) -> set[str]:
    complaints = [code for code in teams if "complaints" in code]
    return set(complaints[:1] or teams[:1])


def _small_teams(agents: list[Agent], *, rng: random.Random, avoid: Collection[str]) -> set[str]:
    """Two teams of one site that barely answer (together at least k, so they hide no other team).

    Teams with a demo login are spared, so that the demo agent's and leader's pages show results.
    """
    with_login = {agent.team.code for agent in agents if agent.user_id is not None}
    by_site: dict[str, set[str]] = {}
    for agent in agents:
        if agent.team.code not in avoid and agent.team.code not in with_login:
            by_site.setdefault(agent.team.site.code, set()).add(agent.team.code)
    # The site keeps at least one more reported team besides the strained one.
    candidates = sorted(site for site, codes in by_site.items() if len(codes) >= SMALL_TEAMS + 1)
    if not candidates:
        return set()
    site = rng.choice(candidates)
    return set(rng.sample(sorted(by_site[site]), SMALL_TEAMS))


def _months_before(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _local(day: dt.date, hour: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _create_survey(questions: list[PulseQuestion], *, end: dt.date) -> PulseSurvey:
    name_en, name_zh = SURVEY_NAMES
    survey = PulseSurvey.objects.create(
        code=SURVEY_CODE, name_en=name_en, name_zh=name_zh, share_with_team_leaders=True
    )
    PulseSurveyQuestion.objects.bulk_create(
        [PulseSurveyQuestion(survey=survey, question=q, position=i) for i, q in enumerate(questions, start=1)]
    )
    first = _local(_months_before(end, ROUNDS - 1) - dt.timedelta(days=WINDOW_DAYS - 1), OPENING_HOUR)
    # The schedule that would have opened these rounds, and opens the next one a month on.
    PulseSchedule.objects.create(
        survey=survey,
        frequency=PulseFrequency.MONTHLY,
        first_opens_at=first,
        next_run_at=schedule_occurrence(first, frequency=PulseFrequency.MONTHLY, index=ROUNDS),
        runs=ROUNDS,
        window_days=WINDOW_DAYS,
        reminder_days=REMINDER_DAYS,
    )
    return survey


def _create_round(survey: PulseSurvey, *, index: int, end: dt.date) -> PulseRound:
    """Round ``index`` (0 first): its window ends on ``end`` shifted back a month per later round."""
    last_day = _months_before(end, ROUNDS - 1 - index)
    closes_at = _local(last_day + dt.timedelta(days=1))
    opens_at = _local(last_day - dt.timedelta(days=WINDOW_DAYS - 1), OPENING_HOUR)
    return PulseRound.objects.create(
        survey=survey,
        number=index + 1,
        opens_at=opens_at,
        closes_at=closes_at,
        closed_at=closes_at,
        reminder_days=REMINDER_DAYS,
        reminders_sent=len(REMINDER_DAYS),
    )


def _answers(
    submission: PulseSubmission,
    questions: list[PulseQuestion],
    person: _Respondent,
    *,
    rng: random.Random,
    vision_offset: float,
) -> list[PulseAnswer]:
    mood = MOOD_ENGAGEMENT_WEIGHT * person.engagement + (1 - MOOD_ENGAGEMENT_WEIGHT) * (6 - person.stress)
    rows = []
    for question in questions:
        if rng.random() < SKIP_RATE:
            continue
        if question.kind == PulseKind.ENPS:
            value = _clamp(round((person.engagement - 1) / 4 * 10 + ENPS_LIFT + rng.gauss(0, ENPS_NOISE_SD)), 0, 10)
        else:
            if question.category == PulseCategory.STRESS:
                # Stress items are worded so that agreement means strain (SCORING.md §5).
                level = person.stress
            elif question.category == PulseCategory.ENGAGEMENT:
                level = person.engagement
            else:
                level = mood + TOPIC_OFFSETS.get(question.topic, 0.0)
                if question.topic == PulseTopic.VISION:
                    level += vision_offset
            value = _clamp(round(level + rng.gauss(0, ITEM_SD)), 1, 5)
            if question.reverse and question.category != PulseCategory.STRESS:
                value = 6 - value
        comment = ""
        if question.allows_comment and rng.random() < COMMENT_RATE:
            favourable = (6 - value if question.reverse else value) >= 4
            pool = COMMENTS.get((question.topic, favourable), ())
            if pool:
                chinese, english = rng.choice(pool)
                comment = english if rng.random() < ENGLISH_COMMENT_SHARE else chinese
        rows.append(
            PulseAnswer(
                id=uuid.UUID(int=rng.getrandbits(128), version=4),
                submission=submission,
                question=question,
                value=float(value),
                comment=comment,
            )
        )
    return rows


def _create_ideas(*, rng: random.Random, end: dt.date) -> int:
    """Staff-voice ideas: open ones from the demo agent, anonymous ones, some adopted by HR."""
    author = User.objects.filter(role=Role.AGENT, agent__isnull=False).select_related("agent__team__site").first()
    answerer = User.objects.filter(role=Role.HR).first()
    ideas = []
    for number, (topic, title, body, anonymous, answer) in enumerate(IDEAS):
        submitted = end - dt.timedelta(days=rng.randint(10, 80))
        open_author = None if anonymous else author
        idea = Suggestion(
            id=uuid.UUID(int=rng.getrandbits(128), version=4),
            topic=topic,
            title=title,
            body=body,
            anonymous=open_author is None,
            author=open_author,
            team_code=open_author.agent.team.code if open_author else "",
            site_code=open_author.agent.team.site.code if open_author else "",
            tracking_hash=Suggestion.hash_tracking_code(f"demo-idea-{number}") if open_author is None else "",
            submitted_on=submitted,
        )
        if answer:
            idea.status = Suggestion.Status.ADOPTED
            idea.response = answer
            idea.responded_by = answerer
            idea.responded_on = idea.adopted_on = min(submitted + dt.timedelta(days=rng.randint(3, 12)), end)
        elif number % 2:
            idea.status = Suggestion.Status.REVIEWING
        ideas.append(idea)
    Suggestion.objects.bulk_create(ideas)
    return len(ideas)


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))
