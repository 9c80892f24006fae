"""The organisation and operations API, scoped by role through ``satisfaction.scoping``."""

import datetime as dt

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from agents import selectors
from agents.api.serializers import (
    AgentOutputSerializer,
    CaseAdvanceInputSerializer,
    CaseDetailOutputSerializer,
    CaseOutputSerializer,
    EvaluationOutputSerializer,
    GrievanceOutputSerializer,
    KpiImportOutputSerializer,
    KpiRecordInputSerializer,
    KpiRecordOutputSerializer,
    PraiseOutputSerializer,
    TeamOutputSerializer,
)
from agents.models import Role
from agents.selectors.cases import FILTER_ACTIVE
from agents.services import advance_case, import_kpi_records
from satisfaction import scoping
from satisfaction.exceptions import ValidationFailed


class TeamListApi(generics.ListAPIView):
    serializer_class = TeamOutputSerializer

    def get_queryset(self):
        return scoping.visible_teams(self.request.user).select_related("leader")


class AgentListApi(generics.ListAPIView):
    serializer_class = AgentOutputSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("search", str, description="Part of a name or employee number."),
            OpenApiParameter("team", str, description="Team code."),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        return selectors.agent_list(self.request.user, search=params.get("search", ""), team=params.get("team", ""))


class AgentDetailApi(generics.RetrieveAPIView):
    serializer_class = AgentOutputSerializer

    def get_object(self):
        return scoping.get_agent_for_user(self.request.user, self.kwargs["employee_number"])


# --- Operations (issue 6) -----------------------------------------------------------------

TICKET_ROLES = (Role.ADMIN, Role.QUALITY, Role.SUPERVISOR, Role.AGENT)
CASE_ROLES = (Role.ADMIN, Role.QUALITY, Role.SUPERVISOR)
EVALUATION_ROLES = (Role.ADMIN, Role.QUALITY, Role.SUPERVISOR, Role.HR)


class RolesMixin:
    """The roles that may call an endpoint at all, as on the matching page; the data is scoped besides."""

    roles: tuple[str, ...] = ()

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        scoping.require_role(request.user, *self.roles)


class KpiImportApi(APIView):
    """Bulk JSON import of daily KPI records: all or nothing; re-importing an agent-day replaces it."""

    @extend_schema(
        request=KpiRecordInputSerializer(many=True),
        responses={201: KpiImportOutputSerializer},
        examples=[
            OpenApiExample(
                "Two agent-days",
                value=[
                    {
                        "employee_number": "E10001",
                        "date": "2026-03-02",
                        "handled": 48,
                        "handle_seconds": 14400,
                        "resolved_first_contact": 40,
                        "complaints": 0,
                        "praise": 1,
                        "spot_tests_taken": 2,
                        "spot_tests_passed": 2,
                        "adherence_pct": 96.5,
                    }
                ],
            )
        ],
        description='A JSON list of records (or {"records": [...]}) with the KPI CSV columns. '
        '400 lists every bad record ("record N: reason") and writes nothing.',
    )
    def post(self, request):
        scoping.require_role(request.user, Role.ADMIN)
        data = request.data
        records = data.get("records") if isinstance(data, dict) else data
        history = import_kpi_records(records, imported_by=request.user)
        return Response(KpiImportOutputSerializer(history).data, status=201)


class KpiImportHistoryApi(generics.ListAPIView):
    serializer_class = KpiImportOutputSerializer

    def get_queryset(self):
        scoping.require_role(self.request.user, Role.ADMIN)
        return selectors.import_history()


class KpiRecordListApi(generics.ListAPIView):
    serializer_class = KpiRecordOutputSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("agent", str, description="Employee number."),
            OpenApiParameter("team", str, description="Team code."),
            OpenApiParameter("start", str, description="First day, YYYY-MM-DD."),
            OpenApiParameter("end", str, description="Last day, YYYY-MM-DD."),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        records = scoping.visible_kpi_records(self.request.user).order_by("date", "agent__employee_number")
        if params.get("agent"):
            records = records.filter(agent__employee_number=params["agent"])
        if params.get("team"):
            records = records.filter(agent__team__code=params["team"])
        for name, lookup in (("start", "date__gte"), ("end", "date__lte")):
            if params.get(name):
                records = records.filter(**{lookup: _iso_date(params[name], name)})
        return records


class EvaluationListApi(RolesMixin, generics.ListAPIView):
    roles = EVALUATION_ROLES

    serializer_class = EvaluationOutputSerializer

    def get_queryset(self):
        params = self.request.query_params
        return selectors.evaluation_list(self.request.user, team=params.get("team", ""), agent=params.get("agent", ""))


class GrievanceListApi(RolesMixin, generics.ListAPIView):
    roles = TICKET_ROLES

    serializer_class = GrievanceOutputSerializer

    def get_queryset(self):
        return selectors.grievance_list(self.request.user, status=self.request.query_params.get("status", ""))


class GrievanceDetailApi(RolesMixin, generics.RetrieveAPIView):
    roles = TICKET_ROLES

    serializer_class = GrievanceOutputSerializer

    def get_object(self):
        return scoping.get_grievance_for_user(self.request.user, self.kwargs["pk"])


class PraiseListApi(RolesMixin, generics.ListAPIView):
    roles = TICKET_ROLES

    serializer_class = PraiseOutputSerializer

    def get_queryset(self):
        return selectors.praise_list(self.request.user, status=self.request.query_params.get("status", ""))


class CaseListApi(RolesMixin, generics.ListAPIView):
    roles = CASE_ROLES

    serializer_class = CaseOutputSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, description="active (default), overdue, or a case status."),
            OpenApiParameter("team", str, description="Team code."),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        return selectors.case_list(
            self.request.user, status=params.get("status", FILTER_ACTIVE), team=params.get("team", "")
        )


class CaseDetailApi(RolesMixin, generics.RetrieveAPIView):
    roles = CASE_ROLES

    serializer_class = CaseDetailOutputSerializer

    def get_object(self):
        return scoping.get_case_for_user(self.request.user, self.kwargs["pk"])


class CaseAdvanceApi(RolesMixin, APIView):
    """Move a case one step on; resolving needs ``customer_told``."""

    roles = CASE_ROLES

    @extend_schema(request=CaseAdvanceInputSerializer, responses={200: CaseDetailOutputSerializer})
    def post(self, request, pk: int):
        case = scoping.get_case_for_user(request.user, pk)
        data = CaseAdvanceInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = advance_case(case, actor=request.user, **data.validated_data)
        return Response(CaseDetailOutputSerializer(case).data)


def _iso_date(value: str, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationFailed(details={name: [_("Enter a date like 2026-03-01.")]}) from exc
