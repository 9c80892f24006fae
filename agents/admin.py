from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agents.forms import StaffUploadForm
from agents.models import (
    Agent,
    CaseEvent,
    FollowUpCase,
    FollowUpRule,
    Grievance,
    KpiImport,
    KpiRecord,
    KpiTarget,
    Notification,
    Praise,
    QualityEvaluation,
    Site,
    SkillGroup,
    Team,
    User,
)
from agents.services import import_agents
from satisfaction.audit import AuditAction, record_audit
from satisfaction.exceptions import ValidationFailed

# The fields that change what a login may see or do.
ROLE_FIELDS = frozenset(
    {
        "role",
        "supervised_sites",
        "supervised_teams",
        "is_staff",
        "is_superuser",
        "is_active",
        "groups",
        "user_permissions",
    }
)


@admin.register(User)
class CentreUserAdmin(UserAdmin):
    list_display = ("username", "email", "first_name", "last_name", "role", "is_active")
    list_filter = ("role", "is_active", "is_staff", "supervised_sites")
    fieldsets = (
        *UserAdmin.fieldsets,
        (gettext_lazy("Role and scope"), {"fields": ("role", "supervised_sites", "supervised_teams")}),
    )
    filter_horizontal = ("groups", "user_permissions", "supervised_sites", "supervised_teams")

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        # Role, scope and admin rights decide what a login sees: every change is audited (issue 9).
        changed = sorted(set(form.changed_data) & ROLE_FIELDS)
        if changed:
            record_audit(
                actor=request.user,
                action=AuditAction.ROLE_CHANGED,
                obj=form.instance,
                detail={"fields": changed, "role": form.instance.role, "created": not change},
                request=request,
            )


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
    list_display = ("employee_number", "name", "team", "hire_date", "active", "is_focus")
    list_filter = ("active", "is_focus", "team__site", "team", "skill_groups")
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


@admin.register(KpiRecord)
class KpiRecordAdmin(admin.ModelAdmin):
    list_display = ("date", "agent", "handled", "handle_seconds", "resolved_first_contact", "complaints", "praise")
    list_filter = ("agent__team__site", "agent__team")
    search_fields = ("agent__employee_number", "agent__name")
    date_hierarchy = "date"
    list_select_related = ("agent",)
    raw_id_fields = ("agent", "source_import")


@admin.register(KpiImport)
class KpiImportAdmin(admin.ModelAdmin):
    list_display = ("imported_at", "imported_by", "source", "filename", "status", "rows", "created", "updated")
    list_filter = ("status", "source")
    list_select_related = ("imported_by",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # imports run from the KPI page or the API, which record them here


@admin.register(KpiTarget)
class KpiTargetAdmin(admin.ModelAdmin):
    list_display = ("month", "team", "agent", "metric", "target", "set_by")
    list_filter = ("month", "metric", "team")
    list_select_related = ("team", "agent", "set_by")
    raw_id_fields = ("agent",)


@admin.register(QualityEvaluation)
class QualityEvaluationAdmin(admin.ModelAdmin):
    list_display = ("evaluated_on", "agent", "score", "evaluator")
    list_filter = ("agent__team",)
    search_fields = ("agent__employee_number", "agent__name")
    date_hierarchy = "evaluated_on"
    list_select_related = ("agent", "evaluator")
    raw_id_fields = ("agent", "contact")


@admin.register(Grievance)
class GrievanceAdmin(admin.ModelAdmin):
    list_display = ("filed_at", "agent", "contact", "status", "due_at", "verified_by")
    list_filter = ("status", "agent__team")
    search_fields = ("agent__employee_number", "contact__external_id")
    list_select_related = ("agent", "contact", "verified_by")
    raw_id_fields = ("agent", "contact")


@admin.register(Praise)
class PraiseAdmin(admin.ModelAdmin):
    list_display = ("opened_at", "agent", "source", "status", "verified_by")
    list_filter = ("status", "source", "agent__team")
    search_fields = ("agent__employee_number", "contact__external_id")
    list_select_related = ("agent", "verified_by")
    raw_id_fields = ("agent", "contact")


@admin.register(FollowUpRule)
class FollowUpRuleAdmin(admin.ModelAdmin):
    list_display = ("reason", "enabled", "threshold", "due_hours")


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    can_delete = False
    readonly_fields = ("at", "actor", "kind", "from_status", "to_status", "note")

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # the log is written by the case services only


@admin.register(FollowUpCase)
class FollowUpCaseAdmin(admin.ModelAdmin):
    list_display = ("pk", "reason", "status", "agent", "team", "assignee", "due_at", "escalated_at")
    list_filter = ("status", "reason", "cause_not_captured", "site", "team")
    search_fields = ("agent__employee_number", "contact__external_id")
    list_select_related = ("agent", "team", "assignee")
    raw_id_fields = ("agent", "contact", "response", "assignee", "opened_by")
    filter_horizontal = ("escalated_to",)
    inlines = [CaseEventInline]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "user", "text", "read_at")
    list_select_related = ("user",)
    search_fields = ("user__username", "text")
