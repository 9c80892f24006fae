"""Which question comes next, and what an answer means: pure functions over a version's questions.

Works on any objects with the ``Question`` attributes, so it is tested without a database.
"""

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from surveys.models.customer import ITEM_SCALES, Item

MAX_COMMENT = 4000
FCR_YES, FCR_NO = 1.0, 0.0

AnswerKey = tuple[str, str]


class QuestionLike(Protocol):
    position: int
    item: str
    dimension: str
    ask_if_item: str
    ask_if_min: float | None
    ask_if_max: float | None

    def asked_on(self, channel: str) -> bool: ...


@dataclass(frozen=True)
class Progress:
    done: int
    total: int


def channel_form(questions: Iterable[QuestionLike], channel: str) -> list[QuestionLike]:
    """The channel's form: the questions it carries, in order."""
    return sorted((q for q in questions if q.asked_on(channel)), key=lambda q: q.position)


def condition_holds(question: QuestionLike, answers: Mapping[AnswerKey, float | None]) -> bool:
    """Skip logic: a conditional question is asked only when the earlier answer lies in its range."""
    if not question.ask_if_item:
        return True
    value = answers.get((question.ask_if_item, ""))
    if value is None:
        return False
    low = -math.inf if question.ask_if_min is None else question.ask_if_min
    high = math.inf if question.ask_if_max is None else question.ask_if_max
    return low <= value <= high


def next_question(
    form: Sequence[QuestionLike], *, answers: Mapping[AnswerKey, float | None], after: int
) -> QuestionLike | None:
    """The first question past position ``after`` that the skip logic asks, or None when finished."""
    for question in form:
        if question.position > after and condition_holds(question, answers):
            return question
    return None


def progress(form: Sequence[QuestionLike], *, answers: Mapping[AnswerKey, float | None], after: int) -> Progress:
    """How far the customer is: questions handled, and all the skip logic asks so far."""
    asked = [q for q in form if condition_holds(q, answers)]
    return Progress(done=sum(1 for q in asked if q.position <= after), total=len(asked))


def parse_value(item: str, raw: str) -> tuple[float | None, str]:
    """(value, text) of a typed or tapped answer; ``ValueError`` with a reason when it is not valid."""
    raw = raw.strip()
    if item == Item.COMMENT:
        if "\x00" in raw:
            raise ValueError("the comment contains a NUL character, which PostgreSQL cannot store")
        if len(raw) > MAX_COMMENT:
            raise ValueError(f"the comment is longer than {MAX_COMMENT} characters")
        return None, raw
    if item == Item.FCR:
        choices = {"yes": FCR_YES, "1": FCR_YES, "no": FCR_NO, "0": FCR_NO}
        if raw.lower() not in choices:
            raise ValueError("fcr must be yes or no")
        return choices[raw.lower()], ""
    low, high = ITEM_SCALES[item]
    try:
        value = int(raw)
    except ValueError as exc:
        raise ValueError(f"{item} needs a whole number from {low} to {high}") from exc
    if not low <= value <= high:
        raise ValueError(f"{item} needs a whole number from {low} to {high}")
    return float(value), ""


def parse_keypad(item: str, digits: str) -> float:
    """The value of keypad digits (fcr: 1 yes, 2 no); ``ValueError`` with a reason otherwise."""
    digits = digits.strip().rstrip("#")
    if not digits.isdigit() or not digits.isascii():
        raise ValueError(f"{item}: {digits!r} is not a keypad answer")
    if item == Item.FCR:
        if digits not in ("1", "2"):
            raise ValueError("fcr: press 1 for yes or 2 for no")
        return FCR_YES if digits == "1" else FCR_NO
    if item not in ITEM_SCALES:
        raise ValueError(f"{item} cannot be answered on a keypad")
    low, high = ITEM_SCALES[item]
    value = int(digits)
    if not low <= value <= high:
        raise ValueError(f"{item}: {value} is outside {low} to {high}")
    return float(value)


def map_keypad_answers(
    form: Sequence[QuestionLike], digits: Sequence[str], *, answers: Mapping[AnswerKey, float | None], after: int = 0
) -> list[tuple[QuestionLike, float]]:
    """Digits posted at once, matched to the questions the skip logic asks in order; fewer digits = partial."""
    known = dict(answers)
    matched: list[tuple[QuestionLike, float]] = []
    for index, key in enumerate(digits):
        question = next_question(form, answers=known, after=after)
        if question is None:
            raise ValueError(f"digit {index + 1} has no question left to answer")
        try:
            value = parse_keypad(question.item, str(key))
        except ValueError as exc:
            raise ValueError(f"digit {index + 1}: {exc}") from exc
        matched.append((question, value))
        known[(question.item, question.dimension)] = value
        after = question.position
    return matched
