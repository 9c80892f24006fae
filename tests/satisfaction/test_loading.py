"""Reading a window's answers into pandas: by a range of response ids or through the join, the same rows."""

import datetime as dt

import pandas as pd
import pytest

from satisfaction import loading
from surveys.models import Response
from surveys.services import import_responses

pytestmark = pytest.mark.django_db

HEADER = "contact_id,agent,answered_at,channel,item,dimension,value\n"
MARCH = (dt.datetime(2026, 3, 1, tzinfo=dt.UTC), dt.datetime(2026, 4, 1, tzinfo=dt.UTC))


def answer(contact: str, agent: str, moment: str, csat: int) -> int:
    """Import one response (csat and one empathy pair) and return its id."""
    import_responses(
        (
            HEADER
            + f"{contact},{agent},{moment},web,csat,,{csat}\n"
            + f"{contact},{agent},{moment},web,expectation,empathy,4\n"
            + f"{contact},{agent},{moment},web,experience,empathy,6\n"
        ).encode()
    )
    return Response.objects.get(contact__external_id=contact).pk


def read(**scope) -> pd.DataFrame:
    frame, _cuts = loading.load_answers_and_cuts(*MARCH, **scope)
    return frame.sort_values(["response_id", "item", "dimension"], ignore_index=True)


@pytest.fixture
def march_with_a_february_answer_among_them(agent_a, agent_b):
    """Five March responses in a row of ids, with a February one (answered late) and another site's amid them."""
    ids = [
        answer("M1", "A001", "2026-03-02T10:00:00Z", 5),
        answer("M2", "A001", "2026-03-03T10:00:00Z", 4),
        answer("F1", "A001", "2026-02-27T10:00:00Z", 1),
        answer("M3", "B001", "2026-03-04T10:00:00Z", 3),
        answer("M4", "A001", "2026-03-05T10:00:00Z", 2),
    ]
    return ids


def test_a_months_answers_by_id_range_leave_out_the_responses_of_other_months(
    march_with_a_february_answer_among_them,
):
    ids = march_with_a_february_answer_among_them
    march = [ids[0], ids[1], ids[3], ids[4]]
    source, params = loading._answers_source(pd.Series(march), "unused", [])
    assert "JOIN" not in source and params == [ids[0], ids[4]]

    frame = read()

    assert sorted(set(frame["response_id"])) == march
    assert len(frame) == 4 * 3
    csat = frame.loc[frame["item"] == "csat"].set_index("response_id")["value"]
    assert csat.to_dict() == {ids[0]: 5.0, ids[1]: 4.0, ids[3]: 3.0, ids[4]: 2.0}
    # Each answer carries its own response's agent and time.
    row = frame.loc[frame["response_id"] == ids[3]].iloc[0]
    assert row["answered_at"] == pd.Timestamp("2026-03-04T10:00:00Z")
    assert row["site_id"] != frame.loc[frame["response_id"] == ids[0], "site_id"].iloc[0]


def test_a_sites_answers_by_id_range_leave_out_the_other_sites_responses(
    agent_a, march_with_a_february_answer_among_them
):
    ids = march_with_a_february_answer_among_them

    frame = read(site_id=agent_a.team.site_id)

    assert sorted(set(frame["response_id"])) == [ids[0], ids[1], ids[4]]
    assert set(frame["site_id"]) == {agent_a.team.site_id}


def test_responses_spread_over_the_ids_are_read_through_the_join_with_the_same_rows(agent_a):
    first = answer("M1", "A001", "2026-03-02T10:00:00Z", 5)
    for n in range(4):
        answer(f"F{n}", "A001", "2026-02-20T10:00:00Z", 1)
    last = answer("M2", "A001", "2026-03-03T10:00:00Z", 4)
    # Two of six ids in the range are March's: below the fill that makes a range read pay.
    source, params = loading._answers_source(pd.Series([last, first]), "r.answered_at >= %s", ["x"])
    assert "JOIN" in source and params == ["x"]

    frame = read()

    assert sorted(set(frame["response_id"])) == [first, last]
    assert len(frame) == 2 * 3


def test_a_window_without_responses_reads_no_answers(agent_a):
    answer("F1", "A001", "2026-02-20T10:00:00Z", 1)

    frame = read()

    assert frame.empty


def test_one_sites_responses_spread_among_the_others_are_read_through_the_join(agent_a, agent_b):
    mine = [answer("M1", "A001", "2026-03-02T10:00:00Z", 5)]
    for n in range(3):
        answer(f"B{n}", "B001", "2026-03-02T11:00:00Z", 1)
    mine.append(answer("M2", "A001", "2026-03-03T10:00:00Z", 4))

    frame = read(site_id=agent_a.team.site_id)

    assert sorted(set(frame["response_id"])) == mine
    assert frame.loc[frame["item"] == "csat", "value"].tolist() == [5.0, 4.0]
