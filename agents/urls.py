from django.urls import path

from agents import views

app_name = "agents"

urlpatterns = [
    path("overview/", views.overview, name="overview"),
    path("teams/<slug:code>/", views.team_detail, name="team"),
    path("agents/<str:employee_number>/", views.agent_detail, name="agent"),
    path("me/", views.me, name="me"),
]
