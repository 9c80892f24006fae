"""The staff-list import: validation per row, all or nothing, idempotent."""

import pytest
from django.core.management import CommandError, call_command

from agents.models import Agent, Site, Team, User
from agents.services import import_agents
from satisfaction.exceptions import ValidationFailed

pytestmark = pytest.mark.django_db

GOOD = (
    "employee_number,name,team,site,hire_date,email\n"
    "E1,王芳,sh-billing,sh,2022-03-01,wangfang@example.com\n"
    "E2,Emily Zhang,sh-billing,sh,2023-07-15,\n"
    "E3,李娜,cd-tech,cd,2021-11-30,\n"
)


def test_import_creates_sites_teams_agents_and_logins():
    result = import_agents(GOOD.encode())
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    assert set(Site.objects.values_list("code", flat=True)) == {"sh", "cd"}
    assert Team.objects.get(code="cd-tech").site.code == "cd"
    assert Agent.objects.get(employee_number="E1").user.email == "wangfang@example.com"
    assert not User.objects.get(email="wangfang@example.com").has_usable_password()


def test_reimporting_the_same_file_changes_nothing():
    import_agents(GOOD.encode())
    before = list(Agent.objects.values_list("employee_number", "name", "team__code", "hire_date", "user_id"))
    result = import_agents(GOOD.encode())
    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)
    after = list(Agent.objects.values_list("employee_number", "name", "team__code", "hire_date", "user_id"))
    assert before == after
    assert User.objects.count() == 1


def test_a_changed_row_updates_the_agent():
    import_agents(GOOD.encode())
    result = import_agents(
        GOOD.replace("Emily Zhang,sh-billing", "Emily Zhang-Li,cd-tech").replace(",sh,2023", ",cd,2023").encode()
    )
    assert result.updated == 1
    agent = Agent.objects.get(employee_number="E2")
    assert (agent.name, agent.team.code) == ("Emily Zhang-Li", "cd-tech")


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("E9,,sh-billing,sh,2022-01-01,", "name is empty"),
        ("E9,Someone,sh-billing,sh,01/02/2022,", "hire_date 01/02/2022 is not a date"),
        ("E9,Someone,sh billing,sh,2022-01-01,", "team code sh billing"),
        ("E9,Someone,sh-billing,sh,2022-01-01,not-an-email", "email not-an-email"),
        ("E1,Again,sh-billing,sh,2022-01-01,", "employee_number E1 repeats line 2"),
        ("E9,Someone,sh-billing,cd,2022-01-01,", "team sh-billing is in site sh"),
        ("E9,Someone,sh-billing,sh", "expected 6 fields, found 4"),
    ],
)
def test_a_bad_row_is_reported_by_line_and_nothing_is_written(row, reason):
    with pytest.raises(ValidationFailed) as caught:
        import_agents((GOOD + row + "\n").encode())
    assert any(d.startswith("line 5:") and reason in d for d in caught.value.details), caught.value.details
    assert not Agent.objects.exists()
    assert not Site.objects.exists()


def test_every_bad_row_is_reported():
    bad = GOOD + "E8,,x,sh,2022-01-01,\nE9,Someone,sh-billing,sh,yesterday,\n"
    with pytest.raises(ValidationFailed) as caught:
        import_agents(bad.encode())
    assert [d.split(":")[0] for d in caught.value.details] == ["line 5", "line 6"]


def test_an_extra_column_is_named():
    with pytest.raises(ValidationFailed) as caught:
        import_agents(b"employee_number,name,team,site,hire_date,salary\nE1,A,t,s,2022-01-01,1\n")
    assert "Unknown columns: salary." in caught.value.details[0]


def test_a_missing_column_is_named():
    with pytest.raises(ValidationFailed) as caught:
        import_agents(b"employee_number,name,team,hire_date\nE1,A,t,2022-01-01\n")
    assert "Missing columns: site." in caught.value.details[0]


def test_a_file_that_is_not_utf8_is_refused():
    with pytest.raises(ValidationFailed, match="not UTF-8"):
        import_agents("employee_number,name,team,site,hire_date\nE1,王芳,t,s,2022-01-01\n".encode("gb18030"))


def test_an_existing_team_in_another_site_rolls_back_everything():
    import_agents(b"employee_number,name,team,site,hire_date\nE1,A,t1,s1,2022-01-01\n")
    with pytest.raises(ValidationFailed):
        import_agents(b"employee_number,name,team,site,hire_date\nE2,B,t2,s3,2022-01-01\nE3,C,t1,s2,2022-01-01\n")
    assert not Site.objects.filter(code__in=["s2", "s3"]).exists()
    assert not Agent.objects.filter(employee_number="E2").exists()


def test_command_imports_a_file(tmp_path, capsys):
    path = tmp_path / "staff.csv"
    path.write_text(GOOD, encoding="utf-8")
    call_command("import_agents", str(path))
    assert "3 created" in capsys.readouterr().out
    assert Agent.objects.count() == 3


def test_command_reports_bad_rows_and_fails(tmp_path):
    path = tmp_path / "staff.csv"
    path.write_text(GOOD + "E9,,t,s,2022-01-01,\n", encoding="utf-8")
    with pytest.raises(CommandError, match="line 5: name is empty"):
        call_command("import_agents", str(path))
    assert not Agent.objects.exists()


def test_admin_upload_imports_the_file(client, admin_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(admin_user)
    upload = SimpleUploadedFile("staff.csv", GOOD.encode(), content_type="text/csv")
    response = client.post("/admin/agents/agent/upload/", {"file": upload}, follow=True)
    assert response.status_code == 200
    assert Agent.objects.count() == 3


def test_admin_upload_shows_row_errors_and_writes_nothing(client, admin_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(admin_user)
    upload = SimpleUploadedFile("staff.csv", (GOOD + "E9,,t,s,2022-01-01,\n").encode(), content_type="text/csv")
    response = client.post("/admin/agents/agent/upload/", {"file": upload})
    assert "line 5: name is empty" in response.content.decode()
    assert not Agent.objects.exists()
