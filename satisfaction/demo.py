"""Demo data: a reproducible contact centre with 90 days of contacts, invitations and survey answers.

Everything is drawn from generators seeded with the ``seed`` argument (one named stream per
part, so changing how answers are drawn leaves the contacts as they were), and the only clock
read is the default end date. The same seed and end date therefore give the same rows.
"""

import datetime as dt
import itertools
import math
import random
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from agents.models import Agent, Role, Site, SkillGroup, Team, User
from surveys.models import (
    Answer,
    Channel,
    Contact,
    Invitation,
    Item,
    Response,
    Survey,
    SurveyDimension,
)

DEFAULT_SEED = 2026
DEMO_PASSWORD = "demo-pass-2026"
DEMO_EMAIL_DOMAIN = "demo.example.com"
BATCH_SIZE = 2000

# Volumes. A real agent takes about 25 contacts a day; 6 keeps the small demo near 65k contacts.
DAYS = 90
CONTACTS_PER_AGENT_DAY = 6.0
AGENTS_PER_TEAM = {"small": 15, "large": 25}
HIRE_YEARS = 6
MIN_TENURE_DAYS = 20
TRAINING_DAYS = 14
NEW_AGENT_DAYS = 180
INACTIVE_SHARE = 0.04
ENGLISH_NAME_SHARE = 0.08
EXTRA_SKILL_SHARE = 0.2
ENGLISH_SKILL_SHARE = 0.05

# Calls: 08:00-21:00 in the centre's time zone, 2-15 minutes, busier on Mondays and mid-morning.
CALL_HOURS = range(8, 21)
HOUR_WEIGHTS = (4, 7, 9, 9, 7, 6, 8, 8, 7, 6, 5, 4, 3)
HOUR_CUM_WEIGHTS = tuple(itertools.accumulate(HOUR_WEIGHTS))
DAY_OF_WEEK_VOLUME = (1.15, 1.05, 1.0, 1.0, 1.05, 0.85, 0.8)
MIN_HANDLE_MINUTES = 2.0
MAX_HANDLE_MINUTES = 15.0
HANDLE_SPREAD = 0.4
OUTBOUND_SHARE = 0.08
PREFERRED_CHANNELS = (Channel.IVR, Channel.SMS, Channel.WEB)
PREFERRED_CHANNEL_CUM_WEIGHTS = tuple(itertools.accumulate((0.5, 0.33, 0.17)))  # half IVR, a third SMS

# Customers: a pool of regulars calls again and again; the rest are one-off callers.
PHONE_PREFIX = "+86138"
PHONE_DIGITS = 8
REGULAR_CUSTOMERS_PER_AGENT = 25
REGULAR_CONTACT_SHARE = 0.3
OPTED_OUT_SHARE = 0.01

# Invitations and responses (DESIGN.md flow 1 and 2).
INVITATION_RATE = 0.6
QUARANTINE_DAYS = 7
QUIET_HOUR = 21
DELIVERY_FAILURE_RATE = 0.04
INVITATION_DELAY_SECONDS = (5, 30)
DELIVERY_DELAY_SECONDS = (1, 40)
RESPONSE_RATES = {Channel.IVR: 0.35, Channel.SMS: 0.20, Channel.WEB: 0.12}
# Median delay from the end of the call to the answer, in minutes, per channel.
ANSWER_DELAY_MINUTES = {Channel.IVR: 1.0, Channel.SMS: 8.0, Channel.WEB: 50.0}
ANSWER_DELAY_SPREAD = 1.0
MAX_ANSWER_DELAY_MINUTES = 2 * 24 * 60

# Answers: items per channel (SCORING.md §1).
SHORT_SURVEY_DIMENSIONS = 2
SHORT_SURVEY_NPS_SHARE = 0.3
IVR_HANG_UP_RATE = 0.06
SMS_DROP_RATE = 0.1
PAIR_SIDE_MISSING_RATE = 0.03
COMMENT_SHARE = 0.4
ENGLISH_COMMENT_SHARE = 0.15
PERCEIVED_FCR_AGREEMENT = 0.95

# The latent customer satisfaction, on the csat scale, that every answer of a response derives from.
LATENT_SD = 0.75
DIMENSION_SD = 0.45
CSAT_NOISE_SD = 0.3
AS_EXPECTED_LEVEL = 3.8  # latent level at which experience matches expectation (gap 0, SCORING.md §2)
RESOLVED_LIFT = 0.3
UNRESOLVED_DROP = 0.8
NEW_AGENT_PENALTY = 0.25
AGENT_SKILL_SD = 0.25
EXPECTATION_MEAN = 5.3
EXPECTATION_SD = 0.8
EXPERIENCE_SLOPE = 1.2
EXPERIENCE_NOISE_SD = 0.45
DISCONFIRMATION_SLOPE = 0.75
DISCONFIRMATION_NOISE_SD = 0.4
NPS_SLOPE = 2.6
NPS_OFFSET = 0.2
NPS_NOISE_SD = 1.1
CES_AS_EXPECTED = 4.4
CES_SLOPE = 1.3
CES_NOISE_SD = 0.8
# SCORING.md §4: hidden dissatisfaction is csat 4-5 with one dimension's gap at -33.3 or worse.
HIDDEN_DISSATISFACTION_RATE = 0.04
HIDDEN_DIMENSION_WEIGHTS = (0.35, 0.1, 0.35, 0.2)  # convenience, assurance, reliability, empathy
HIDDEN_MIN_EXPECTATION = 5
HIDDEN_GAP_POINTS = (2, 2, 3)
HIDDEN_DISCONFIRMATION = (1, 2)
# SCORING.md §4: a mismatch is csat 1-2 while every attribute was rated fine.
MISMATCH_RATE = 0.005
MISMATCH_CSAT = (1, 2)
MISMATCH_LEVEL_MARGIN = 0.5
MISMATCH_EXPERIENCE = (5, 6, 6, 7)
MISMATCH_MIN_DISCONFIRMATION = 3

