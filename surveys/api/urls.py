from django.urls import path

from surveys.api import views

urlpatterns = [
    path("responses/import/", views.ResponseImportApi.as_view(), name="api-responses-import"),
]
