"""The question flow and answer values: pure functions, no database."""

from dataclasses import dataclass

import pytest

from surveys.survey_flow import (
    Progress,
    channel_form,
    map_keypad_answers,
    next_question,
    parse_keypad,
    parse_value,
    progress,
)


@dataclass
class Q:
    position: int
    item: str
    dimension: str = ""
    web: bool = True
    sms: bool = False
    ivr: bool = False
    ask_if_item: str = ""
    ask_if_min: float | None = None
    ask_if_max: float | None = None

    def asked_on(self, channel: str) -> bool:
        return {"web": self.web, "sms": self.sms, "ivr": self.ivr}[channel]


FORM = [
    Q(1, "csat", sms=True, ivr=True),
    Q(2, "disconfirmation", "reliability", web=False, sms=True, ivr=True),
    Q(3, "nps", ivr=True),
    Q(4, "fcr", sms=True, ivr=True),
    Q(5, "comment", web=False, sms=True, ask_if_item="csat", ask_if_max=2),
]


def test_each_channel_gets_its_own_form_in_order():
    assert [q.position for q in channel_form(reversed(FORM), "sms")] == [1, 2, 4, 5]
    assert [q.position for q in channel_form(FORM, "web")] == [1, 3, 4]


def test_what_went_wrong_is_asked_only_after_a_low_csat():
    sms = channel_form(FORM, "sms")
    assert next_question(sms, answers={("csat", ""): 2.0}, after=4).position == 5
    assert next_question(sms, answers={("csat", ""): 4.0}, after=4) is None


def test_the_survey_resumes_after_the_last_handled_question():
    sms = channel_form(FORM, "sms")
    assert next_question(sms, answers={("csat", ""): 5.0}, after=1).position == 2


def test_progress_counts_conditional_questions_only_once_they_apply():
    sms = channel_form(FORM, "sms")
    assert progress(sms, answers={("csat", ""): 5.0}, after=1) == Progress(done=1, total=3)
    assert progress(sms, answers={("csat", ""): 1.0}, after=1) == Progress(done=1, total=4)


@pytest.mark.parametrize(
    ("item", "raw", "expected"),
    [("csat", "5", (5.0, "")), ("nps", "0", (0.0, "")), ("fcr", "no", (0.0, "")), ("comment", " ok ", (None, "ok"))],
)
def test_web_values_are_read_on_the_item_scale(item, raw, expected):
    assert parse_value(item, raw) == expected


@pytest.mark.parametrize(("item", "raw"), [("csat", "6"), ("csat", "4.5"), ("ces", ""), ("fcr", "maybe")])
def test_web_values_off_the_scale_are_refused(item, raw):
    with pytest.raises(ValueError):
        parse_value(item, raw)


def test_keypad_reads_fcr_as_one_yes_two_no_and_nps_up_to_ten():
    assert parse_keypad("fcr", "1") == 1.0
    assert parse_keypad("fcr", "2") == 0.0
    assert parse_keypad("nps", "10#") == 10.0
    with pytest.raises(ValueError):
        parse_keypad("csat", "9")


def test_digits_posted_at_once_follow_the_skip_logic():
    ivr = channel_form(FORM, "ivr")
    matched = map_keypad_answers(ivr, ["4", "3", "10", "1"], answers={})
    assert [(q.item, v) for q, v in matched] == [("csat", 4.0), ("disconfirmation", 3.0), ("nps", 10.0), ("fcr", 1.0)]


def test_fewer_digits_are_a_partial_answer_and_a_bad_one_names_its_place():
    ivr = channel_form(FORM, "ivr")
    assert len(map_keypad_answers(ivr, ["4"], answers={})) == 1
    with pytest.raises(ValueError, match="digit 2"):
        map_keypad_answers(ivr, ["4", "7"], answers={})
