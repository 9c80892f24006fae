from django.urls import path

from surveys.api import contact_views, survey_views, views

urlpatterns = [
    path("responses/import/", views.ResponseImportApi.as_view(), name="api-responses-import"),
    path("contacts/", contact_views.ContactCreateApi.as_view(), name="api-contacts"),
    path("contacts/import/", contact_views.ContactImportApi.as_view(), name="api-contacts-import"),
    path("surveys/", survey_views.SurveyListApi.as_view(), name="api-surveys"),
    path("surveys/<slug:code>/", survey_views.SurveyDetailApi.as_view(), name="api-survey"),
    path("surveys/<slug:code>/questions/", survey_views.SurveyQuestionsApi.as_view(), name="api-survey-questions"),
]
