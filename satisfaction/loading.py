"""Reading raw rows into pandas fast: PostgreSQL ``COPY ... TO STDOUT``, not ORM objects.

Answers are read as ids and numbers; codes are mapped afterwards from the small tables.
"""

import datetime as dt
import io

import numpy as np
import pandas as pd
from django.db import connection

ANSWER_DTYPES = {
    "response_id": "int64",
    "item": "category",
    # Parsed as categories (a handful of codes over millions of rows), handed on as plain strings.
    "dimension": "category",
    "value": "float64",
    "comment_negative": "boolean",
}
RESPONSE_DTYPES = {
    "response_id": "int64",
    "agent_id": "int64",
    "team_id": "int64",
    "site_id": "int64",
    "excluded_for_agent": "boolean",
    "answered_epoch": "int64",
}
# SCORING.md §2-§4 read these items; Kano pairs (§6) carry attribute codes in ``dimension`` and are read apart.
# The dashboards' cuts of a response (its channel and its contact's queue).
CUT_DTYPES = {"response_id": "int64", "channel": "object", "queue": "object"}
SCORED_ITEMS = ("csat", "nps", "ces", "fcr", "expectation", "experience", "disconfirmation", "comment")
KANO_ITEMS = ("kano_functional", "kano_dysfunctional")
INVITATION_DTYPES = {"agent_id": "int64", "team_id": "int64", "site_id": "int64", "delivered_epoch": "int64"}


def _epoch(column: str) -> str:
    """SQL for whole seconds since 1970 of a timestamp column, per database."""
    if connection.vendor == "postgresql":
        return f"CAST(EXTRACT(EPOCH FROM {column}) AS BIGINT)"
    return f"CAST(strftime('%%s', {column}) AS INTEGER)"


def read_frame(sql: str, params: list, *, dtypes: dict[str, str]) -> pd.DataFrame:
    """The rows of ``sql`` as a DataFrame: through COPY on PostgreSQL, a plain cursor elsewhere."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            query = cursor.mogrify(sql, params).decode()
            buffer = io.BytesIO()
            cursor.copy_expert(f"COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER true)", buffer)
            buffer.seek(0)
            frame = pd.read_csv(buffer, dtype={k: "category" if v == "boolean" else v for k, v in dtypes.items()})
            for column, kind in dtypes.items():
                if kind == "boolean":
                    frame[column] = _text_booleans(frame[column])
            return frame
        cursor.execute(sql, params)
        columns = [c[0] for c in cursor.description]
        frame = pd.DataFrame.from_records(cursor.fetchall(), columns=columns)
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype=dtypes.get(c, "object")) for c in columns})
    return frame.astype({c: k for c, k in dtypes.items() if c in frame.columns})


def _text_booleans(column: pd.Series) -> pd.Series:
    """PostgreSQL's ``t``/``f`` (empty for NULL) as a nullable boolean column."""
    result = column.eq("t").astype("boolean")
    result[column.isna().to_numpy()] = pd.NA
    return result


def _scope_sql(columns: tuple[str, str, str], site_id: int | None, team_ids, agent_ids) -> tuple[str, list]:
    """SQL (and parameters) keeping rows of a site, or of its teams or agents; none without ``site_id``."""
    if site_id is None:
        return "", []
    site, team, agent = columns
    scope = [f"{site} = %s"]
    params: list = [site_id]
    for column, ids in ((team, team_ids), (agent, agent_ids)):
        if ids:
            scope.append(f"{column} IN ({', '.join(['%s'] * len(ids))})")
            params.extend(ids)
    return " AND (" + " OR ".join(scope) + ")", params


