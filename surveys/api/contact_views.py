"""Contacts from the telephony platform: one at a time, or a CSV of the same columns."""

from drf_spectacular.utils import extend_schema
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from agents.models import Role
from satisfaction import scoping
from satisfaction.exceptions import ValidationFailed
from satisfaction.parsers import StrictJSONParser
from surveys.api.serializers import ContactImportOutputSerializer, ContactInputSerializer, ContactOutputSerializer
from surveys.api.views import MAX_IMPORT_BYTES, CsvParser
from surveys.contact_import import check_contact
from surveys.invitations import import_contacts, report_contact


class ContactCreateApi(APIView):
    parser_classes = [StrictJSONParser]

    @extend_schema(
        request=ContactInputSerializer,
        responses={201: ContactOutputSerializer, 200: ContactOutputSerializer},
        description="Report a finished contact; the invitation rule decides and the decision is returned. "
        "Re-posting the same external_id changes nothing (200).",
    )
    def post(self, request):
        scoping.require_role(request.user, Role.ADMIN)
        data = ContactInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row, problems = check_contact(data.validated_data)
        if problems:
            raise ValidationFailed(details=problems)
        contact, created = report_contact(row)
        return Response(ContactOutputSerializer(contact).data, status=201 if created else 200)


class ContactImportApi(APIView):
    parser_classes = [CsvParser, MultiPartParser]

    @extend_schema(
        request={"text/csv": {"type": "string"}},
        responses={201: ContactImportOutputSerializer},
        description="Import finished contacts (columns of POST /contacts/). All rows or none; idempotent.",
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
        return Response(ContactImportOutputSerializer(import_contacts(data)).data, status=201)
