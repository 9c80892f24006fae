from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

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
    # The split view serves Swagger UI's init script as a file: no inline script (issue 9's CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    # Redoc injects its own <style> elements: the one CSP exception, scoped to this view.
    path(
        "api/redoc/",
        csp_update({"style-src": ["'unsafe-inline'"], "worker-src": ["blob:"]})(
            SpectacularRedocView.as_view(url_name="schema")
        ),
        name="api-redoc",
    ),
]

# A database lost outside a view (e.g. saving the session) answers 503 too, never a traceback (issue 9).
handler500 = "satisfaction.views.server_error"
