"""Snapshot figures in PostgreSQL's ``json`` column: written as the engine encodes them, read back as they were."""

import datetime as dt

import pytest
from django.db import connection

from satisfaction.models import ScoreSnapshot
from satisfaction.services import _digest, _metrics_json, write_snapshots

pytestmark = pytest.mark.django_db

MARCH = dt.date(2026, 3, 1)
FIGURES = {"quadrant": "balanced", "lean": "1", "csat_pct": 66.66666666666666, "gap": -100.0, "nps": None, "n": 3}


def write(figures: dict) -> ScoreSnapshot:
    text = _metrics_json(figures)
    write_snapshots([("team", "team-a", "month", MARCH, text, _digest(text))])
    return ScoreSnapshot.objects.get(level="team", key="team-a")


def test_the_figures_column_is_json_not_jsonb():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT data_type FROM information_schema.columns WHERE table_name = %s AND column_name = 'metrics'",
            [ScoreSnapshot._meta.db_table],
        )
        assert cursor.fetchone() == ("json",)


def test_figures_read_back_exactly_as_written_text_staying_text():
    snapshot = write(FIGURES)

    assert snapshot.metrics == FIGURES
    assert type(snapshot.metrics["lean"]) is str and type(snapshot.metrics["n"]) is int
    assert snapshot.metrics["csat_pct"] == 66.66666666666666


def test_figures_by_name_keep_their_types():
    write(FIGURES)

    row = ScoreSnapshot.objects.values_list("metrics__quadrant", "metrics__lean", "metrics__gap", "metrics__nps").get()

    assert row == ("balanced", "1", -100.0, None)


def test_the_stored_text_lists_names_alphabetically():
    write(FIGURES)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT metrics::text FROM {ScoreSnapshot._meta.db_table}")
        text = cursor.fetchone()[0]

    assert text.startswith('{"csat_pct":66.66666666666666,"gap":-100.0,"lean":"1","n":3,"nps":null,')


def test_a_snapshot_saved_through_the_orm_reads_back_the_same():
    ScoreSnapshot.objects.create(level="site", key="s", granularity="day", period_start=MARCH, metrics=FIGURES)

    assert ScoreSnapshot.objects.get(level="site").metrics == FIGURES
