from django.urls import path

from surveys.api import pulse_views

urlpatterns = [
    path("rounds/", pulse_views.PulseRoundsApi.as_view(), name="api-rounds"),
    path("results/", pulse_views.PulseResultsApi.as_view(), name="api-results"),
]
