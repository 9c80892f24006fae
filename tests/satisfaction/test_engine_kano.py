"""SCORING.md §6 in snapshots: the Kano category and better/worse coefficients per attribute."""

import datetime as dt

import pytest

from satisfaction import services
from satisfaction.models import ScoreSnapshot
from surveys.models import Answer, Response
from surveys.services import import_responses

pytestmark = pytest.mark.django_db


def _with_kano_answers(agent: str, pairs: list[tuple[int, int]], attribute: str = "callback") -> None:
    """Web responses with a csat and one Kano pair each (Kano items come from the web form, not imports)."""
    header = "contact_id,agent,answered_at,channel,item,dimension,value\n"
    rows = "".join(f"K{n},{agent},2026-03-0{2 + n % 5}T10:00:00+08:00,web,csat,,4\n" for n in range(len(pairs)))
    import_responses((header + rows).encode())
    for n, (functional, dysfunctional) in enumerate(pairs):
        response = Response.objects.get(contact__external_id=f"K{n}")
        Answer.objects.create(response=response, item="kano_functional", dimension=attribute, value=functional)
        Answer.objects.create(response=response, item="kano_dysfunctional", dimension=attribute, value=dysfunctional)


def test_kano_category_and_coefficients_per_attribute(agent_a):
    # like/dislike = O twice, like/neutral = A, must-be/dislike = M, neutral/neutral = I:
    # category O (most frequent); better = (A + O) / (A + O + M + I) = 3/5; worse = -(O + M) / 5 = -3/5.
    pairs = [(1, 5), (1, 5), (1, 3), (2, 5), (3, 3)]
    _with_kano_answers("A001", pairs)
    services.compute_all()
    month = ScoreSnapshot.objects.get(
        level="team", key="team-a", granularity="month", period_start=dt.date(2026, 3, 1)
    ).metrics
    assert month["kano_category_callback"] == "O"
    assert month["kano_better_callback"] == pytest.approx(0.6)
    assert month["kano_worse_callback"] == pytest.approx(-0.6)
    assert month["kano_n_callback"] == 5


def test_the_scores_api_accepts_kano_names(client, admin_user):
    client.force_login(admin_user)
    response = client.get("/api/v1/scores/?level=centre&granularity=month&metrics=kano_category_callback,kano_better_x")
    assert response.status_code == 200
