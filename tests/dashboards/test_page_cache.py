"""Dashboards kept rendered until their data changes (satisfaction/pagecache.py), against real Redis."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agents.models import CaseStatus, FollowUpCase
from satisfaction import pagecache, services
from satisfaction.models import AuditAction, AuditEvent
from surveys.models import Answer, Response
from surveys.services import import_responses
from tests.dashboards.centre import HEADER

pytestmark = [pytest.mark.django_db, pytest.mark.redis]


def _snapshot_queries(client, url: str) -> int:
    """How many of the request's queries read score snapshots."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return sum("satisfaction_scoresnapshot" in q["sql"] for q in queries.captured_queries)


def _main(client, url: str) -> str:
    """The page under the top bar (the top bar's forms carry a fresh CSRF token each time)."""
    body = client.get(url).content.decode()
    return body[body.index("<main>") : body.index("</main>")]


def test_a_page_seen_again_reads_no_snapshot(client, centre):
    client.force_login(centre.users["admin"])
    url = reverse("dashboards:customer")
    assert _snapshot_queries(client, url) > 0
    assert _snapshot_queries(client, url) == 0


def test_new_figures_show_as_soon_as_the_engine_writes_them(client, centre):
    client.force_login(centre.users["admin"])
    url = reverse("dashboards:customer") + "?team=team-a"
    before = _main(client, url)
    assert _main(client, url) == before  # kept
    month = centre.months[-1]
    # Twelve more unhappy answers for Team Alpha last month, scored the way production scores them.
    agent = centre.agents["team-a"][1].employee_number
    lines = [f"EXTRA-{n},{agent},{month:%Y-%m}-20T10:00:00+08:00,web,csat,,1" for n in range(12)]
    import_responses((HEADER + "\n".join(lines) + "\n").encode())
    services.compute_chunk(site="site-a", month=month)
    services.compute_chunk(site=services.CENTRE_KEY, month=month)
    after = _main(client, url)
    assert after != before


def test_each_user_gets_only_their_own_kept_page(client, centre):
    url = reverse("dashboards:balance")
    client.force_login(centre.users["admin"])
    assert "Team Bravo" in client.get(url).content.decode()
    client.force_login(centre.users["leader"])  # Team Alpha's leader: same URL, never the admin's page
    body = client.get(url).content.decode()
    assert "Team Alpha" in body and "Team Bravo" not in body


def test_pages_are_kept_per_language(client, centre):
    client.force_login(centre.users["admin"])
    url = reverse("dashboards:balance")
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "Balance of customer and employee satisfaction" in english
    assert "Balance of customer and employee satisfaction" not in chinese
    assert "客户满意度与员工满意度的平衡" in chinese


def _case_rows(client, url: str) -> int:
    body = client.get(url).content.decode()
    table = body[body.index('data-table="cases"') :]
    table = table[: table.index("</table>")]
    return table.count("<tr") - 1  # the header row


def test_a_case_resolved_in_the_orm_drops_the_kept_operations_page(client, centre):
    client.force_login(centre.users["admin"])
    url = reverse("dashboards:operations")
    case = FollowUpCase.objects.filter(contact__external_id=centre.contact_b).get()
    open_cases = _case_rows(client, url)
    assert open_cases > 0
    assert _case_rows(client, url) == open_cases  # kept
    case.status = CaseStatus.RESOLVED
    case.save()
    assert _case_rows(client, url) == open_cases - 1


def test_a_role_change_drops_the_kept_page(client, centre):
    leader = centre.users["leader"]
    client.force_login(leader)
    url = reverse("dashboards:balance")
    assert client.get(url).status_code == 200
    leader.role = "agent"
    leader.save()
    assert client.get(url).status_code in (403, 404)


