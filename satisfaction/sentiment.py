"""Offline comment sentiment in Chinese and English (feeds hidden dissatisfaction, SCORING.md §4).

snownlp (Chinese) and vaderSentiment (English) ship their models inside the packages, so this
runs with no network. Pure: text in, a label out; no Django.
"""

import re
from functools import cache

NEGATIVE, NEUTRAL, POSITIVE = "negative", "neutral", "positive"
# snownlp gives P(positive) in [0, 1]; its bias towards "positive" on short text puts the
# negative cut well below 0.5.
ZH_NEGATIVE_BELOW = 0.3
ZH_POSITIVE_ABOVE = 0.7
# vaderSentiment's documented cut-offs on the compound score.
EN_NEGATIVE_AT_OR_BELOW = -0.05
EN_POSITIVE_AT_OR_ABOVE = 0.05
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# Contact-centre phrases the general-purpose models misread; a hit decides the label (unless
# negated, see ``NEGATORS``).
DOMAIN_NEGATIVE = (
    "没解决",
    "未解决",
    "没有解决",
    "太差",
    "很差",
    "差劲",
    "失望",
    "生气",
    "恶劣",
    "敷衍",
    "投诉",
    "浪费",
    "糟糕",
    "垃圾",
    "差评",
    "离谱",
    "没人",
    "不理",
    "太慢",
    "太长",
    "很烦",
    "烦死",
    "气死",
    "推诿",
    "踢皮球",
    "答非所问",
    "不耐烦",
    "不负责",
    "没用",
    "打不通",
    "打不进",
    "占线",
    "挂断",
    "挂了我",
    "等了半天",
    "等了很久",
    "还没到账",
    "nobody helped",
    "no one helped",
    "never came",
    "never called back",
    "no call back",
    "no callback",
    "not fixed",
    "not solved",
    "not resolved",
    "still not",
    "still waiting",
    "waste of time",
    "hung up",
    "cut me off",
    "on hold",
    "waited",
    "third time",
    "3rd time",
    "again and again",
    "still no ",
    "no refund",
    "no update",
    "no response",
    "repeat my",
    "same questions",
    "ridiculous",
    "useless",
    "not happy",
    "never again",
    "transferred three times",
    "transferred twice",
    "transferred again",
)
DOMAIN_POSITIVE = (
    "满意",
    "点赞",
    "好评",
    "感谢",
    "谢谢",
    "耐心",
    "专业",
    "亲切",
    "清楚",
    "很好",
    "及时",
    "热情",
    "高效",
    "迅速",
    "顺利",
    "贴心",
    "周到",
    "细心",
    "到位",
    "解决了",
    "搞定",
)
# A Chinese comment that asks or requests (and names no complaint) carries no verdict: snownlp,
# trained on reviews, reads plain requests such as 我想查一下账单 as negative. A rhetorical
# question (到底, 为什么, 怎么还...) or a request that names a delay (一直, 拖, 还没...) is still
# left to the model.
REQUEST = re.compile(r"请问|想问|咨询|麻烦|帮我|我想|我要|想要|能否|可否|如何|怎么办理|怎么操作|吗[？?]?$|[？?]$")
RHETORICAL = re.compile(
    r"到底|为什么|为啥|凭什么|怎么还|难道|究竟|居然|竟然|还是没|还没|又|一直|总是|每次|好几次|多次|拖"
)
# English complaints stated as facts, which vaderSentiment (words of feeling) scores neutral: what
# did not happen, still has not, or was promised; unless it is praise in negative form or a plain
# request or question (a "why" question is a complaint).
EN_UNMET = re.compile(
    r"\b(?:didn'?t|did not|never|hasn'?t|has not|haven'?t|have not|wasn'?t|was not|won'?t|will not)\s+"
    r"(?:even\s+)?(?:turn(?:ed)? up|show(?:ed)? up|arrived?|come|came|call(?:ed)?(?: me)? back|get back|got back|"
    r"receive[ds]?|hear[ds]?|fix(?:ed)?|work(?:ed|s)?|resolved?|sort(?:ed)?|happen(?:ed)?|respond(?:ed)?|"
    r"answer(?:ed)?|bother(?:ed)?|listen(?:ed)?|help(?:ed)?|explain(?:ed)?|refund(?:ed)?)\b"
    r"|\bno ?(?:body|one)\b.{0,30}?\b(?:call|came|answer|help|pick|got back|get back|contact|show|bother)"
    r"|\bstill\s+(?:no|not|nothing|waiting|broken|down|missing|haven'?t|hasn'?t|can'?t|doesn'?t|isn'?t)\b"
    r"|\bbeen\s+(?:\d+|a|two|three|four|five|six|several|many)\s+(?:days?|weeks?|hours?)\b"
    r"|\b(?:was|were|been)\s+(?:told|promised)\b"
    r"|\b(?:second|2nd|third|3rd|fourth|4th|fifth|5th)\s+(?:time|call)\b|\b(?:multiple|several|many)\s+times\b"
)
EN_PRAISE_IN_NEGATIVE_FORM = re.compile(
    r"no (?:complaints?|problems?|issues?|hassle|fuss)|nothing to complain|didn'?t (?:have|need) to|"
    r"never had (?:a|to)|couldn'?t (?:have asked|be happier|ask for)|can'?t (?:fault|complain|thank)"
)
EN_REQUEST = re.compile(
    r"^(?:please|pls|can|could|would|will|when|how|what|where|which|is|are|do|does|i'?d like|i would like|"
    r"i want|i need|i'?ll)\b|\?\s*$"
)
EN_WHY = re.compile(r"\bwhy\b|\bhow come\b")
# A Chinese cue is negated by an odd number of these just before it in its clause: 不满意,
# 不太专业 and 一点都不热情 are complaints, 没有不满意 is not (不错 is praise, 无比 is "very").
NEGATORS = re.compile(r"没有|不(?!错)|没|未|无(?!比)|别")
NEGATION_REACH = 4
CLAUSE_BREAK = re.compile(r"[，。！？；、,.!?;\s]")


