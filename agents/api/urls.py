from django.urls import path

from agents.api import views

urlpatterns = [
    path("teams/", views.TeamListApi.as_view(), name="api-teams"),
    path("agents/", views.AgentListApi.as_view(), name="api-agents"),
    path("agents/<str:employee_number>/", views.AgentDetailApi.as_view(), name="api-agent"),
]
