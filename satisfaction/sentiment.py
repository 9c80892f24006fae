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
# Contact-centre phrases the general-purpose models misread; a hit decides the label.
DOMAIN_NEGATIVE = (
    "没解决",
    "未解决",
    "没有解决",
    "太差",
    "很差",
    "失望",
    "生气",
    "恶劣",
    "敷衍",
    "投诉",
    "浪费",
    "糟糕",
    "没人",
    "不理",
    "太慢",
    "太长",
    "很烦",
    "推诿",
    "nobody helped",
    "no one helped",
    "never came",
    "not fixed",
    "not solved",
    "not resolved",
    "waste of time",
    "transferred three times",
)
DOMAIN_POSITIVE = (
    "满意",
    "点赞",
    "感谢",
    "谢谢",
    "耐心",
    "专业",
    "亲切",
    "清楚",
    "很好",
    "及时",
    "热情",
)


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
    if any(phrase in lowered for phrase in DOMAIN_NEGATIVE):
        return NEGATIVE
    if is_chinese(text) and any(phrase in text for phrase in DOMAIN_POSITIVE):
        return POSITIVE
    if is_chinese(text):
        from snownlp import SnowNLP

        score = SnowNLP(text).sentiments
        if score < ZH_NEGATIVE_BELOW:
            return NEGATIVE
        return POSITIVE if score > ZH_POSITIVE_ABOVE else NEUTRAL
    compound = _english_analyser().polarity_scores(text)["compound"]
    if compound <= EN_NEGATIVE_AT_OR_BELOW:
        return NEGATIVE
    return POSITIVE if compound >= EN_POSITIVE_AT_OR_ABOVE else NEUTRAL
