"""Administration of integration tokens and the audit log (issue 9): administrators only."""

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from satisfaction.models import ApiToken, AuditEvent
from satisfaction.tokens import create_api_token, revoke_api_token, rotate_api_token


def _is_administrator(request: HttpRequest) -> bool:
    user = request.user
    return user.is_active and user.is_staff and user.is_administrator


class AdministratorsOnly:
    """Shown to administrators only, whatever Django permissions a staff login holds."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_administrator(request)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return _is_administrator(request)


def _issued(request: HttpRequest, issued: list[tuple[ApiToken, str]], admin_site) -> HttpResponse:
    """The one page that ever shows the token secrets."""
    context = {
        **admin_site.each_context(request),
        "title": _("Copy the token now"),
        "issued": issued,
        "opts": ApiToken._meta,
    }
    response = TemplateResponse(request, "admin/satisfaction/apitoken/issued.html", context)
    # The secret must not linger in a shared cache or the browser's history cache.
    response["Cache-Control"] = "no-store"
    return response


@admin.register(ApiToken)
class ApiTokenAdmin(AdministratorsOnly, admin.ModelAdmin):
    list_display = ("name", "kind", "prefix", "user", "created_by", "created_at", "last_used_at", "revoked_at")
    list_filter = ("kind",)
    search_fields = ("name", "prefix")
    fields = ("name", "kind", "prefix", "user", "created_by", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "user", "created_by", "created_at", "last_used_at", "revoked_at")
    actions = ["rotate_tokens", "revoke_tokens"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _is_administrator(request)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        # Tokens are created, rotated and revoked; never edited. Actions still need the list.
        return _is_administrator(request) and obj is None

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        token, secret = create_api_token(name=obj.name, kind=obj.kind, created_by=request.user)
        obj.pk = token.pk
        request._issued_tokens = [(token, secret)]

    def response_add(self, request, obj, post_url_continue=None) -> HttpResponse:
        return _issued(request, request._issued_tokens, self.admin_site)

    @admin.action(description=gettext_lazy("Rotate: revoke and issue a new token"))
    def rotate_tokens(self, request, queryset):
        issued = [rotate_api_token(token, actor=request.user) for token in queryset.filter(revoked_at__isnull=True)]
        return _issued(request, issued, self.admin_site)

    @admin.action(description=gettext_lazy("Revoke"))
    def revoke_tokens(self, request, queryset):
        for token in queryset:
            revoke_api_token(token, actor=request.user)
        self.message_user(request, _("%(n)d token(s) revoked.") % {"n": queryset.count()})


@admin.register(AuditEvent)
class AuditEventAdmin(AdministratorsOnly, admin.ModelAdmin):
    list_display = ("at", "actor", "action", "object_type", "object_id", "ip")
    list_filter = ("action", "object_type")
    search_fields = ("actor__username", "object_id")
    date_hierarchy = "at"
    list_select_related = ("actor",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