# Strain: one team per site is overloaded more and more; its customers feel it about 3 weeks later.
STRAIN_BASE = 0.25
STRAIN_PEAK = 0.9
STRAIN_TEAM_SPREAD = 0.08
STRAIN_NOISE_SD = 0.04
STRAIN_RAMP_WEEKS = 12
STRAIN_LAG_DAYS = 21
STRAIN_EFFECT = 1.0  # latent csat points lost per unit of strain above the base
STRAIN_DIMENSION_DRAG = (0.8, 0.2, 0.4, 0.6)  # extra loss per dimension: waits and empathy suffer first
STRAIN_FCR_DRAG = 0.25
STRAIN_VOLUME_GAIN = 0.3
STRAIN_PACE_GAIN = 0.25
STRAINED_TEAM_KINDS = ("billing", "tech", "sales")

# The demo logins "supervisor", "leader" and "agent" see this site, this team and its first agent.
DEMO_SITE = "sh"
DEMO_TEAM = "sh-billing"
SITES = (("sh", "上海 Shanghai", 0.05), ("cd", "成都 Chengdu", 0.0), ("gz", "广州 Guangzhou", -0.05))
# Team slots per site; a slot is ``<kind>`` or ``<kind>-<n>`` and becomes the team code ``<site>-<slot>``.
TEAM_SLOTS = {
    "small": {"sh": ("billing", "tech", "sales", "vip"), "cd": ("billing", "tech", "sales", "complaints")},
    "large": {
        site: ("billing", "billing-2", "tech", "tech-2", "sales", "sales-2", "complaints", "vip")
        for site in ("sh", "cd", "gz")
    },
}
DEMO_SIZES = tuple(TEAM_SLOTS)
SKILL_GROUPS = (
    ("billing", "账务 Billing"),
    ("technical", "技术支持 Technical"),
    ("sales", "销售 Sales"),
    ("complaints", "投诉 Complaints"),
    ("vip", "贵宾 VIP"),
    ("english", "英语 English"),
)
EXTRA_SKILLS = ("billing", "technical", "sales", "complaints")
SURVEY_CODE = "post-call"
SURVEY_NAMES = ("Post-call satisfaction survey", "通话后满意度调查")
# (code, Chinese name, English name, importance weight), SCORING.md §1-§2.
DIMENSIONS = (
    ("convenience", "便捷性", "Convenience", 1.0),
    ("assurance", "专业可信", "Assurance", 1.0),
    ("reliability", "可靠性", "Reliability", 1.5),
    ("empathy", "同理心", "Empathy", 1.0),
)


@dataclass(frozen=True)
class TeamKind:
    """What teams of one kind share: their queue, names, skills and customer-satisfaction profile."""

    queue: str
    name_zh: str
    name_en: str
    skills: tuple[str, ...]
    csat_base: float
    fcr_rate: float
    handle_minutes: float
    expectation_lift: float
    dimension_offsets: tuple[float, float, float, float]


# Team kinds differ in base level (VIP high, complaints low), resolution rate and call length.
TEAM_KINDS = {
    "billing": TeamKind(
        queue="billing",
        name_zh="账务",
        name_en="Billing",
        skills=("billing",),
        csat_base=4.4,
        fcr_rate=0.8,
        handle_minutes=5.0,
        expectation_lift=0.0,
        dimension_offsets=(0.0, 0.1, -0.1, 0.0),
    ),
    "tech": TeamKind(
        queue="technical",
        name_zh="技术支持",
        name_en="Tech support",
        skills=("technical",),
        csat_base=4.25,
        fcr_rate=0.7,
        handle_minutes=8.0,
        expectation_lift=0.0,
        dimension_offsets=(-0.2, 0.15, -0.25, 0.0),
    ),
    "sales": TeamKind(
        queue="sales",
        name_zh="销售",
        name_en="Sales",
        skills=("sales",),
        csat_base=4.45,
        fcr_rate=0.85,
        handle_minutes=6.0,
        expectation_lift=-0.2,
        dimension_offsets=(0.1, -0.05, 0.0, -0.1),
    ),
    "vip": TeamKind(
        queue="vip",
        name_zh="贵宾",
        name_en="VIP",
        skills=("vip", "billing"),
        csat_base=4.75,
        fcr_rate=0.88,
        handle_minutes=6.5,
        expectation_lift=0.4,
        dimension_offsets=(0.2, 0.15, 0.0, 0.25),
    ),
    "complaints": TeamKind(
        queue="complaints",
        name_zh="投诉",
        name_en="Complaints",
        skills=("complaints", "billing"),
        csat_base=3.8,
        fcr_rate=0.55,
        handle_minutes=9.0,
        expectation_lift=0.2,
        dimension_offsets=(-0.1, 0.0, -0.3, -0.2),
    ),
}
ZH_NUMERALS = "零一二三四五六七八九十"

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余"
GIVEN_NAMES = [
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "霞",
    "平",
    "刚",
    "桂英",
    "婷",
    "雪",
    "浩",
    "宇",
    "晨",
    "欣怡",
    "子涵",
    "梓萱",
    "思远",
    "宇航",
    "佳怡",
    "雨萱",
    "俊杰",
    "浩然",
    "嘉怡",
    "晓明",
    "建华",
    "志强",
    "海燕",
    "丽华",
    "文博",
    "一鸣",
    "诗涵",
    "欣然",
    "泽宇",
    "晓燕",
    "春梅",
    "亚楠",
    "玉兰",
    "鹏",
    "慧",
    "琳",
    "倩",
    "颖",
    "佳",
    "辉",
    "斌",
    "凯",
    "梦瑶",
]
ENGLISH_GIVEN_NAMES = [
    "Emily",
    "Grace",
    "Kevin",
    "Jason",
    "Cindy",
    "Vivian",
    "Eric",
    "Tony",
    "Lily",
    "Amy",
    "Jack",
    "Sophia",
    "Daniel",
    "Michael",
    "Wendy",
    "Alice",
    "Peter",
    "Helen",
]
PINYIN_SURNAMES = [
    "Zhang",
    "Wang",
    "Li",
    "Liu",
    "Chen",
    "Yang",
    "Huang",
    "Zhao",
    "Wu",
    "Zhou",
    "Xu",
    "Sun",
    "Lin",
    "Ma",
    "Zhu",
]

