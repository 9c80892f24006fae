"""The standard pulse question bank: the seed documents' topics, in English and Chinese.

Stress items are worded so that agreement means strain (SCORING.md §5) and are flagged
``reverse`` so that, for favourable %, agreeing counts as unfavourable (§1: 6 − v); the
stress index itself reads them as answered.
"""

from dataclasses import dataclass

from surveys.models import PulseCategory, PulseKind, PulseTopic


@dataclass(frozen=True)
class BankQuestion:
    code: str
    topic: str
    category: str
    reverse: bool
    text_en: str
    text_zh: str
    kind: str = PulseKind.LIKERT
    allows_comment: bool = False


# The COPC criterion of seed 004 reads the favourable share of this item against 80 %.
VISION_QUESTION_CODE = "vision-understand"

STANDARD_QUESTIONS: tuple[BankQuestion, ...] = (
    BankQuestion(
        "engagement-proud",
        PulseTopic.ENGAGEMENT,
        PulseCategory.ENGAGEMENT,
        False,
        "I am proud to work at this contact centre.",
        "我为在这个呼叫中心工作感到自豪。",
    ),
    BankQuestion(
        "engagement-motivated",
        PulseTopic.ENGAGEMENT,
        PulseCategory.ENGAGEMENT,
        False,
        "My work motivates me to give my best on every contact.",
        "我的工作激励我在每一次服务中全力以赴。",
    ),
    BankQuestion(
        "engagement-leaving",
        PulseTopic.ENGAGEMENT,
        PulseCategory.ENGAGEMENT,
        True,
        "I often think about leaving this job.",
        "我经常想离开这份工作。",
    ),
    BankQuestion(
        "stress-workload",
        PulseTopic.STRESS,
        PulseCategory.STRESS,
        True,
        "My workload is too heavy to do my job well.",
        "我的工作量太大，难以把工作做好。",
        allows_comment=True,
    ),
    BankQuestion(
        "stress-drained",
        PulseTopic.STRESS,
        PulseCategory.STRESS,
        True,
        "I feel emotionally drained at the end of a shift.",
        "下班时我感到情绪上筋疲力尽。",
    ),
    BankQuestion(
        "stress-no-recovery",
        PulseTopic.STRESS,
        PulseCategory.STRESS,
        True,
        "I rarely get time to recover between difficult contacts.",
        "处理完困难来电后，我很少有时间调整状态。",
    ),
    BankQuestion(
        "kpi-fair",
        PulseTopic.KPI_PRESSURE,
        PulseCategory.OTHER,
        False,
        "The targets I am measured on (handle time, quality, sales) are fair.",
        "考核我的指标（通话时长、质检、销售）是合理的。",
        allows_comment=True,
    ),
    BankQuestion(
        "kpi-conflict",
        PulseTopic.KPI_PRESSURE,
        PulseCategory.STRESS,
        True,
        "KPI pressure keeps me from giving customers the service they need.",
        "指标压力让我无法给客户提供他们需要的服务。",
    ),
    BankQuestion(
        "abuse-supported",
        PulseTopic.ABUSIVE_CALLERS,
        PulseCategory.OTHER,
        False,
        "When a caller abuses me, I know the centre will stand behind me.",
        "遇到客户辱骂时，我知道中心会支持我。",
    ),
    BankQuestion(
        "abuse-upset",
        PulseTopic.ABUSIVE_CALLERS,
        PulseCategory.STRESS,
        True,
        "Abusive callers leave me upset long after the call.",
        "被客户辱骂后，我很久都难以平复。",
    ),
    BankQuestion(
        "training-enough",
        PulseTopic.TRAINING,
        PulseCategory.OTHER,
        False,
        "I have had the training I need to do my job well.",
        "我接受了做好工作所需的培训。",
    ),
    BankQuestion(
        "training-new-business",
        PulseTopic.TRAINING,
        PulseCategory.OTHER,
        False,
        "I feel ready to answer questions about new products and services.",
        "我有信心解答关于新产品和新业务的问题。",
    ),
    BankQuestion(
        "recognition-recent",
        PulseTopic.RECOGNITION,
        PulseCategory.ENGAGEMENT,
        False,
        "In the last month I was recognised for good work.",
        "过去一个月里，我的好表现得到了认可。",
    ),
    BankQuestion(
        "career-path",
        PulseTopic.CAREER,
        PulseCategory.OTHER,
        False,
        "I can see a path to grow my career here.",
        "我在这里能看到职业发展的路径。",
        allows_comment=True,
    ),
    BankQuestion(
        "leader-helps",
        PulseTopic.LEADER_SUPPORT,
        PulseCategory.OTHER,
        False,
        "My team leader helps me when I struggle.",
        "我遇到困难时，组长会帮助我。",
    ),
    BankQuestion(
        "leader-listens",
        PulseTopic.LEADER_SUPPORT,
        PulseCategory.OTHER,
        False,
        "My team leader listens to my ideas and concerns.",
        "组长会倾听我的想法和顾虑。",
        allows_comment=True,
    ),
    BankQuestion(
        VISION_QUESTION_CODE,
        PulseTopic.VISION,
        PulseCategory.OTHER,
        False,
        "I understand the centre's vision and strategy and could explain them to a colleague.",
        "我理解中心的愿景和战略，并能向同事讲清楚。",
    ),
    BankQuestion(
        "schedule-fair",
        PulseTopic.SCHEDULE,
        PulseCategory.OTHER,
        False,
        "Shifts and schedules are assigned fairly.",
        "排班是公平的。",
        allows_comment=True,
    ),
    BankQuestion(
        "schedule-preferences",
        PulseTopic.SCHEDULE,
        PulseCategory.OTHER,
        False,
        "My schedule preferences are taken into account.",
        "排班时会考虑我的意愿。",
    ),
    BankQuestion(
        "enps",
        PulseTopic.ENPS,
        PulseCategory.OTHER,
        False,
        "How likely are you to recommend this contact centre as a place to work?",
        "您有多大可能向朋友推荐来本中心工作？",
        kind=PulseKind.ENPS,
    ),
)
