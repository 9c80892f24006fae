"""Survey definitions: the ready-made templates, short forms, versions and Kano answers."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from satisfaction import services as scoring_services
from satisfaction.models import ScoreSnapshot
from surveys.admin import QUESTION_FIELDS
from surveys.models import Answer, Invitation, Item, Response, Survey
from surveys.selectors import form_questions
from surveys.survey_templates import KANO_CODE, POST_CALL_CODE, QuestionSpec, revise_survey
from tests.factories import ContactFactory, InvitationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_templates_load_once_with_short_forms_of_at_most_five(capsys):
    call_command("load_survey_templates")
    call_command("load_survey_templates")
    post_call = Survey.objects.get(code=POST_CALL_CODE)
    assert post_call.versions.count() == 1
    questions = list(post_call.current_version().questions.all())
    assert sum(q.on_sms for q in questions) <= 5 and sum(q.on_ivr for q in questions) <= 5
    pairs = {(q.item, q.dimension) for q in questions if q.item in ("expectation", "experience")}
    assert len(pairs) == 8
    kano = Survey.objects.get(code=KANO_CODE).current_version().questions
    assert kano.filter(item=Item.KANO_FUNCTIONAL).count() == kano.filter(item=Item.KANO_DYSFUNCTIONAL).count() == 5
    assert "post-call-servqual: version 1" in capsys.readouterr().out


def test_revising_an_unanswered_survey_edits_it_in_place():
    call_command("load_survey_templates")
    survey = Survey.objects.get(code=KANO_CODE)
    version = revise_survey(survey, specs=[QuestionSpec(Item.CSAT, "How satisfied?", "满意吗？")])
    assert version.number == 1 and version.questions.count() == 1


def _as_a_new_request_reads_it(invitation: Invitation) -> Invitation:
    return Invitation.objects.select_related("survey_version").get(pk=invitation.pk)


def test_an_edit_in_place_is_asked_at_once_though_forms_are_cached_per_process():
    invitation = InvitationFactory()
    assert form_questions(invitation)[0].item == Item.CSAT
    revise_survey(invitation.survey, specs=[QuestionSpec(Item.NPS, "Recommend us?", "推荐吗？")])
    assert [q.item for q in form_questions(_as_a_new_request_reads_it(invitation))] == [Item.NPS]


def test_an_admin_edit_of_an_unanswered_version_is_asked_at_once(admin_client):
    invitation = InvitationFactory()
    version = invitation.survey_version
    questions = form_questions(invitation, channel="web")
    data = {"questions-TOTAL_FORMS": len(questions), "questions-INITIAL_FORMS": len(questions)}
    for index, question in enumerate(version.questions.order_by("position")):
        data |= {f"questions-{index}-id": question.pk, f"questions-{index}-version": version.pk}
        for name in ("position", *QUESTION_FIELDS):
            value = getattr(question, name)
            if value is not None and value is not False:
                data[f"questions-{index}-{name}"] = "on" if value is True else value
    data["questions-0-text_en"] = "How happy are you with this call?"
    saved = admin_client.post(reverse("admin:surveys_surveyversion_change", args=[version.pk]), data)
    assert saved.status_code == 302
    fresh = form_questions(_as_a_new_request_reads_it(invitation))
    assert fresh[0].text_en == "How happy are you with this call?"


def test_revising_an_answered_survey_makes_a_new_version_and_old_answers_keep_theirs():
    call_command("load_survey_templates")
    survey = Survey.objects.get(code=POST_CALL_CODE)
    first = survey.current_version()
    contact = ContactFactory()
    Response.objects.create(
        contact=contact,
        survey=survey,
        survey_version=first,
        channel="web",
        answered_at=contact.started_at,
        agent=contact.agent,
        team=contact.team,
        site=contact.site,
    )
    second = revise_survey(survey, specs=[QuestionSpec(Item.CSAT, "How satisfied?", "满意吗？", on_sms=True)])
    assert second.number == 2
    assert first.questions.count() > 1
    assert Response.objects.get().survey_version == first


def test_a_short_form_over_five_questions_is_refused():
    call_command("load_survey_templates")
    survey = Survey.objects.get(code=KANO_CODE)
    specs = (
        [QuestionSpec(Item.CSAT, "a", "a", on_sms=True)]
        + [
            QuestionSpec(Item.DISCONFIRMATION, "b", "b", dimension=d, on_sms=True)
            for d in ("convenience", "assurance", "reliability", "empathy")
        ]
        + [QuestionSpec(Item.FCR, "c", "c", on_sms=True)]
    )
    with pytest.raises(Exception, match="input is not valid") as error:
        revise_survey(survey, specs=specs)
    assert "at most 5" in str(error.value.details)


def test_the_api_creates_and_revises_a_survey(client):
    client.force_login(UserFactory(role="admin", username="builder"))
    body = {
        "code": "short",
        "name_en": "Short",
        "name_zh": "简短",
        "dimensions": [{"code": "empathy", "name_en": "Empathy", "name_zh": "同理心", "weight": 2}],
        "questions": [
            {"item": "csat", "text_en": "How satisfied?", "text_zh": "满意吗？", "on_sms": True},
            {"item": "disconfirmation", "dimension": "empathy", "text_en": "Cared?", "text_zh": "关心吗？"},
        ],
    }
    created = client.post(reverse("api-surveys"), body, content_type="application/json")
    assert created.status_code == 201 and created.json()["version"] == 1
    revised = client.put(
        reverse("api-survey-questions", args=["short"]),
        {"questions": body["questions"][:1]},
        content_type="application/json",
    )
    assert revised.status_code == 200 and len(revised.json()["questions"]) == 1


def test_kano_answers_are_stored_but_do_not_disturb_the_scores():
    contact = ContactFactory()
    survey = Survey.objects.create(code="kano", name_en="Kano", name_zh="卡诺")
    response = Response.objects.create(
        contact=contact,
        survey=survey,
        channel="web",
        answered_at=contact.started_at,
        agent=contact.agent,
        team=contact.team,
        site=contact.site,
    )
    Answer.objects.create(response=response, item="csat", value=5)
    for attribute in ("callback", "short-wait"):
        Answer.objects.create(response=response, item=Item.KANO_FUNCTIONAL, dimension=attribute, value=1)
        Answer.objects.create(response=response, item=Item.KANO_DYSFUNCTIONAL, dimension=attribute, value=5)
    scoring_services.compute_chunk(site=contact.site.code, month=contact.started_at.date())
    metrics = ScoreSnapshot.objects.filter(level="agent").first().metrics
    assert metrics["csat_mean"] == 5.0
    assert not any(name.startswith("gap_callback") for name in metrics)