# Comments by sentiment, mostly Chinese; the list a comment is drawn from is its sentiment.
COMMENTS_ZH = {
    Answer.Sentiment.POSITIVE: (
        "客服态度非常好，很耐心地帮我解决了问题。",
        "一次就帮我处理好了，效率很高，点赞！",
        "话务员讲解得很清楚，我终于明白账单是怎么回事了。",
        "接通很快，几乎没有等待，体验很好。",
        "声音很亲切，服务很周到。",
        "问题解决了，非常感谢这位客服的帮助。",
        "专业又有耐心，比以前打过的客服强多了。",
        "主动帮我推荐了更划算的套餐，很贴心。",
        "处理速度快，说到做到，第二天就办好了。",
        "客服很有礼貌，全程没有让我着急。",
        "帮我查得很仔细，还提醒了我需要注意的地方。",
        "服务很好，下次有问题还找你们。",
        "没想到这么快就退款了，很满意。",
        "客服很理解我的情况，没有推脱。",
        "技术人员一步步指导我重启设备，网络恢复了，谢谢！",
        "解释专业，回答准确，很放心。",
        "态度热情，语气温和，给五星。",
        "这次的体验超出预期，给你们点个赞。",
        "客服记得我上次的问题，不用重复说明，很方便。",
        "整体很满意，希望继续保持。",
    ),
    Answer.Sentiment.NEUTRAL: (
        "问题基本解决了，就是等待时间有点长。",
        "还可以吧，和平时差不多。",
        "客服态度可以，但流程有点繁琐。",
        "希望以后能在APP上直接办理，不用打电话。",
        "解决了一部分，剩下的说要等回电。",
        "一般般，没有特别好也没有特别差。",
        "语音菜单选项太多，找人工有点麻烦。",
        "客服说得有点快，有些没听清。",
        "办理成功了，但是要求提供的资料有点多。",
        "答复还算清楚，具体效果还要再看看。",
        "服务正常，没什么意见。",
        "等了几分钟才接通，其他还行。",
        "核实身份的步骤太多了。",
        "问题转给了其他部门，还在等结果。",
        "短信验证的流程可以再简化一下。",
        "客服挺客气的，就是对新业务不太熟悉。",
        "总体还行，希望晚上也能多安排点人。",
        "这次算顺利，上次打了好几次才解决。",
        "说会发短信确认，目前还没收到。",
        "没什么特别的，按流程办完了。",
    ),
    Answer.Sentiment.NEGATIVE: (
        "等了二十多分钟才有人接，太慢了。",
        "转了三次电话，每次都要重新说一遍问题。",
        "客服态度冷淡，感觉很不耐烦。",
        "问题根本没有解决，说好的回电也没有打来。",
        "同一个问题已经打了三次电话了，还是没处理好。",
        "话费扣错了，客服只会说系统没问题。",
        "答非所问，感觉对业务一点都不熟悉。",
        "没听我讲完就急着结束通话。",
        "承诺24小时内处理，结果一个星期都没动静。",
        "一直在推销套餐，我的问题却没人管。",
        "宽带断了三天，客服只会让我重启路由器。",
        "投诉了也没用，每次都是标准话术。",
        "退订业务这么难，明显是故意设置障碍。",
        "客服说法前后矛盾，不知道该信哪个。",
        "排队时间太长，中途还掉线了。",
        "没有人真正关心客户的问题。",
        "让我自己去营业厅办理，那打电话有什么用？",
        "账单明细看不懂，解释了半天还是糊涂。",
        "信号问题反映过好几次了，一直没有改善。",
        "非常失望，考虑换运营商了。",
    ),
}
COMMENTS_EN = {
    Answer.Sentiment.POSITIVE: (
        "The agent was very patient and solved my problem on the first call.",
        "Quick answer, friendly service, thank you!",
        "She explained my bill clearly and even found me a cheaper plan.",
        "Great support, the technician walked me through every step.",
        "Polite and professional, much better than I expected.",
        "My refund was processed the same day. Very happy.",
        "Easy to reach someone and the issue is fixed.",
        "Thanks for remembering my previous case, I didn't have to repeat myself.",
    ),
    Answer.Sentiment.NEUTRAL: (
        "It was fine, but the wait was a bit long.",
        "Problem partly solved, still waiting for a call back.",
        "The agent was nice but not very familiar with the new service.",
        "Too many menu options before I reached a person.",
        "OK overall. The identity check took a while.",
        "Nothing special, the request went through.",
        "Would be better if I could do this in the app.",
        "The agent spoke quite fast, but I got what I needed.",
    ),
    Answer.Sentiment.NEGATIVE: (
        "I waited over twenty minutes and then got cut off.",
        "Transferred three times and had to explain everything again.",
        "Nobody called back as promised. Still not fixed.",
        "The agent kept pushing a new plan instead of helping.",
        "Third call about the same billing error. Very frustrating.",
        "Rude and impatient, did not listen to me.",
        "The answers contradicted what I was told last week.",
        "Internet has been down for days and all they say is restart the router.",
    ),
}
SENTIMENTS = (Answer.Sentiment.NEGATIVE, Answer.Sentiment.NEUTRAL, Answer.Sentiment.POSITIVE)
# Weights of (negative, neutral, positive) comments by csat answer.
COMMENT_SENTIMENT_WEIGHTS = {
    1: (0.95, 0.05, 0.0),
    2: (0.85, 0.15, 0.0),
    3: (0.35, 0.5, 0.15),
    4: (0.08, 0.37, 0.55),
    5: (0.02, 0.18, 0.8),
}
HIDDEN_COMMENT_WEIGHTS = (0.6, 0.3, 0.1)
MISMATCH_COMMENT_WEIGHTS = (0.9, 0.1, 0.0)