def load_answers_and_cuts(
    start: dt.datetime,
    end: dt.datetime,
    *,
    site_id: int | None = None,
    team_ids=(),
    agent_ids=(),
    items: tuple[str, ...] = SCORED_ITEMS,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Answers of ``items`` answered in [start, end), optionally of one site's responses, teams or
    agents, and each response's channel and contact queue (the dashboards' cuts: ``response_id``,
    ``channel``, ``queue``) from the same read of the responses (the queue is copied onto the
    response: joining the contacts cost a scan of the whole contact table per chunk).

    The response's columns (agent, team, site, time, exclusion) are read once per response, not
    once per answer, and joined on here: the answers, by far the most rows, carry five columns.
    """
    scope, scope_params = _scope_sql(("r.site_id", "r.team_id", "r.agent_id"), site_id, team_ids, agent_ids)
    where = f"r.answered_at >= %s AND r.answered_at < %s{scope}"
    # Responses first: an answer of a response stored after this read waits for the next run.
    responses = read_frame(
        f"""
        SELECT r.id AS response_id, r.agent_id, r.team_id, r.site_id,
               -- SCORING.md §7: an upheld grievance takes the response out of the agent's own figures.
               -- (IN, not a correlated EXISTS, so PostgreSQL hashes the upheld contacts once.)
               r.contact_id IN (SELECT g.contact_id FROM agents_grievance g WHERE g.status = 'upheld')
                   AS excluded_for_agent,
               {_epoch("r.answered_at")} AS answered_epoch, r.channel, r.queue
        FROM surveys_response r WHERE {where}
        """,
        [start, end, *scope_params],
        dtypes={**RESPONSE_DTYPES, **CUT_DTYPES},
    )
    source, source_params = _answers_source(responses["response_id"], where, [start, end, *scope_params])
    answers = read_frame(
        f"""
        SELECT a.response_id, a.item, NULLIF(a.dimension, '') AS dimension, a.value,
               (a.sentiment = 'negative') AS comment_negative
        {source} AND a.item IN ({", ".join(["%s"] * len(items))})
        """,
        [*source_params, *items],
        dtypes=ANSWER_DTYPES,
    )
    response_cuts = responses[list(CUT_DTYPES)].copy()
    responses = responses.sort_values("response_id", kind="stable", ignore_index=True)
    ids = responses["response_id"].to_numpy()
    position = np.minimum(np.searchsorted(ids, answers["response_id"].to_numpy()), max(len(ids) - 1, 0))
    known = ids[position] == answers["response_id"].to_numpy() if len(ids) else np.zeros(len(answers), dtype=bool)
    frame = answers.loc[known].reset_index(drop=True)
    carried = responses.iloc[position[known]].reset_index(drop=True)
    for column in ("agent_id", "team_id", "site_id", "excluded_for_agent"):
        frame[column] = carried[column]
    frame["dimension"] = frame["dimension"].astype(object)
    frame["answered_at"] = pd.to_datetime(carried["answered_epoch"], unit="s", utc=True)
    return frame, response_cuts


# Read a window's answers by a range of response ids when its responses fill at least this share of
# the range (answers are stored in response order, so live data fills it nearly whole).
RANGE_READ_MIN_FILL = 0.5


def _answers_source(response_ids: pd.Series, where: str, params: list) -> tuple[str, list]:
    """FROM and WHERE (and parameters) of the answers of the responses ``response_ids``, which
    ``where`` and ``params`` found.

    Where those responses' ids lie close together (a month of live answers: they are numbered as
    stored), one range of the answers' ``response_id`` index: a plain range scan, where the join
    made PostgreSQL walk every response's primary key, in parallel workers on every core, to find
    the month's. The range also holds answers of responses outside the window or the scope, which
    ``load_answers_and_cuts`` drops with the answers of responses it did not read. Spread ids
    (responses numbered out of time order) are found through the join.
    """
    if len(response_ids):
        first, last = int(response_ids.min()), int(response_ids.max())
        if len(response_ids) >= RANGE_READ_MIN_FILL * (last - first + 1):
            return "FROM surveys_answer a WHERE a.response_id >= %s AND a.response_id <= %s", [first, last]
    return f"FROM surveys_answer a JOIN surveys_response r ON r.id = a.response_id WHERE {where}", params


def load_delivered_invitations(
    start: dt.datetime, end: dt.datetime, *, site_id: int | None = None, team_ids=(), agent_ids=()
) -> pd.DataFrame:
    """Delivered invitations in [start, end) with the contact's agent, team and site (optionally one site's)."""
    scope, scope_params = _scope_sql(("c.site_id", "c.team_id", "c.agent_id"), site_id, team_ids, agent_ids)
    sql = f"""
        SELECT c.agent_id, c.team_id, c.site_id, {_epoch("i.delivered_at")} AS delivered_epoch
        FROM surveys_invitation i JOIN surveys_contact c ON c.id = i.contact_id
        WHERE i.delivered_at IS NOT NULL AND i.delivered_at >= %s AND i.delivered_at < %s{scope}
    """
    frame = read_frame(sql, [start, end, *scope_params], dtypes=INVITATION_DTYPES)
    frame["delivered_at"] = pd.to_datetime(frame.pop("delivered_epoch"), unit="s", utc=True)
    return frame


KPI_DTYPES = {
    "agent_id": "int64",
    "team_id": "int64",
    "site_id": "int64",
    "handled": "int64",
    "handle_seconds": "int64",
    "resolved_first_contact": "int64",
    "complaints": "int64",
    "praise": "int64",
    "spot_tests_taken": "int64",
    "spot_tests_passed": "int64",
}
EVALUATION_DTYPES = {"agent_id": "int64", "team_id": "int64", "site_id": "int64", "score": "float64"}
GRIEVANCE_DTYPES = {"agent_id": "int64", "team_id": "int64", "site_id": "int64", "started_epoch": "int64"}


def load_kpi(first: dt.date, last: dt.date, *, site_id: int | None = None) -> pd.DataFrame:
    """Daily KPI records from ``first`` to ``last`` (inclusive), with the agent's current team and site.

    With ``site_id``, only the records of agents now in that site.
    """
    scope, scope_params = ("", []) if site_id is None else (" AND t.site_id = %s", [site_id])
    sql = f"""
        SELECT k.agent_id, ag.team_id, t.site_id, k.date, k.handled, k.handle_seconds, k.resolved_first_contact,
               k.complaints, k.praise, k.spot_tests_taken, k.spot_tests_passed
        FROM agents_kpirecord k JOIN agents_agent ag ON ag.id = k.agent_id JOIN agents_team t ON t.id = ag.team_id
        WHERE k.date >= %s AND k.date <= %s{scope}
    """
    frame = read_frame(sql, [first, last, *scope_params], dtypes=KPI_DTYPES)
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def load_evaluations(first: dt.date, last: dt.date, *, site_id: int | None = None) -> pd.DataFrame:
    """Quality courtesy evaluations from ``first`` to ``last``, with the agent's current team and site.

    With ``site_id``, only the evaluations of agents now in that site.
    """
    scope, scope_params = ("", []) if site_id is None else (" AND t.site_id = %s", [site_id])
    sql = f"""
        SELECT q.agent_id, ag.team_id, t.site_id, q.evaluated_on AS date, q.score
        FROM agents_qualityevaluation q JOIN agents_agent ag ON ag.id = q.agent_id
             JOIN agents_team t ON t.id = ag.team_id
        WHERE q.evaluated_on >= %s AND q.evaluated_on <= %s{scope}
    """
    frame = read_frame(sql, [first, last, *scope_params], dtypes=EVALUATION_DTYPES)
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def load_upheld_grievances(
    start: dt.datetime, end: dt.datetime, *, site_id: int | None = None, team_ids=(), agent_ids=()
) -> pd.DataFrame:
    """Upheld grievances on contacts in [start, end), with the contact's team and site (optionally one site's)."""
    scope, scope_params = _scope_sql(("c.site_id", "c.team_id", "g.agent_id"), site_id, team_ids, agent_ids)
    sql = f"""
        SELECT g.agent_id, c.team_id, c.site_id, {_epoch("c.started_at")} AS started_epoch
        FROM agents_grievance g JOIN surveys_contact c ON c.id = g.contact_id
        WHERE g.status = 'upheld' AND c.started_at >= %s AND c.started_at < %s{scope}
    """
    frame = read_frame(sql, [start, end, *scope_params], dtypes=GRIEVANCE_DTYPES)
    frame["started_at"] = pd.to_datetime(frame.pop("started_epoch"), unit="s", utc=True)
    return frame
