from django.urls import path

from agents.api import views

urlpatterns = [
    path("teams/", views.TeamListApi.as_view(), name="api-teams"),
    path("agents/", views.AgentListApi.as_view(), name="api-agents"),
    path("agents/<str:employee_number>/", views.AgentDetailApi.as_view(), name="api-agent"),
    path("kpi/import/", views.KpiImportApi.as_view(), name="api-kpi-import"),
    path("kpi/imports/", views.KpiImportHistoryApi.as_view(), name="api-kpi-imports"),
    path("kpi/records/", views.KpiRecordListApi.as_view(), name="api-kpi-records"),
    path("evaluations/", views.EvaluationListApi.as_view(), name="api-evaluations"),
    path("grievances/", views.GrievanceListApi.as_view(), name="api-grievances"),
    path("grievances/<int:pk>/", views.GrievanceDetailApi.as_view(), name="api-grievance"),
    path("praise/", views.PraiseListApi.as_view(), name="api-praise"),
    path("cases/", views.CaseListApi.as_view(), name="api-cases"),
    path("cases/<int:pk>/", views.CaseDetailApi.as_view(), name="api-case"),
    path("cases/<int:pk>/advance/", views.CaseAdvanceApi.as_view(), name="api-case-advance"),
]
