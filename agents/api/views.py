"""Read-only organisation API, scoped by role through ``satisfaction.scoping``."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics

from agents import selectors
from agents.api.serializers import AgentOutputSerializer, TeamOutputSerializer
from satisfaction import scoping


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