@dataclass(frozen=True)
class DemoLogin:
    """A demo login, its role and what it may see; every one has the password ``DEMO_PASSWORD``."""

    username: str
    role: str
    scope: str


@dataclass(frozen=True)
class DemoSummary:
    """What ``seed_demo`` wrote."""

    size: str
    seed: int
    start_date: dt.date
    end_date: dt.date
    sites: int
    teams: int
    agents: int
    contacts: int
    invitations: int
    responses: int
    answers: int
    strained_teams: tuple[str, ...]
    logins: tuple[DemoLogin, ...]


@dataclass
class _TeamPlan:
    code: str
    name: str
    site_code: str
    kind: TeamKind
    site_offset: float
    model: Team | None = None
    agents: list["_AgentPlan"] = field(default_factory=list)


@dataclass
class _AgentPlan:
    employee_number: str
    name: str
    hire_date: dt.date
    active: bool
    team: _TeamPlan
    skills: tuple[str, ...]
    skill_offset: float
    first_day: int
    last_day: int
    model: Agent | None = None


@dataclass(slots=True)
class _Call:
    agent: _AgentPlan
    day_index: int
    started_at: dt.datetime
    ended_at: dt.datetime
    direction: str
    channel: str
    phone: str = ""
    model: Contact | None = None


def window_start(end_date: dt.date) -> dt.date:
    """First day of the demo window of ``DAYS`` days that ends on ``end_date``."""
    return end_date - dt.timedelta(days=DAYS - 1)


def strained_team_code(site_code: str, *, seed: int) -> str:
    """The code of the one team of a site whose strain rises over the demo window."""
    kind = random.Random(f"{seed}:strained:{site_code}").choice(STRAINED_TEAM_KINDS)
    return f"{site_code}-{kind}"


def team_strain(team_code: str, week_index: int, *, seed: int) -> float:
    """A team's latent workload strain (0 relaxed … 1 overloaded) in week ``week_index`` of the demo window.

    Week 0 is the first seven days starting at ``window_start``; weeks before it keep the base
    level and weeks after the ramp keep the peak, so callers may ask for any week.
    """
    base = STRAIN_BASE + random.Random(f"{seed}:strain-base:{team_code}").uniform(
        -STRAIN_TEAM_SPREAD, STRAIN_TEAM_SPREAD
    )
    level = base
    if team_code == strained_team_code(team_code.split("-", 1)[0], seed=seed):
        progress = min(max(week_index / STRAIN_RAMP_WEEKS, 0.0), 1.0)
        level = base + (STRAIN_PEAK - base) * progress
    noise = random.Random(f"{seed}:strain:{team_code}:{week_index}").gauss(0.0, STRAIN_NOISE_SD)
    return min(max(level + noise, 0.0), 1.0)


def seed_demo(
    size: str = "small",
    *,
    seed: int = DEFAULT_SEED,
    end_date: dt.date | None = None,
    contacts_per_agent_day: float = CONTACTS_PER_AGENT_DAY,
) -> DemoSummary:
    """Replace all organisation, survey and login data with a reproducible demo centre."""
    if size not in TEAM_SLOTS:
        raise ValueError(f"unknown demo size {size!r}; choose one of {', '.join(DEMO_SIZES)}")
    end_date = end_date or timezone.localdate()
    start = window_start(end_date)
    with transaction.atomic():
        delete_demo_data()
        teams = _plan_organisation(size, seed=seed, end_date=end_date)
        sites = _create_sites(teams)
        users = _create_logins(teams, sites=sites, seed=seed)
        _create_teams_and_agents(teams, sites=sites, users=users)
        survey = _create_survey()
        activity = _create_activity(
            teams, survey=survey, seed=seed, end_date=end_date, contacts_per_agent_day=contacts_per_agent_day
        )
    return DemoSummary(
        size=size,
        seed=seed,
        start_date=start,
        end_date=end_date,
        sites=len(sites),
        teams=len(teams),
        agents=sum(len(t.agents) for t in teams),
        contacts=activity.contacts,
        invitations=activity.invitations,
        responses=activity.responses,
        answers=activity.answers,
        strained_teams=tuple(strained_team_code(code, seed=seed) for code in sites),
        logins=tuple(users),
    )


