"""Survey definitions over the API: list, create, read, and revise (a new version once answered)."""

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from agents.models import Role
from satisfaction import scoping
from satisfaction.audit import AuditAction, record_audit
from satisfaction.exceptions import Conflict, NotFound
from surveys.api.serializers import SurveyInputSerializer, SurveyOutputSerializer, SurveyRevisionSerializer
from surveys.models import Survey, SurveyDimension
from surveys.survey_templates import QuestionSpec, revise_survey


def _survey(code: str) -> Survey:
    try:
        return Survey.objects.prefetch_related("dimensions").get(code=code)
    except Survey.DoesNotExist as exc:
        raise NotFound() from exc


class SurveyListApi(APIView):
    @extend_schema(responses={200: SurveyOutputSerializer(many=True)})
    def get(self, request):
        scoping.require_role(request.user, Role.ADMIN)
        surveys = Survey.objects.prefetch_related("dimensions").order_by("code")
        return Response(SurveyOutputSerializer(surveys, many=True).data)

    @extend_schema(request=SurveyInputSerializer, responses={201: SurveyOutputSerializer})
    def post(self, request):
        scoping.require_role(request.user, Role.ADMIN)
        data = SurveyInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if Survey.objects.filter(code=values["code"]).exists():
            raise Conflict(details={"code": values["code"]})
        with transaction.atomic():
            survey = Survey.objects.create(code=values["code"], name_en=values["name_en"], name_zh=values["name_zh"])
            SurveyDimension.objects.bulk_create([SurveyDimension(survey=survey, **d) for d in values["dimensions"]])
            revise_survey(survey, specs=[QuestionSpec(**q) for q in values["questions"]])
            record_audit(
                actor=request.user,
                action=AuditAction.SURVEY_CHANGED,
                obj=survey,
                detail={"change": "created"},
                request=request,
            )
        return Response(SurveyOutputSerializer(_survey(survey.code)).data, status=201)


class SurveyDetailApi(APIView):
    @extend_schema(responses={200: SurveyOutputSerializer})
    def get(self, request, code: str):
        scoping.require_role(request.user, Role.ADMIN)
        return Response(SurveyOutputSerializer(_survey(code)).data)


class SurveyQuestionsApi(APIView):
    @extend_schema(
        request=SurveyRevisionSerializer,
        responses={200: SurveyOutputSerializer},
        description="Replace the questions; a survey whose current version has answers gets a new version.",
    )
    def put(self, request, code: str):
        scoping.require_role(request.user, Role.ADMIN)
        survey = _survey(code)
        data = SurveyRevisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic():
            revise_survey(survey, specs=[QuestionSpec(**q) for q in data.validated_data["questions"]])
            record_audit(
                actor=request.user,
                action=AuditAction.SURVEY_CHANGED,
                obj=survey,
                detail={"change": "questions"},
                request=request,
            )
        return Response(SurveyOutputSerializer(_survey(code)).data)