@cache
def _english_analyser():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def is_chinese(text: str) -> bool:
    """Whether the text is mostly Chinese (any CJK ideograph counts, as comments mix in digits)."""
    return bool(CJK.search(text))


def classify(text: str) -> str:
    """``negative``, ``neutral`` or ``positive`` for one comment; empty text is neutral."""
    text = text.strip()
    if not text:
        return NEUTRAL
    lowered = text.lower()
    if any(_unnegated(lowered, phrase) for phrase in DOMAIN_NEGATIVE):
        return NEGATIVE
    if is_chinese(text):
        cues = [_unnegated(text, phrase) for phrase in DOMAIN_POSITIVE if phrase in text]
        if cues:
            # A negated praise word (不满意, 不够专业) is a complaint.
            return POSITIVE if all(cues) else NEGATIVE
        from snownlp import SnowNLP

        score = SnowNLP(text).sentiments
        if score < ZH_NEGATIVE_BELOW:
            return NEUTRAL if REQUEST.search(text) and not RHETORICAL.search(text) else NEGATIVE
        return POSITIVE if score > ZH_POSITIVE_ABOVE else NEUTRAL
    compound = _english_analyser().polarity_scores(text)["compound"]
    if compound <= EN_NEGATIVE_AT_OR_BELOW or _unmet(lowered):
        return NEGATIVE
    return POSITIVE if compound >= EN_POSITIVE_AT_OR_ABOVE else NEUTRAL


def _unmet(lowered: str) -> bool:
    """Whether an English comment states a failure as fact (``EN_UNMET``) as a complaint."""
    if not EN_UNMET.search(lowered) or EN_PRAISE_IN_NEGATIVE_FORM.search(lowered):
        return False
    return not EN_REQUEST.search(lowered.strip()) or bool(EN_WHY.search(lowered))


def _unnegated(text: str, phrase: str) -> bool:
    """Whether ``phrase`` occurs in ``text`` other than negated (Chinese negators only; English
    phrases carry their own negation, and vaderSentiment reads the rest)."""
    start = text.find(phrase)
    while start >= 0:
        before = CLAUSE_BREAK.split(text[max(0, start - NEGATION_REACH) : start])[-1]
        if len(NEGATORS.findall(before)) % 2 == 0:
            return True
        start = text.find(phrase, start + 1)
    return False