def delete_demo_data() -> None:
    """Delete every survey, contact, organisation and login row, children first."""
    for model in (Answer, Response, Invitation, Contact, SurveyDimension, Survey, Agent, Team, SkillGroup, Site, User):
        model.objects.all().delete()


def _plan_organisation(size: str, *, seed: int, end_date: dt.date) -> list[_TeamPlan]:
    rng = random.Random(f"{seed}:organisation")
    site_offsets = {code: offset for code, _name, offset in SITES}
    teams: list[_TeamPlan] = []
    kind_counts: dict[str, int] = {}
    for site_code, slots in TEAM_SLOTS[size].items():
        for slot in slots:
            kind_code = slot.split("-", 1)[0]
            kind = TEAM_KINDS[kind_code]
            number = kind_counts[kind_code] = kind_counts.get(kind_code, 0) + 1
            name = f"{kind.name_zh}{ZH_NUMERALS[number]}组 {kind.name_en} {number}"
            teams.append(_TeamPlan(f"{site_code}-{slot}", name, site_code, kind, site_offsets[site_code]))
    used_names: set[str] = set()
    employee_number = 10000
    for team in teams:
        for position in range(AGENTS_PER_TEAM[size]):
            employee_number += 1
            # The first agent of a team is an experienced, active, Chinese-named senior (the demo login).
            senior = position == 0
            name = _unique_name(rng, used_names, english=not senior and rng.random() < ENGLISH_NAME_SHARE)
            tenure = round(rng.triangular(MIN_TENURE_DAYS, HIRE_YEARS * 365, MIN_TENURE_DAYS))
            if senior:
                tenure = max(tenure, 365)
            hire_date = end_date - dt.timedelta(days=tenure)
            first_day = max(DAYS - 1 - tenure + TRAINING_DAYS, 0)
            active = senior or rng.random() >= INACTIVE_SHARE
            last_day = DAYS - 1 if active else rng.randrange(first_day, DAYS - 1)
            skills = list(team.kind.skills)
            if rng.random() < EXTRA_SKILL_SHARE:
                skills.append(rng.choice([s for s in EXTRA_SKILLS if s not in skills]))
            if name.isascii() or rng.random() < ENGLISH_SKILL_SHARE:
                skills.append("english")
            team.agents.append(
                _AgentPlan(
                    employee_number=f"E{employee_number}",
                    name=name,
                    hire_date=hire_date,
                    active=active,
                    team=team,
                    skills=tuple(skills),
                    skill_offset=rng.gauss(0.0, AGENT_SKILL_SD),
                    first_day=first_day,
                    last_day=last_day,
                )
            )
    return teams


def _unique_name(rng: random.Random, used: set[str], *, english: bool) -> str:
    while True:
        if english:
            name = f"{rng.choice(ENGLISH_GIVEN_NAMES)} {rng.choice(PINYIN_SURNAMES)}"
        else:
            name = rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)
        if name not in used:
            used.add(name)
            return name


def _create_sites(teams: list[_TeamPlan]) -> dict[str, Site]:
    names = {code: name for code, name, _offset in SITES}
    codes = list(dict.fromkeys(team.site_code for team in teams))
    sites = Site.objects.bulk_create([Site(code=code, name=names[code]) for code in codes])
    return {site.code: site for site in sites}


def _create_logins(teams: list[_TeamPlan], *, sites: dict[str, Site], seed: int) -> dict[DemoLogin, User]:
    # Hashing is deliberately slow; one hash serves every demo login.
    password = make_password(DEMO_PASSWORD)
    rng = random.Random(f"{seed}:logins")
    used_names = {agent.name for team in teams for agent in team.agents}
    demo_team = next(team for team in teams if team.code == DEMO_TEAM)
    demo_agent = demo_team.agents[0]
    logins = [
        DemoLogin("admin", Role.ADMIN, "whole centre (superuser)"),
        DemoLogin("hr", Role.HR, "whole centre"),
        DemoLogin("quality", Role.QUALITY, "whole centre"),
        DemoLogin("supervisor", Role.SUPERVISOR, f"site {DEMO_SITE}"),
        DemoLogin("leader", Role.SUPERVISOR, f"team {DEMO_TEAM}"),
        DemoLogin("agent", Role.AGENT, f"agent {demo_agent.employee_number}"),
    ]
    logins += [
        DemoLogin(f"leader-{team.code}", Role.SUPERVISOR, f"team {team.code}")
        for team in teams
        if team is not demo_team
    ]
    users = {}
    for login in logins:
        is_admin = login.role == Role.ADMIN
        users[login] = User(
            username=login.username,
            email=f"{login.username}@{DEMO_EMAIL_DOMAIN}",
            first_name=demo_agent.name if login.role == Role.AGENT else _unique_name(rng, used_names, english=False),
            role=login.role,
            password=password,
            is_staff=is_admin,
            is_superuser=is_admin,
        )
    User.objects.bulk_create(users.values())
    supervisor = next(user for user in users.values() if user.username == "supervisor")
    supervisor.supervised_sites.add(sites[DEMO_SITE])
    return users


