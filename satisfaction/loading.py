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
}
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
    start: dt.datetime, end: dt.datetime, *, site_id: int | None = None, team_ids=(), agent_ids=()
) -> pd.DataFrame:
    """Answers of responses answered in [start, end), optionally of one site's responses, teams or agents."""
    where = ["r.answered_at >= %s", "r.answered_at < %s"]
    params: list = [start, end]
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
               r.agent_id, r.team_id, r.site_id, {_epoch("r.answered_at")} AS answered_epoch
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
