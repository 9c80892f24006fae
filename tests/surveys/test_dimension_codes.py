"""Dimension codes that would collide with other figures' names are refused everywhere they are made."""

import pytest
from django.core.exceptions import ValidationError

from surveys.models import Survey, SurveyDimension, validate_dimension_code

pytestmark = pytest.mark.django_db

QUESTION = {"item": "csat", "text_en": "How satisfied?", "text_zh": "满意吗？"}


def _survey(code: str, *, dimensions: list, questions: list) -> dict:
    return {"code": code, "name_en": "Demo", "name_zh": "演示", "dimensions": dimensions, "questions": questions}


@pytest.mark.parametrize("code", ["mean", "n", "sd", "speed_sd", "speed_n", "speed_ci_low", "speed_ci_high"])
def test_the_api_refuses_a_dimension_coded_like_a_figure_suffix(client, admin_user, code):
    client.force_login(admin_user)
    body = _survey("clash", dimensions=[{"code": code, "name_en": "X", "name_zh": "X"}], questions=[QUESTION])
    response = client.post("/api/v1/surveys/", body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert "collides" in response.content.decode()
    assert not Survey.objects.filter(code="clash").exists()


def test_the_api_refuses_a_question_dimension_coded_mean(client, admin_user):
    client.force_login(admin_user)
    question = {"item": "experience", "dimension": "mean", "text_en": "How fast?", "text_zh": "快吗？"}
    response = client.post(
        "/api/v1/surveys/", _survey("clash2", dimensions=[], questions=[question]), content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert "mean" in response.content.decode()
    assert not Survey.objects.filter(code="clash2").exists()


def test_ordinary_codes_are_accepted(client, admin_user):
    client.force_login(admin_user)
    question = {"item": "experience", "dimension": "meantime", "text_en": "How fast?", "text_zh": "快吗？"}
    body = _survey(
        "fine", dimensions=[{"code": "meantime", "name_en": "Wait", "name_zh": "等待"}], questions=[question]
    )
    response = client.post("/api/v1/surveys/", body, content_type="application/json")
    assert response.status_code == 201, response.content
    assert SurveyDimension.objects.get(survey__code="fine").code == "meantime"


def test_the_admin_form_refuses_a_reserved_code():
    survey = Survey.objects.create(code="adm", name_en="A", name_zh="A")
    dimension = SurveyDimension(survey=survey, code="sd", name_en="X", name_zh="X")
    with pytest.raises(ValidationError) as error:
        dimension.full_clean()
    assert "code" in error.value.message_dict
    validate_dimension_code("")  # empty: overall items carry no dimension
