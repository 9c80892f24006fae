"""The survey-answers import (DESIGN.md "Interchange formats"): per-line errors, all or nothing, idempotent."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from satisfaction.exceptions import ValidationFailed
from satisfaction.models import DirtyChunk
from surveys.models import Answer, Contact, Response
from surveys.services import import_responses
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

HEADER = "contact_id,agent,answered_at,channel,item,dimension,value\n"
GOOD = HEADER + (
    "C1,A001,2026-03-02T10:15:00+08:00,ivr,csat,,5\n"
    "C1,A001,2026-03-02T10:15:00+08:00,ivr,nps,,9\n"
    "C1,A001,2026-03-02T10:15:00+08:00,ivr,fcr,,yes\n"
    "C2,B001,2026-03-03T09:00:00+08:00,web,csat,,2\n"
    "C2,B001,2026-03-03T09:00:00+08:00,web,expectation,empathy,6\n"
    "C2,B001,2026-03-03T09:01:00+08:00,web,experience,empathy,3\n"
    "C2,B001,2026-03-03T09:01:00+08:00,web,fcr,,no\n"
    'C2,B001,2026-03-03T09:02:00+08:00,web,comment,,"等了很久, far too long"\n'
)
IMPORT_URL = "/api/v1/responses/import/"
MARCH = dt.date(2026, 3, 1)


@pytest.fixture
def agents(agent_a, agent_b):
    return agent_a, agent_b


def answer_values():
    """Every stored answer as (contact, item, dimension, value, text), for comparing before and after."""
    return sorted(Answer.objects.values_list("response__contact__external_id", "item", "dimension", "value", "text"))


def assert_nothing_written():
    assert not Contact.objects.exists()
    assert not Response.objects.exists()
    assert not Answer.objects.exists()
    assert not DirtyChunk.objects.exists()


def import_errors(text: str) -> list[str]:
    """The per-line details of a refused import, after checking that nothing was written."""
    with pytest.raises(ValidationFailed) as caught:
        import_responses(text.encode())
    assert_nothing_written()
    return caught.value.details


# --- a good file -------------------------------------------------------------------------


def test_a_good_file_creates_one_response_per_contact_with_its_answers(agents):
    result = import_responses(GOOD.encode())
    assert (result.responses_created, result.answers_created) == (2, 8)
    assert (result.answers_updated, result.answers_unchanged) == (0, 0)
    assert answer_values() == [
        ("C1", "csat", "", 5.0, ""),
        ("C1", "fcr", "", 1.0, ""),
        ("C1", "nps", "", 9.0, ""),
        ("C2", "comment", "", None, "等了很久, far too long"),
        ("C2", "csat", "", 2.0, ""),
        ("C2", "expectation", "empathy", 6.0, ""),
        ("C2", "experience", "empathy", 3.0, ""),
        ("C2", "fcr", "", 0.0, ""),
    ]


def test_a_response_belongs_to_the_agent_team_and_site_and_is_dated_by_its_first_answer(agents):
    import_responses(GOOD.encode())
    response = Response.objects.select_related("agent", "team", "site", "contact").get(contact__external_id="C2")
    assert (response.agent.employee_number, response.team.code, response.site.code) == ("B001", "team-b", "site-b")
    assert response.channel == "web"
    assert response.answered_at.isoformat() == "2026-03-03T01:00:00+00:00"
    assert response.contact.started_at == response.answered_at


def test_an_imported_response_to_a_known_contact_carries_its_queue(agents):
    # The telephony platform posted the contact (with its queue) before the survey's history came.
    ContactFactory(external_id="C1", agent=agents[0], queue="billing")
    import_responses(GOOD.encode())
    queues = dict(Response.objects.values_list("contact__external_id", "queue"))
    assert queues == {"C1": "billing", "C2": ""}


def test_importing_marks_the_chunks_of_the_answers_and_the_centre_stale(agents):
    import_responses(GOOD.encode())
    assert set(DirtyChunk.objects.values_list("site", "month")) == {
        ("site-a", MARCH),
        ("site-b", MARCH),
        ("centre", MARCH),
    }


def test_reimporting_the_same_file_changes_nothing(agents):
    import_responses(GOOD.encode())
    before = answer_values()
    result = import_responses(GOOD.encode())
    assert (result.responses_created, result.answers_created, result.answers_updated) == (0, 0, 0)
    assert result.answers_unchanged == 8
    assert (Contact.objects.count(), Response.objects.count(), Answer.objects.count()) == (2, 2, 8)
    assert answer_values() == before


def test_a_changed_value_updates_the_answer(agents):
    import_responses(GOOD.encode())
    changed = GOOD.replace("ivr,csat,,5", "ivr,csat,,3").replace("far too long", "far too slow")
    result = import_responses(changed.encode())
    assert (result.responses_created, result.answers_created, result.answers_updated) == (0, 0, 2)
    assert result.answers_unchanged == 6
    assert Answer.objects.get(response__contact__external_id="C1", item="csat").value == 3.0
    assert Answer.objects.get(item="comment").text == "等了很久, far too slow"
    assert Answer.objects.count() == 8


def test_a_new_item_for_a_known_contact_is_added_to_its_response(agents):
    import_responses(GOOD.encode())
    result = import_responses((GOOD + "C1,A001,2026-03-02T10:16:00+08:00,ivr,ces,,6\n").encode())
    assert (result.responses_created, result.answers_created, result.answers_unchanged) == (0, 1, 8)
    assert Response.objects.get(contact__external_id="C1").answers.count() == 4


def test_a_byte_order_mark_from_excel_is_accepted(agents):
    result = import_responses(b"\xef\xbb\xbf" + GOOD.encode())
    assert result.answers_created == 8


# --- bad rows: the line and the reason, and nothing written -------------------------------


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("C9,Z999,2026-03-02T10:00:00+08:00,ivr,csat,,5", "agent Z999 is not a known employee number"),
        ("C9,A001,2026-03-02T10:00:00,ivr,csat,,5", "answered_at 2026-03-02T10:00:00 has no UTC offset"),
        ("C9,A001,2 March 2026,ivr,csat,,5", "answered_at 2 March 2026 is not an ISO 8601 time"),
        ("C9,A001,2026-03-02T10:00:00+08:00,fax,csat,,5", "channel fax is not one of ivr, sms, web"),
        ("C9,A001,2026-03-02T10:00:00+08:00,ivr,mood,,5", "item mood is not one of"),
        ("C9,A001,2026-03-02T10:00:00+08:00,web,expectation,,5", "expectation needs a dimension"),
        ("C9,A001,2026-03-02T10:00:00+08:00,web,csat,empathy,5", "dimension must be empty for csat"),
        ("C9,A001,2026-03-02T10:00:00+08:00,ivr,csat,,6", "value 6 of csat is outside 1 to 5"),
        ("C9,A001,2026-03-02T10:00:00+08:00,ivr,nps,,11", "value 11 of nps is outside 0 to 10"),
        ("C9,A001,2026-03-02T10:00:00+08:00,web,experience,empathy,0", "value 0 of experience is outside 1 to 7"),
        ("C9,A001,2026-03-02T10:00:00+08:00,ivr,csat,,nan", "value nan of csat is outside 1 to 5"),
        ("C9,A001,2026-03-02T10:00:00+08:00,ivr,csat,,five", "value five of csat is not a number"),
        ("C9,A001,2026-03-02T10:00:00+08:00,ivr,fcr,,maybe", "fcr must be yes or no, not maybe"),
        ("C9,A001,2026-03-02T10:00:00+08:00,web,comment,,  ", "the comment is empty"),
        (",A001,2026-03-02T10:00:00+08:00,ivr,csat,,5", "contact_id is empty"),
        ("C1,A001,2026-03-02T10:20:00+08:00,ivr,nps,,7", "this item repeats line 3 for the same contact"),
        ("C1,B001,2026-03-02T10:20:00+08:00,ivr,ces,,7", "agent B001 differs from A001 on line 2"),
        ("C1,A001,2026-03-02T10:20:00+08:00,sms,ces,,7", "channel sms differs from ivr on line 2"),
        ("C9,A001,2026-03-02T10:00:00+08:00,ivr,csat", "expected 7 fields, found 5"),
        ("C9,A001,2026-03-02T10:00:00+08:00,ivr,csat,,4.5", "value 4.5 of csat is not a whole number"),
        ("C9,A001,2026-03-02T10:00:00+08:00,web,disconfirmation,sd,4", "dimension sd collides with the names"),
        ("C9,A001,2026-03-02T10:00:00+08:00,web,disconfirmation,speed_n,4", "dimension speed_n collides"),
        ("C9,A001,2026-03-02T10:00:00+08:00,web,experience,mean,4", "dimension mean collides"),
    ],
)
def test_a_bad_row_is_reported_by_line_and_reason_and_nothing_is_written(agents, row, reason):
    details = import_errors(GOOD + row + "\n")
    assert len(details) == 1, details
    assert details[0].startswith("line 10: "), details
    assert reason in details[0], details


def test_every_bad_line_is_reported_at_once(agents):
    bad = (
        GOOD.replace("ivr,nps,,9", "ivr,nps,,99")
        + "C9,Z999,2026-03-02T10:00:00+08:00,ivr,csat,,5\n"
        + "\n"
        + "C10,A001,2026-03-02T10:00:00+08:00,ivr,fcr,,maybe\n"
    )
    details = import_errors(bad)
    assert [d.split(":")[0] for d in details] == ["line 3", "line 10", "line 12"]


def test_all_problems_of_one_line_are_named_together(agents):
    details = import_errors(HEADER + "C9,A001,2026-03-02T10:00:00,fax,csat,,6\n")
    assert len(details) == 1
    for reason in ("has no UTC offset", "channel fax", "value 6 of csat"):
        assert reason in details[0]


def test_a_contact_already_imported_for_another_agent_is_refused(agents):
    import_responses(GOOD.encode())
    with pytest.raises(ValidationFailed) as caught:
        import_responses((HEADER + "C1,B001,2026-03-02T10:15:00+08:00,ivr,ces,,5\n").encode())
    assert caught.value.details == ["line 2: contact C1 belongs to agent A001"]
    assert Answer.objects.count() == 8


def test_an_extra_column_is_named(agents):
    details = import_errors(HEADER.replace("\n", ",score\n") + "C1,A001,2026-03-02T10:15:00+08:00,ivr,csat,,5,1\n")
    assert details == ["line 1: Unknown columns: score."]


def test_a_missing_column_is_named(agents):
    details = import_errors(
        "contact_id,agent,answered_at,channel,item,value\nC1,A001,2026-03-02T10:15:00+08:00,ivr,csat,5\n"
    )
    assert details == ["line 1: Missing columns: dimension."]


def test_an_empty_file_is_refused(agents):
    assert import_errors("") == ["line 1: The file is empty: a header row is expected."]


def test_a_file_that_is_not_utf8_is_refused_with_the_line(agents):
    data = (GOOD + "C9,A001,2026-03-02T10:00:00+08:00,web,comment,,").encode() + "很慢\n".encode("gb18030")
    with pytest.raises(ValidationFailed) as caught:
        import_responses(data)
    assert_nothing_written()
    assert "not UTF-8" in str(caught.value.message)
    assert len(caught.value.details) == 1
    assert caught.value.details[0].startswith("line 10: ")
    assert "not UTF-8" in caught.value.details[0]


# --- the command ---------------------------------------------------------------------------


def test_command_imports_a_file_and_prints_the_counts(agents, tmp_path):
    path = tmp_path / "answers.csv"
    path.write_text(GOOD, encoding="utf-8")
    out = io.StringIO()
    call_command("import_responses", str(path), stdout=out)
    assert "2 responses created; answers: 8 created, 0 updated, 0 unchanged." in out.getvalue()
    assert Answer.objects.count() == 8


def test_command_fails_with_the_line_errors_and_imports_nothing(agents, tmp_path):
    path = tmp_path / "answers.csv"
    path.write_text(GOOD + "C9,A001,2026-03-02T10:00:00+08:00,ivr,fcr,,maybe\n", encoding="utf-8")
    with pytest.raises(CommandError, match="line 10: fcr must be yes or no, not maybe") as caught:
        call_command("import_responses", str(path))
    assert "Nothing was imported." in str(caught.value)
    assert_nothing_written()


def test_command_names_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_responses", str(tmp_path / "missing.csv"))


# --- the API ---------------------------------------------------------------------------------


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_api_admin_imports_a_csv_body_and_gets_the_counts(agents, admin_user):
    reply = client_for(admin_user).post(IMPORT_URL, data=GOOD.encode(), content_type="text/csv")
    assert reply.status_code == 201, reply.content
    assert reply.json() == {"responses_created": 2, "answers_created": 8, "answers_updated": 0, "answers_unchanged": 0}
    assert Answer.objects.count() == 8


def test_api_admin_imports_a_multipart_file(agents, admin_user):
    upload = SimpleUploadedFile("answers.csv", GOOD.encode(), content_type="text/csv")
    reply = client_for(admin_user).post(IMPORT_URL, {"file": upload}, format="multipart")
    assert reply.status_code == 201, reply.content
    assert reply.json()["answers_created"] == 8


def test_api_reimport_reports_everything_unchanged(agents, admin_user):
    client = client_for(admin_user)
    client.post(IMPORT_URL, data=GOOD.encode(), content_type="text/csv")
    reply = client.post(IMPORT_URL, data=GOOD.encode(), content_type="text/csv")
    assert reply.status_code == 201
    assert reply.json() == {"responses_created": 0, "answers_created": 0, "answers_updated": 0, "answers_unchanged": 8}


def test_api_refuses_a_supervisor(agents, leader_a):
    reply = client_for(leader_a).post(IMPORT_URL, data=GOOD.encode(), content_type="text/csv")
    assert reply.status_code == 403
    assert reply.json()["error"]["code"] == "forbidden"
    assert_nothing_written()


def test_api_refuses_an_anonymous_caller(agents):
    reply = APIClient().post(IMPORT_URL, data=GOOD.encode(), content_type="text/csv")
    assert reply.status_code in (401, 403)
    assert_nothing_written()


def test_api_bad_rows_give_400_with_the_error_shape_and_nothing_written(agents, admin_user):
    bad = GOOD + "C9,Z999,2026-03-02T10:00:00+08:00,ivr,csat,,5\n"
    reply = client_for(admin_user).post(IMPORT_URL, data=bad.encode(), content_type="text/csv")
    assert reply.status_code == 400
    error = reply.json()["error"]
    assert set(error) == {"code", "message", "details"}
    assert error["code"] == "invalid"
    assert error["message"]
    assert error["details"] == ["line 10: agent Z999 is not a known employee number"]
    assert_nothing_written()


def test_api_multipart_without_a_file_gives_400_with_the_error_shape(agents, admin_user):
    reply = client_for(admin_user).post(IMPORT_URL, {"other": "x"}, format="multipart")
    assert reply.status_code == 400
    error = reply.json()["error"]
    assert error["code"] == "invalid"
    assert "'file'" in error["details"][0]


def test_api_an_unsupported_body_type_gives_415_with_the_error_shape(agents, admin_user):
    reply = client_for(admin_user).post(IMPORT_URL, {"rows": []}, format="json")
    assert reply.status_code == 415
    assert set(reply.json()["error"]) == {"code", "message", "details"}


def test_dimension_codes_are_case_insensitive(agents):
    import_responses(
        (
            HEADER + "C7,A001,2026-03-02T10:00:00+08:00,web,expectation,Empathy,5\n"
            "C7,A001,2026-03-02T10:00:00+08:00,web,experience,empathy,6\n"
        ).encode()
    )
    assert set(Answer.objects.values_list("dimension", flat=True)) == {"empathy"}


def test_a_whole_number_written_with_a_decimal_point_is_accepted(agents):
    import_responses((HEADER + "C7,A001,2026-03-02T10:00:00+08:00,ivr,csat,,5.0\n").encode())
    assert Answer.objects.get().value == 5.0
