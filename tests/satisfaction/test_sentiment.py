"""The offline comment classifier, and its accuracy on a labelled set the tests keep."""

import csv
from pathlib import Path

import pytest

from satisfaction.sentiment import NEGATIVE, NEUTRAL, POSITIVE, classify, is_chinese

LABELLED = Path(__file__).parent / "data" / "labelled_comments.csv"
# The classifier only has to separate "negative" well: that label feeds SCORING.md §4.
MIN_ACCURACY = 0.75
MIN_NEGATIVE_RECALL = 0.8


def _labelled(path: Path = LABELLED) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return [(row["text"], row["label"]) for row in csv.DictReader(handle)]


def _scored(path: Path) -> tuple[int, float, float]:
    """How many comments ``path`` holds, the share classified as labelled, and negative recall."""
    rows = _labelled(path)
    predicted = [classify(text) for text, _ in rows]
    accuracy = sum(p == label for p, (_, label) in zip(predicted, rows, strict=True)) / len(rows)
    negatives = [p for p, (_, label) in zip(predicted, rows, strict=True) if label == NEGATIVE]
    return len(rows), accuracy, negatives.count(NEGATIVE) / len(negatives)


def test_accuracy_on_the_labelled_set(capsys):
    count, accuracy, recall = _scored(LABELLED)
    with capsys.disabled():
        print(f"\nsentiment: accuracy {accuracy:.2f} on {count} comments, negative recall {recall:.2f}")  # noqa: T201 - the accuracy is reported on purpose
    assert accuracy >= MIN_ACCURACY
    assert recall >= MIN_NEGATIVE_RECALL


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("客服态度恶劣，敷衍了事", NEGATIVE),
        ("Terrible experience and rude staff", NEGATIVE),
        ("Great service, my issue was solved in minutes", POSITIVE),
    ],
)
def test_clear_comments_get_their_label(text, label):
    assert classify(text) == label


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("不满意", NEGATIVE),
        ("服务一点都不热情", NEGATIVE),
        ("解释得不太清楚", NEGATIVE),
        ("没有不满意的地方", POSITIVE),
        ("非常满意", POSITIVE),
        ("无比满意", POSITIVE),
        ("不错，很满意", POSITIVE),
        ("客服不耐烦", NEGATIVE),
        ("问题解决了，谢谢", POSITIVE),
        ("问题没解决了，谢谢", NEGATIVE),
        ("我想查一下上个月的账单", NEUTRAL),
        ("请问周末几点营业", NEUTRAL),
        ("你们到底能不能解决？", NEGATIVE),
        ("麻烦尽快处理，已经拖了一个月了", NEGATIVE),
        ("Engineer didn't turn up on Tuesday", NEGATIVE),
        ("Was told someone would call back. Nobody did.", NEGATIVE),
        ("why has nobody called me back?", NEGATIVE),
        ("haven't received my card yet, when will it arrive?", NEUTRAL),
        ("didn't have to wait at all, no complaints", POSITIVE),
    ],
)
def test_negations_requests_and_complaints_stated_as_facts(text, label):
    assert classify(text) == label


def test_empty_comment_is_neutral():
    assert classify("   ") == NEUTRAL


def test_language_is_detected_by_cjk_characters():
    assert is_chinese("订单 123")
    assert not is_chinese("order 123")


def test_accuracy_on_held_out_comments(capsys):
    """Comments written after the domain phrases were chosen; reported, with a looser floor."""
    with (LABELLED.parent / "heldout_comments.csv").open(encoding="utf-8") as handle:
        rows = [(row["text"], row["label"]) for row in csv.DictReader(handle)]
    accuracy = sum(classify(text) == label for text, label in rows) / len(rows)
    with capsys.disabled():
        print(f"\nsentiment: held-out accuracy {accuracy:.2f} on {len(rows)} comments")  # noqa: T201 - the accuracy is reported on purpose
    assert accuracy >= 0.5


@pytest.mark.parametrize(
    ("name", "count", "floor", "story"),
    [
        # Scored before session 8's changes and after each round, without reading its rows
        # (accuracy 0.66 -> 0.74 -> 0.76, negative recall 0.66 -> 0.72 -> 0.78); read afterwards.
        ("blind_comments.csv", 80, 0.7, "written blind, first set"),
        # Written after all of that, to judge the rule for Chinese requests (REQUEST) alone: session
        # 7's classifier 0.62 / 0.67, before the rule 0.67 / 0.71, with it 0.73 / 0.67.
        ("blind_comments_2.csv", 60, 0.6, "written blind, second set"),
        # English only, most complaints stated as facts, written to judge EN_UNMET alone: before
        # it 0.67 / 0.55, with it 0.71 / 0.65 (the second set's English: 0.70 / 0.58 -> 0.80 / 0.83).
        ("blind_comments_en.csv", 48, 0.6, "written blind, English facts"),
    ],
)
def test_accuracy_on_comments_written_blind(capsys, name, count, floor, story):
    """Comments (half Chinese, half English) written by someone who never saw the classifier."""
    scored, accuracy, recall = _scored(LABELLED.parent / name)
    with capsys.disabled():
        print(f"\nsentiment: {story}: accuracy {accuracy:.2f} on {scored} comments, negative recall {recall:.2f}")  # noqa: T201 - the accuracy is reported on purpose
    assert scored == count
    assert accuracy >= floor
    assert recall >= floor
