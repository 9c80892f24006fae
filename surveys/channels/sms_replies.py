"""Lenient parsing of customers' SMS replies (issue 4): "5", "５", "五", "5 thanks", "five", "5分".

Pure: text in, a value or None out; never raises on any text.
"""

import re
import unicodedata
from enum import StrEnum

STOP_KEYWORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "退订", "TD"})
HELP_KEYWORDS = frozenset({"HELP", "INFO", "帮助"})
ENGLISH_NUMBERS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
}
CHINESE_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
YES_WORDS = frozenset({"yes", "y", "yeah", "yep", "是", "是的", "对", "解决了", "已解决", "有"})
NO_WORDS = frozenset({"no", "n", "nope", "否", "不", "不是", "没有", "没", "未解决", "没解决"})
# A digit run, an English number word, or a run of Chinese numerals (十 for ten).
NUMBER_TOKEN = re.compile(r"\d+|[a-z]+|[零〇一二两三四五六七八九十]+")
KEYWORD_TRIM = " \t\r\n.!。！"


class Keyword(StrEnum):
    STOP = "stop"
    HELP = "help"


def normalise(text: str) -> str:
    """Full-width forms folded (NFKC: "５" → "5"), lower case, outer space trimmed."""
    return unicodedata.normalize("NFKC", text).strip().lower()


def parse_keyword(text: str) -> Keyword | None:
    """STOP, UNSUBSCRIBE, 退订, TD (opt out) or HELP when the whole message is that word."""
    word = normalise(text).strip(KEYWORD_TRIM).upper()
    if word in STOP_KEYWORDS:
        return Keyword.STOP
    if word in HELP_KEYWORDS:
        return Keyword.HELP
    return None


def _chinese_number(token: str) -> int | None:
    if token == "十":
        return 10
    if len(token) == 2 and token[0] == "十" and token[1] in CHINESE_DIGITS:
        return 10 + CHINESE_DIGITS[token[1]]
    if len(token) == 1 and token in CHINESE_DIGITS:
        return CHINESE_DIGITS[token]
    return None


def _numbers(text: str) -> list[int | None]:
    """Every number-like token of the text; None for a token that is numeric but not a number we read."""
    found: list[int | None] = []
    for token in NUMBER_TOKEN.findall(text):
        if token.isdigit():
            found.append(int(token) if len(token) <= 2 else None)
        elif token in ENGLISH_NUMBERS:
            found.append(ENGLISH_NUMBERS[token])
        elif token[0] in CHINESE_DIGITS or token[0] == "十":
            found.append(_chinese_number(token))
    return found


def parse_scale_reply(text: str, *, low: int, high: int) -> int | None:
    """The one number in the reply if it lies on [low, high]; None for none, several, or out of range."""
    numbers = _numbers(normalise(text))
    if len(numbers) != 1 or numbers[0] is None:
        return None
    value = numbers[0]
    return value if low <= value <= high else None


def parse_yes_no_reply(text: str) -> bool | None:
    """Yes or no ("1" yes, "2" no, as the question says); None when unclear."""
    words = normalise(text).strip(KEYWORD_TRIM)
    first = re.split(r"[\s,，。.!！]+", words, maxsplit=1)[0] if words else ""
    if words in YES_WORDS or first in YES_WORDS or first == "1":
        return True
    if words in NO_WORDS or first in NO_WORDS or first == "2":
        return False
    return None