def _create_teams_and_agents(teams: list[_TeamPlan], *, sites: dict[str, Site], users: dict[DemoLogin, User]) -> None:
    by_username = {user.username: user for user in users.values()}
    for team in teams:
        leader = by_username["leader" if team.code == DEMO_TEAM else f"leader-{team.code}"]
        team.model = Team(code=team.code, name=team.name, site=sites[team.site_code], leader=leader)
    Team.objects.bulk_create([team.model for team in teams])
    skill_groups = SkillGroup.objects.bulk_create([SkillGroup(code=code, name=name) for code, name in SKILL_GROUPS])
    skill_ids = {group.code: group.pk for group in skill_groups}
    for team in teams:
        for position, plan in enumerate(team.agents):
            plan.model = Agent(
                employee_number=plan.employee_number,
                name=plan.name,
                hire_date=plan.hire_date,
                active=plan.active,
                team=team.model,
                user=by_username["agent"] if team.code == DEMO_TEAM and position == 0 else None,
            )
    Agent.objects.bulk_create([plan.model for team in teams for plan in team.agents], batch_size=BATCH_SIZE)
    through = Agent.skill_groups.through
    through.objects.bulk_create(
        [
            through(agent_id=plan.model.pk, skillgroup_id=skill_ids[skill])
            for team in teams
            for plan in team.agents
            for skill in plan.skills
        ],
        batch_size=BATCH_SIZE,
    )


def _create_survey() -> Survey:
    name_en, name_zh = SURVEY_NAMES
    survey = Survey.objects.create(code=SURVEY_CODE, name_en=name_en, name_zh=name_zh, is_default=True)
    SurveyDimension.objects.bulk_create(
        [
            SurveyDimension(survey=survey, code=code, name_zh=name_zh, name_en=name_en, weight=weight)
            for code, name_zh, name_en, weight in DIMENSIONS
        ]
    )
    return survey


@dataclass
class _Activity:
    """Counts of what was written, and the state that carries over from one day to the next."""

    contacts: int = 0
    invitations: int = 0
    responses: int = 0
    answers: int = 0
    last_surveyed: dict[str, int] = field(default_factory=dict)
    strain: dict[tuple[str, int], float] = field(default_factory=dict)


def _create_activity(
    teams: list[_TeamPlan],
    *,
    survey: Survey,
    seed: int,
    end_date: dt.date,
    contacts_per_agent_day: float,
) -> _Activity:
    """Write the window's contacts, invitations, responses and answers one day at a time."""
    # One generator per part: each consumes its draws in the same order whatever the others do.
    call_rng = random.Random(f"{seed}:calls")
    customer_rng = random.Random(f"{seed}:customers")
    invitation_rng = random.Random(f"{seed}:invitations")
    answer_rng = random.Random(f"{seed}:answers")
    regulars = [_phone(customer_rng) for _ in range(REGULAR_CUSTOMERS_PER_AGENT * sum(len(t.agents) for t in teams))]
    opted_out = set(customer_rng.sample(regulars, round(len(regulars) * OPTED_OUT_SHARE)))
    activity = _Activity()
    start = window_start(end_date)
    for day_index in range(DAYS):
        # Days are written as they are drawn, so memory stays flat even for the large demo.
        calls = _plan_day(
            teams,
            rng=call_rng,
            seed=seed,
            day=start + dt.timedelta(days=day_index),
            day_index=day_index,
            contacts_per_agent_day=contacts_per_agent_day,
        )
        for call in calls:
            if customer_rng.random() < REGULAR_CONTACT_SHARE:
                call.phone = customer_rng.choice(regulars)
            else:
                call.phone = _phone(customer_rng)
                if customer_rng.random() < OPTED_OUT_SHARE:
                    opted_out.add(call.phone)
        _create_contacts(calls, first_number=activity.contacts + 1)
        activity.contacts += len(calls)
        _create_survey_data(
            calls,
            survey=survey,
            seed=seed,
            end_date=end_date,
            opted_out=opted_out,
            activity=activity,
            rng=invitation_rng,
            answer_rng=answer_rng,
        )
    return activity


