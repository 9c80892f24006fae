from django.urls import path

from agents.views import cases, kpi, notifications, organisation, quality, targets, tickets

app_name = "agents"

urlpatterns = [
    path("overview/", organisation.overview, name="overview"),
    path("teams/<slug:code>/", organisation.team_detail, name="team"),
    path("agents/<str:employee_number>/", organisation.agent_detail, name="agent"),
    path("me/", organisation.me, name="me"),
    path("kpi/", kpi.kpi_imports, name="kpi_imports"),
    path("kpi/imports/<int:pk>/", kpi.kpi_import_detail, name="kpi_import"),
    path("quality/", quality.evaluations, name="evaluations"),
    path("quality/new/", quality.evaluation_new, name="evaluation_new"),
    path("grievances/", tickets.grievances, name="grievances"),
    path("grievances/new/", tickets.grievance_new, name="grievance_new"),
    path("grievances/<int:pk>/", tickets.grievance_detail, name="grievance"),
    path("praise/", tickets.praise_list, name="praise_list"),
    path("praise/new/", tickets.praise_new, name="praise_new"),
    path("praise/<int:pk>/", tickets.praise_detail, name="praise"),
    path("recognition/", tickets.recognition, name="recognition"),
    path("cases/", cases.cases, name="cases"),
    path("cases/new/", cases.case_new, name="case_new"),
    path("cases/<int:pk>/", cases.case_detail, name="case"),
    path("targets/", targets.targets, name="targets"),
    path("notifications/", notifications.notifications, name="notifications"),
]
