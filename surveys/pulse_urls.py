"""Pulse pages under ``/pulse/`` and the pulse API under ``/api/v1/pulse/`` (namespace ``pulse``)."""

from django.urls import include, path

from surveys import pulse_views as views

app_name = "pulse"

page_patterns = [
    path("mine/", views.mine, name="mine"),
    path("rounds/<int:round_id>/answer/", views.answer, name="answer"),
    path("questions/", views.questions, name="questions"),
    path("questions/standard/", views.load_bank, name="load_bank"),
    path("questions/<int:pk>/", views.question_edit, name="question"),
    path("surveys/", views.surveys, name="surveys"),
    path("surveys/new/", views.survey_form, name="survey_new"),
    path("surveys/<int:pk>/", views.survey_detail, name="survey"),
    path("surveys/<int:pk>/edit/", views.survey_form, name="survey_edit"),
    path("surveys/<int:pk>/schedules/", views.schedule_add, name="schedule_add"),
    path("surveys/<int:pk>/open/", views.round_open, name="round_open"),
    path("schedules/<int:pk>/toggle/", views.schedule_toggle, name="schedule_toggle"),
    path("rounds/", views.rounds, name="rounds"),
    path("rounds/<int:round_id>/close/", views.round_close, name="round_close"),
    path("rounds/<int:round_id>/results/", views.results, name="results"),
    path("rounds/<int:round_id>/results.csv", views.results_csv, name="results_csv"),
    path("voice/", views.voice, name="voice"),
    path("voice/track/", views.voice_track, name="voice_track"),
    path("voice/inbox/", views.voice_inbox, name="voice_inbox"),
    path("voice/adopted/", views.voice_adopted, name="voice_adopted"),
    path("voice/<uuid:pk>/", views.voice_detail, name="voice_detail"),
]

urlpatterns = [
    path("pulse/", include(page_patterns)),
    path("api/v1/pulse/", include("surveys.api.pulse_urls")),
]