def test_erasing_a_number_drops_kept_comments(client, centre):
    from surveys.privacy import erase_phone

    month = centre.months[-1]
    response = Response.objects.get(contact__external_id=f"TEAM-A-1-{month:%Y%m}-1")
    Answer.objects.create(response=response, item="comment", text="call me on +8613812345678", sentiment="neutral")
    pagecache.bump()  # created in the ORM by the test, as the engine's next run would raise it
    client.force_login(centre.users["admin"])
    url = reverse("dashboards:customer") + "?team=team-a"
    assert "13812345678" in client.get(url).content.decode()
    erase_phone("+8613812345678")
    assert "13812345678" not in client.get(url).content.decode()


def test_pages_are_served_without_redis(client, centre, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    client.force_login(centre.users["admin"])
    for name in ("dashboards:balance", "dashboards:customer", "dashboards:operations", "dashboards:employee"):
        assert client.get(reverse(name)).status_code == 200, name


def test_every_download_of_a_kept_export_is_audited(client, centre):
    client.force_login(centre.users["admin"])
    url = reverse("dashboards:export", args=["customer", "comments", "csv"])
    first = client.get(url)
    second = client.get(url)
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    events = AuditEvent.objects.filter(action=AuditAction.PERSONAL_DATA_EXPORTED)
    assert events.count() == 2
    rows = first.content.decode("utf-8-sig").strip().count("\n")
    assert {e.detail["rows"] for e in events} == {rows}


def test_a_write_in_a_transaction_raises_the_generation_again_at_commit(django_capture_on_commit_callbacks):
    from django.core.cache import cache

    pagecache.bump()
    start = cache.get(pagecache.GENERATION_KEY)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        pagecache.bump()
        assert cache.get(pagecache.GENERATION_KEY) == start + 1
    assert len(callbacks) == 1
    assert cache.get(pagecache.GENERATION_KEY) == start + 2


def test_only_watched_models_have_listeners_so_bulk_deletes_stay_one_statement():
    from django.db.models.signals import post_delete, post_save

    from agents.models import Praise
    from satisfaction.models import DirtyChunk, ScoreSnapshot

    # A delete listener makes Django fetch every row before deleting it: the engine deletes
    # hundreds of thousands of snapshots per run, so none may listen on them.
    for model in (ScoreSnapshot, DirtyChunk, Answer, Response):
        assert not post_delete.has_listeners(model), model
    for model in (FollowUpCase, Praise):
        assert post_save.has_listeners(model) and post_delete.has_listeners(model), model


def test_finding_and_deleting_a_chunks_snapshots_are_one_statement_each(centre):
    from satisfaction.models import ScoreSnapshot

    month = centre.months[-1]
    with CaptureQueriesContext(connection) as queries:
        found = services._chunk_snapshots(month=month, scope=None)
        services._delete_snapshots([pk for pk, *_group in found])
    assert len(queries.captured_queries) == 2
    assert found and not ScoreSnapshot.objects.filter(level="centre", period_start__gte=month).exists()


def test_nothing_is_kept_in_a_process_local_cache(client, centre, settings):
    # Another gunicorn worker's writes would never reach this process's memory.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    client.force_login(centre.users["admin"])
    url = reverse("dashboards:customer")
    assert _snapshot_queries(client, url) > 0
    assert _snapshot_queries(client, url) > 0


def test_a_corrected_comment_mark_shows_on_the_kept_page_at_once(client, centre):
    from surveys.services import correct_comment_sentiment

    client.force_login(centre.users["admin"])
    url = reverse("dashboards:customer") + "?team=team-a"

    def comment_row() -> str:
        body = _main(client, url)
        row = body[body.index("Lovely agent") :]
        return row[: row.index("</tr>")]

    assert 'data-key="sentiment">Positive<' in comment_row()
    answer = Answer.objects.get(item="comment", text="Lovely agent")
    correct_comment_sentiment(answer_id=answer.pk, sentiment_label="negative", user=centre.users["admin"])
    # No scoring run has happened yet (its task waits for the commit): the page shows the correction anyway.
    assert 'data-key="sentiment">Negative<' in comment_row()
