"""The survey-answers import over the API (same columns as ``manage.py import_responses``)."""

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.parsers import BaseParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from agents.models import Role
from satisfaction import scoping
from satisfaction.exceptions import ValidationFailed
from surveys.api.serializers import AnswerImportOutputSerializer
from surveys.services import import_responses

# Big enough for a year of a mid-size centre's answers in one request.
MAX_IMPORT_BYTES = 50 * 1024 * 1024


class CsvParser(BaseParser):
    media_type = "text/csv"

    def parse(self, stream, media_type=None, parser_context=None) -> bytes:
        return stream.read(MAX_IMPORT_BYTES + 1)


class ResponseImportApi(APIView):
    parser_classes = [CsvParser, MultiPartParser]

    @extend_schema(
        request={
            "text/csv": {"type": "string"},
            "multipart/form-data": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}},
        },
        responses={201: AnswerImportOutputSerializer},
        examples=[
            OpenApiExample(
                "CSV",
                value="contact_id,agent,answered_at,channel,item,dimension,value\n"
                "C1,E10001,2026-03-01T10:15:00+08:00,ivr,csat,,5\n",
            )
        ],
        description="Import survey answers (one row per answer). All rows or none; idempotent.",
    )
    def post(self, request):
        scoping.require_role(request.user, Role.ADMIN)
        data = request.data
        if not isinstance(data, bytes):
            upload = data.get("file") if hasattr(data, "get") else None
            if upload is None:
                raise ValidationFailed(details=["send text/csv, or multipart/form-data with a 'file' field"])
            data = upload.read(MAX_IMPORT_BYTES + 1)
        if len(data) > MAX_IMPORT_BYTES:
            raise ValidationFailed(details=["the file is larger than 50 MB"])
        result = import_responses(data)
        return Response(AnswerImportOutputSerializer(result).data, status=201)