def _plan_day(
    teams: list[_TeamPlan],
    *,
    rng: random.Random,
    seed: int,
    day: dt.date,
    day_index: int,
    contacts_per_agent_day: float,
) -> list[_Call]:
    """The day's calls of every working agent, in the order they started."""
    tz = timezone.get_default_timezone()
    day_volume = contacts_per_agent_day * DAY_OF_WEEK_VOLUME[day.weekday()]
    calls = []
    for team in teams:
        # A strained team takes more calls and hurries through them.
        excess = team_strain(team.code, day_index // 7, seed=seed) - STRAIN_BASE
        volume = day_volume * (1 + STRAIN_VOLUME_GAIN * excess)
        handle_mu = math.log(team.kind.handle_minutes * (1 - STRAIN_PACE_GAIN * excess))
        for agent in team.agents:
            if not agent.first_day <= day_index <= agent.last_day:
                continue
            for _ in range(_poisson(rng, volume)):
                hour = rng.choices(CALL_HOURS, cum_weights=HOUR_CUM_WEIGHTS)[0]
                started = dt.datetime(
                    day.year, day.month, day.day, hour, rng.randrange(60), rng.randrange(60), tzinfo=tz
                )
                minutes = rng.lognormvariate(handle_mu, HANDLE_SPREAD)
                minutes = min(max(minutes, MIN_HANDLE_MINUTES), MAX_HANDLE_MINUTES)
                calls.append(
                    _Call(
                        agent=agent,
                        day_index=day_index,
                        started_at=started,
                        ended_at=started + dt.timedelta(seconds=round(minutes * 60)),
                        direction="outbound" if rng.random() < OUTBOUND_SHARE else "inbound",
                        channel=rng.choices(PREFERRED_CHANNELS, cum_weights=PREFERRED_CHANNEL_CUM_WEIGHTS)[0],
                    )
                )
    # A stable sort: calls starting in the same second keep their generation order.
    calls.sort(key=lambda call: call.started_at)
    return calls


def _phone(rng: random.Random) -> str:
    return f"{PHONE_PREFIX}{rng.randrange(10**PHONE_DIGITS):0{PHONE_DIGITS}d}"


def _create_contacts(calls: list[_Call], *, first_number: int) -> None:
    # Plain ids rather than related objects: the descriptors cost more than the inserts here.
    for number, call in enumerate(calls, start=first_number):
        team = call.agent.team.model
        call.model = Contact(
            external_id=f"C{number:08d}",
            agent_id=call.agent.model.pk,
            team_id=team.pk,
            site_id=team.site_id,
            customer_phone=call.phone,
            started_at=call.started_at,
            ended_at=call.ended_at,
            queue=call.agent.team.kind.queue,
            direction=call.direction,
            preferred_channel=call.channel,
        )
    Contact.objects.bulk_create([call.model for call in calls], batch_size=BATCH_SIZE)


def _create_survey_data(
    calls: list[_Call],
    *,
    survey: Survey,
    seed: int,
    end_date: dt.date,
    opted_out: set[str],
    activity: _Activity,
    rng: random.Random,
    answer_rng: random.Random,
) -> None:
    """Write invitations, responses and answers for the calls of one day (DESIGN.md flows 1 and 2)."""
    tz = timezone.get_default_timezone()
    horizon = dt.datetime(end_date.year, end_date.month, end_date.day, tzinfo=tz) + dt.timedelta(days=1)
    invitations, responses, answer_rows = [], [], []
    for call in calls:
        if rng.random() >= INVITATION_RATE:
            continue
        channel = call.channel
        created = call.ended_at + dt.timedelta(seconds=rng.randint(*INVITATION_DELAY_SECONDS))
        invitation = Invitation(
            contact_id=call.model.pk,
            survey_id=survey.pk,
            channel=channel,
            created_at=created,
            decision_reason="sampled",
        )
        invitations.append(invitation)
        previous = activity.last_surveyed.get(call.phone)
        if call.phone in opted_out:
            invitation.status, invitation.decision_reason = Invitation.Status.SKIPPED, "opt-out"
            continue
        if previous is not None and call.day_index - previous < QUARANTINE_DAYS:
            invitation.status, invitation.decision_reason = Invitation.Status.SKIPPED, "quarantine"
            continue
        if channel != Channel.IVR and call.ended_at.hour >= QUIET_HOUR:
            invitation.status, invitation.decision_reason = Invitation.Status.SKIPPED, "quiet-hours"
            continue
        activity.last_surveyed[call.phone] = call.day_index
        if rng.random() < DELIVERY_FAILURE_RATE:
            invitation.status = Invitation.Status.FAILED
            continue
        invitation.status = Invitation.Status.DELIVERED
        invitation.delivered_at = created + dt.timedelta(seconds=rng.randint(*DELIVERY_DELAY_SECONDS))
        if rng.random() >= RESPONSE_RATES[channel]:
            continue
        delay = rng.lognormvariate(math.log(ANSWER_DELAY_MINUTES[channel]), ANSWER_DELAY_SPREAD)
        answered_at = invitation.delivered_at + dt.timedelta(seconds=round(min(delay, MAX_ANSWER_DELAY_MINUTES) * 60))
        if answered_at >= horizon:
            continue  # the customer has not answered yet on the last day of the demo
        agent = call.agent
        response = Response(
            contact_id=call.model.pk,
            survey_id=survey.pk,
            channel=channel,
            answered_at=answered_at,
            agent_id=agent.model.pk,
            team_id=agent.team.model.pk,
            site_id=agent.team.model.site_id,
            queue=call.model.queue,
        )
        responses.append(response)
        # Customers feel a team's strain about three weeks after the agents do.
        lag_week = (call.day_index - STRAIN_LAG_DAYS) // 7
        key = (agent.team.code, lag_week)
        if key not in activity.strain:
            activity.strain[key] = team_strain(agent.team.code, lag_week, seed=seed)
        tenure = (call.started_at.date() - agent.hire_date).days
        rows = _draw_answers(answer_rng, call=call, channel=channel, strain=activity.strain[key], tenure_days=tenure)
        answer_rows += [(response, *row) for row in rows]
    Invitation.objects.bulk_create(invitations, batch_size=BATCH_SIZE)
    Response.objects.bulk_create(responses, batch_size=BATCH_SIZE)
    Answer.objects.bulk_create(
        [
            Answer(response_id=response.pk, item=item, dimension=dimension, value=value, text=text, sentiment=sentiment)
            for response, item, dimension, value, text, sentiment in answer_rows
        ],
        batch_size=BATCH_SIZE,
    )
    activity.invitations += len(invitations)
    activity.responses += len(responses)
    activity.answers += len(answer_rows)


_AnswerRow = tuple[str, str, float | None, str, str]


def _draw_answers(
    rng: random.Random, *, call: _Call, channel: str, strain: float, tenure_days: int
) -> list[_AnswerRow]:
    """One customer's answers, all derived from one latent satisfaction so that items correlate."""
    kind = call.agent.team.kind
    excess = strain - STRAIN_BASE
    shift = -STRAIN_EFFECT * excess
    resolved = rng.random() < kind.fcr_rate - STRAIN_FCR_DRAG * excess
    level = (
        kind.csat_base
        + call.agent.team.site_offset
        + call.agent.skill_offset
        + shift
        + (RESOLVED_LIFT if resolved else -UNRESOLVED_DROP)
        - (NEW_AGENT_PENALTY if tenure_days < NEW_AGENT_DAYS else 0.0)
        + rng.gauss(0.0, LATENT_SD)
    )
    dimension_levels = [
        level + offset + drag * shift + rng.gauss(0.0, DIMENSION_SD)
        for offset, drag in zip(kind.dimension_offsets, STRAIN_DIMENSION_DRAG, strict=True)
    ]
    csat = _scale(level + rng.gauss(0.0, CSAT_NOISE_SD), 1, 5)
    mismatch = rng.random() < MISMATCH_RATE
    if mismatch:
        csat = rng.choice(MISMATCH_CSAT)
        level = min(level, csat + MISMATCH_LEVEL_MARGIN)
    hidden = None
    if not mismatch and csat >= 4 and rng.random() < HIDDEN_DISSATISFACTION_RATE:
        hidden = rng.choices(range(len(DIMENSIONS)), weights=HIDDEN_DIMENSION_WEIGHTS)[0]
    perceived_fcr = resolved if rng.random() < PERCEIVED_FCR_AGREEMENT else not resolved
    nps = _scale(NPS_SLOPE * (level - 1) + NPS_OFFSET + rng.gauss(0.0, NPS_NOISE_SD), 0, 10)
    rows: list[_AnswerRow] = [(Item.CSAT, "", float(csat), "", "")]
    if channel == Channel.WEB:
        # Effort follows convenience, the first dimension.
        ease = (dimension_levels[0] - AS_EXPECTED_LEVEL) * CES_SLOPE
        ces = _scale(CES_AS_EXPECTED + ease + rng.gauss(0.0, CES_NOISE_SD), 1, 7)
        rows += [(Item.NPS, "", float(nps), "", ""), (Item.CES, "", float(ces), "", "")]
        rows.append((Item.FCR, "", 1.0 if perceived_fcr else 0.0, "", ""))
        rows += _pair_answers(rng, kind=kind, dimension_levels=dimension_levels, hidden=hidden, mismatch=mismatch)
        if rng.random() < COMMENT_SHARE:
            rows.append(_comment(rng, csat=csat, hidden=hidden is not None, mismatch=mismatch))
        return rows
    asked = sorted(rng.sample(range(len(DIMENSIONS)), SHORT_SURVEY_DIMENSIONS))
    if hidden is not None:
        hidden = rng.choice(asked)
    for index in asked:
        value = _scale(
            3
            + (dimension_levels[index] - AS_EXPECTED_LEVEL) * DISCONFIRMATION_SLOPE
            + rng.gauss(0.0, DISCONFIRMATION_NOISE_SD),
            1,
            5,
        )
        if index == hidden:
            value = rng.choice(HIDDEN_DISCONFIRMATION)
        elif mismatch:
            value = max(value, MISMATCH_MIN_DISCONFIRMATION)
        rows.append((Item.DISCONFIRMATION, DIMENSIONS[index][0], float(value), "", ""))
    rows.append((Item.FCR, "", 1.0 if perceived_fcr else 0.0, "", ""))
    if rng.random() < SHORT_SURVEY_NPS_SHARE:
        rows.append((Item.NPS, "", float(nps), "", ""))
    # Partial answers are kept (DESIGN.md flow 2): some callers hang up or stop replying.
    if rng.random() < (IVR_HANG_UP_RATE if channel == Channel.IVR else SMS_DROP_RATE):
        rows = rows[: rng.randint(1, len(rows) - 1)]
    return rows


def _pair_answers(
    rng: random.Random, *, kind: TeamKind, dimension_levels: list[float], hidden: int | None, mismatch: bool
) -> list[_AnswerRow]:
    rows: list[_AnswerRow] = []
    for index, (code, *_names) in enumerate(DIMENSIONS):
        anchor = rng.gauss(EXPECTATION_MEAN + kind.expectation_lift, EXPECTATION_SD)
        expectation = _scale(anchor, 1, 7)
        experience = _scale(
            anchor
            + (dimension_levels[index] - AS_EXPECTED_LEVEL) * EXPERIENCE_SLOPE
            + rng.gauss(0.0, EXPERIENCE_NOISE_SD),
            1,
            7,
        )
        if index == hidden:
            expectation = max(expectation, HIDDEN_MIN_EXPECTATION)
            experience = expectation - rng.choice(HIDDEN_GAP_POINTS)
        elif mismatch:
            experience = max(experience, rng.choice(MISMATCH_EXPERIENCE))
        missing = rng.random() < PAIR_SIDE_MISSING_RATE and index != hidden
        side = rng.random()
        if not (missing and side < 0.5):
            rows.append((Item.EXPECTATION, code, float(expectation), "", ""))
        if not (missing and side >= 0.5):
            rows.append((Item.EXPERIENCE, code, float(experience), "", ""))
    return rows


def _comment(rng: random.Random, *, csat: int, hidden: bool, mismatch: bool) -> _AnswerRow:
    if mismatch:
        weights = MISMATCH_COMMENT_WEIGHTS
    elif hidden:
        weights = HIDDEN_COMMENT_WEIGHTS
    else:
        weights = COMMENT_SENTIMENT_WEIGHTS[csat]
    sentiment = rng.choices(SENTIMENTS, weights=weights)[0]
    texts = COMMENTS_EN if rng.random() < ENGLISH_COMMENT_SHARE else COMMENTS_ZH
    return (Item.COMMENT, "", None, rng.choice(texts[sentiment]), sentiment)


def _scale(value: float, low: int, high: int) -> int:
    return min(max(round(value), low), high)


def _poisson(rng: random.Random, mean: float) -> int:
    # Knuth's method: exact and fast for the small daily means used here.
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count
