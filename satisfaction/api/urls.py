from django.urls import path

from satisfaction.api import views

urlpatterns = [
    path("scores/", views.ScoresApi.as_view(), name="api-scores"),
    path("balance/", views.BalanceApi.as_view(), name="api-balance"),
]
