from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from agents import views as agent_views
from satisfaction import views

urlpatterns = [
    path("", agent_views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("org/", include("agents.urls")),
    path("dashboards/", include("dashboards.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("api/v1/", include("agents.api.urls")),
    path("api/v1/", include("surveys.api.urls")),
    path("", include("surveys.pulse_urls")),
    path("", include("surveys.urls")),
    path("api/v1/", include("satisfaction.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
]
