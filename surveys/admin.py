from django.contrib import admin

from surveys.models import Answer, Contact, Invitation, Response, Survey, SurveyDimension


class SurveyDimensionInline(admin.TabularInline):
    model = SurveyDimension
    extra = 0


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ("code", "name_en", "name_zh", "is_default")
    search_fields = ("code", "name_en", "name_zh")
    inlines = [SurveyDimensionInline]


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("external_id", "agent", "team", "started_at", "queue", "masked_phone")
    list_filter = ("site", "team", "queue", "direction")
    search_fields = ("external_id", "agent__employee_number")
    list_select_related = ("agent", "team")
    # The phone number is personal data: shown masked, never editable in a list.
    exclude = ("customer_phone",)
    readonly_fields = ("masked_phone",)
    raw_id_fields = ("agent",)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("contact", "channel", "status", "decision_reason", "created_at")
    list_filter = ("channel", "status")
    search_fields = ("contact__external_id",)
    raw_id_fields = ("contact",)


class AnswerInline(admin.TabularInline):
    model = Answer
    extra = 0


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    list_display = ("contact", "agent", "team", "channel", "answered_at")
    list_filter = ("channel", "site", "team")
    search_fields = ("contact__external_id", "agent__employee_number")
    list_select_related = ("contact", "agent", "team")
    raw_id_fields = ("contact", "agent")
    inlines = [AnswerInline]
