from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agents.forms import StaffUploadForm
from agents.models import Agent, Site, SkillGroup, Team, User
from agents.services import import_agents
from satisfaction.exceptions import ValidationFailed


@admin.register(User)
class CentreUserAdmin(UserAdmin):
    list_display = ("username", "email", "first_name", "last_name", "role", "is_active")
    list_filter = ("role", "is_active", "is_staff", "supervised_sites")
    fieldsets = (
        *UserAdmin.fieldsets,
        (gettext_lazy("Role and scope"), {"fields": ("role", "supervised_sites", "supervised_teams")}),
    )
    filter_horizontal = ("groups", "user_permissions", "supervised_sites", "supervised_teams")


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "site", "leader")
    list_filter = ("site",)
    search_fields = ("code", "name", "leader__username")
    list_select_related = ("site", "leader")
    autocomplete_fields = ("leader",)


@admin.register(SkillGroup)
class SkillGroupAdmin(admin.ModelAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    list_display = ("employee_number", "name", "team", "hire_date", "active")
    list_filter = ("active", "team__site", "team", "skill_groups")
    search_fields = ("employee_number", "name", "user__email")
    list_select_related = ("team",)
    filter_horizontal = ("skill_groups",)
    autocomplete_fields = ("user",)
    change_list_template = "admin/agents/agent/change_list.html"

    def get_urls(self):
        upload = path("upload/", self.admin_site.admin_view(self.upload_view), name="agents_agent_upload")
        return [upload, *super().get_urls()]

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        """Import a staff list from the browser; the same service as ``manage.py import_agents``."""
        if not self.has_add_permission(request):
            return redirect("admin:agents_agent_changelist")
        form = StaffUploadForm(request.POST or None, request.FILES or None)
        errors: list[str] = []
        if request.method == "POST" and form.is_valid():
            try:
                result = import_agents(form.cleaned_data["file"].read())
            except ValidationFailed as exc:
                errors = [str(exc.message), *(exc.details or [])]
            else:
                messages.success(
                    request,
                    _("Staff list imported: %(c)s created, %(u)s updated, %(n)s unchanged.")
                    % {"c": result.created, "u": result.updated, "n": result.unchanged},
                )
                return redirect("admin:agents_agent_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import a staff list"),
            "form": form,
            "errors": errors,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/agents/agent/upload.html", context)
