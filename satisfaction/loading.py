"""Reading raw rows into pandas fast: PostgreSQL ``COPY ... TO STDOUT``, not ORM objects.

Answers are read as ids and numbers; codes are mapped afterwards from the small tables.
"""

import datetime as dt
import io

import pandas as pd
from django.db import connection

ANSWER_DTYPES = {
    "response_id": "int64",
    "item": "category",
    "dimension": "object",
    "value": "float64",
    "comment_negative": "boolean",
    "agent_id": "int64",
    "team_id": "int64",
    "site_id": "int64",
    "answered_epoch": "int64",
    "excluded_for_agent": "boolean",
}
# SCORING.md §2-§4 read these items; Kano pairs (§6) carry attribute codes in ``dimension`` and are read apart.
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
            frame = pd.read_csv(buffer, dtype={k: v for k, v in dtypes.items() if v != "boolean"})
            for column, kind in dtypes.items():
                if kind == "boolean":
                    frame[column] = frame[column].map({"t": True, "f": False}).astype("boolean")
            return frame
        cursor.execute(sql, params)
        columns = [c[0] for c in cursor.description]
        frame = pd.DataFrame.from_records(cursor.fetchall(), columns=columns)
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype=dtypes.get(c, "object")) for c in columns})
    return frame.astype({c: k for c, k in dtypes.items() if c in frame.columns})


def load_answers(
    start: dt.datetime,
    end: dt.datetime,
    *,
    site_id: int | None = None,
    team_ids=(),
    agent_ids=(),
    items: tuple[str, ...] = SCORED_ITEMS,
) -> pd.DataFrame:
    """Answers of ``items`` answered in [start, end), optionally of one site's responses, teams or agents."""
    where = ["r.answered_at >= %s", "r.answered_at < %s", f"a.item IN ({', '.join(['%s'] * len(items))})"]
    params: list = [start, end, *items]
    if site_id is not None:
        scope = ["r.site_id = %s"]
        params.append(site_id)
        for column, ids in (("r.team_id", team_ids), ("r.agent_id", agent_ids)):
            if ids:
                scope.append(f"{column} IN ({', '.join(['%s'] * len(ids))})")
                params.extend(ids)
        where.append("(" + " OR ".join(scope) + ")")
    sql = f"""
        SELECT a.response_id, a.item, NULLIF(a.dimension, '') AS dimension, a.value,
               (a.sentiment = 'negative') AS comment_negative,
               r.agent_id, r.team_id, r.site_id, {_epoch("r.answered_at")} AS answered_epoch,
               -- SCORING.md §7: an upheld grievance takes the response out of the agent's own figures.
               EXISTS (SELECT 1 FROM agents_grievance g
                       WHERE g.contact_id = r.contact_id AND g.status = 'upheld') AS excluded_for_agent
        FROM surveys_answer a JOIN surveys_response r ON r.id = a.response_id
        WHERE {" AND ".join(where)}
    """
    frame = read_frame(sql, params, dtypes=ANSWER_DTYPES)
    frame["answered_at"] = pd.to_datetime(frame.pop("answered_epoch"), unit="s", utc=True)
    return frame


def load_delivered_invitations(start: dt.datetime, end: dt.datetime) -> pd.DataFrame:
    """Delivered invitations in [start, end) with the contact's agent, team and site."""
    sql = f"""
        SELECT c.agent_id, c.team_id, c.site_id, {_epoch("i.delivered_at")} AS delivered_epoch
        FROM surveys_invitation i JOIN surveys_contact c ON c.id = i.contact_id
        WHERE i.delivered_at IS NOT NULL AND i.delivered_at >= %s AND i.delivered_at < %s
    """
    frame = read_frame(sql, [start, end], dtypes=INVITATION_DTYPES)
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


def load_kpi(first: dt.date, last: dt.date) -> pd.DataFrame:
    """Daily KPI records from ``first`` to ``last`` (inclusive), with the agent's current team and site."""
    sql = """
        SELECT k.agent_id, ag.team_id, t.site_id, k.date, k.handled, k.handle_seconds, k.resolved_first_contact,
               k.complaints, k.praise, k.spot_tests_taken, k.spot_tests_passed
        FROM agents_kpirecord k JOIN agents_agent ag ON ag.id = k.agent_id JOIN agents_team t ON t.id = ag.team_id
        WHERE k.date >= %s AND k.date <= %s
    """
    frame = read_frame(sql, [first, last], dtypes=KPI_DTYPES)
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def load_evaluations(first: dt.date, last: dt.date) -> pd.DataFrame:
    """Quality courtesy evaluations from ``first`` to ``last``, with the agent's current team and site."""
    sql = """
        SELECT q.agent_id, ag.team_id, t.site_id, q.evaluated_on AS date, q.score
        FROM agents_qualityevaluation q JOIN agents_agent ag ON ag.id = q.agent_id
             JOIN agents_team t ON t.id = ag.team_id
        WHERE q.evaluated_on >= %s AND q.evaluated_on <= %s
    """
    frame = read_frame(sql, [first, last], dtypes=EVALUATION_DTYPES)
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def load_upheld_grievances(start: dt.datetime, end: dt.datetime) -> pd.DataFrame:
    """Upheld grievances on contacts in [start, end), with the contact's team and site."""
    sql = f"""
        SELECT g.agent_id, c.team_id, c.site_id, {_epoch("c.started_at")} AS started_epoch
        FROM agents_grievance g JOIN surveys_contact c ON c.id = g.contact_id
        WHERE g.status = 'upheld' AND c.started_at >= %s AND c.started_at < %s
    """
    frame = read_frame(sql, [start, end], dtypes=GRIEVANCE_DTYPES)
    frame["started_at"] = pd.to_datetime(frame.pop("started_epoch"), unit="s", utc=True)
    return frame


CUT_DTYPES = {"response_id": "int64", "channel": "object", "queue": "object"}


def load_response_cuts(start: dt.datetime, end: dt.datetime) -> pd.DataFrame:
    """Channel and contact queue of every response answered in [start, end) (the dashboards' cuts)."""
    sql = """
        SELECT r.id AS response_id, r.channel, c.queue
        FROM surveys_response r JOIN surveys_contact c ON c.id = r.contact_id
        WHERE r.answered_at >= %s AND r.answered_at < %s
    """
    return read_frame(sql, [start, end], dtypes=CUT_DTYPES)
