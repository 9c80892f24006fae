"""Lenient SMS reply parsing and segment counting: examples and properties (hypothesis)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from surveys.channels.sms_replies import Keyword, parse_keyword, parse_scale_reply, parse_yes_no_reply
from surveys.channels.sms_segments import sms_segments

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
CHINESE = "零一二三四五六七八九十"
WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
# Text after a number that adds no other number: thanks, stars, 分, punctuation.
SUFFIXES = st.text(alphabet=st.sampled_from(list(" thanksTHANKS!.,分谢谢非常好🙂")), max_size=12)


@pytest.mark.parametrize("reply", ["5", "５", "五", "5 thanks", "five", "5分", " Five! ", "FIVE stars"])
def test_the_issues_examples_read_as_five(reply):
    assert parse_scale_reply(reply, low=1, high=5) == 5


@pytest.mark.parametrize("reply", ["", "great", "4 or 5", "6", "123", "😀"])
def test_nonsense_and_ambiguity_read_as_nothing(reply):
    assert parse_scale_reply(reply, low=1, high=5) is None


@given(st.integers(min_value=0, max_value=10), SUFFIXES)
def test_a_number_with_a_harmless_suffix_is_that_number(n, suffix):
    assert parse_scale_reply(f"{n}{suffix}", low=0, high=10) == n


@given(st.integers(min_value=0, max_value=10))
def test_full_width_chinese_and_english_forms_agree_with_ascii(n):
    ascii_value = parse_scale_reply(str(n), low=0, high=10)
    assert parse_scale_reply(str(n).translate(FULL_WIDTH), low=0, high=10) == ascii_value
    assert parse_scale_reply(CHINESE[n], low=0, high=10) == ascii_value
    assert parse_scale_reply(WORDS[n], low=0, high=10) == ascii_value


@given(st.text(max_size=200), st.integers(min_value=0, max_value=5), st.integers(min_value=0, max_value=5))
def test_any_text_parses_to_nothing_or_a_value_on_the_scale(text, low, span):
    value = parse_scale_reply(text, low=low, high=low + span)
    assert value is None or low <= value <= low + span


@given(st.sampled_from(["STOP", "stop", "Unsubscribe", "退订", "TD", "td"]), st.sampled_from(["", " ", "\n", "!"]))
def test_opt_out_keywords_are_recognised_in_any_case_and_padding(word, pad):
    assert parse_keyword(f"{pad}{word}{pad}") == Keyword.STOP


def test_help_and_plain_answers():
    assert parse_keyword("help") == Keyword.HELP
    assert parse_keyword("5") is None
    assert parse_keyword("stop calling me late") is None


@pytest.mark.parametrize(
    ("reply", "expected"), [("1", True), ("yes", True), ("是的", True), ("2", False), ("No.", False), ("maybe", None)]
)
def test_yes_no_replies(reply, expected):
    assert parse_yes_no_reply(reply) is expected


def test_gsm_and_ucs2_segments():
    assert sms_segments("a" * 160) == 1
    assert sms_segments("a" * 161) == 2
    assert sms_segments("a" * 306) == 2
    assert sms_segments("{" * 80) == 1
    assert sms_segments("{" * 81) == 2
    assert sms_segments("满" * 70) == 1
    assert sms_segments("满" * 71) == 2
    assert sms_segments("满" * 134) == 2


@given(st.text(max_size=400))
def test_segments_never_fewer_than_the_text_needs(text):
    segments = sms_segments(text)
    assert segments >= 1
    assert segments * 160 >= len(text) or segments * 67 >= len(text.encode("utf-16-le")) // 2
