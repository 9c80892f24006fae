from django.conf import settings
from django.urls import path

from surveys import views, webhook_views

urlpatterns = [
    path("s/<str:token>", views.survey_page, name="survey-web"),
    path("hooks/sms/twilio/", webhook_views.sms_twilio_inbound, name="sms-twilio-inbound"),
    path("hooks/sms/twilio/status/", webhook_views.sms_twilio_status, name="sms-twilio-status"),
    path("hooks/ivr/twilio/<str:token>/", webhook_views.ivr_twilio_voice, name="ivr-twilio-voice"),
    path("hooks/ivr/events/<slug:integration>/", webhook_views.ivr_event, name="ivr-event"),
]
if settings.BENCH_BARE_VIEW:
    urlpatterns.append(path("hooks/bench/bare/", webhook_views.bench_bare_insert, name="bench-bare"))
