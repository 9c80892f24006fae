from django.contrib import admin, messages
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from satisfaction.audit import AuditAction, record_audit
from surveys.models import (
    Answer,
    Contact,
    InboundSms,
    Integration,
    Invitation,
    OptOut,
    Question,
    Response,
    SmsMessage,
    Survey,
    SurveyDimension,
    SurveyVersion,
    WebhookDelivery,
    mask_phone,
)
from surveys.privacy import erase_phone
from surveys.services import mark_responses_stale
from surveys.survey_templates import QuestionSpec, note_questions_edited, revise_survey

QUESTION_FIELDS = (
    "item",
    "dimension",
    "text_en",
    "text_zh",
    "on_web",
    "on_sms",
    "on_ivr",
    "ask_if_item",
    "ask_if_min",
    "ask_if_max",
)


class SurveyDimensionInline(admin.TabularInline):
    model = SurveyDimension
    extra = 0


class SurveyVersionInline(admin.TabularInline):
    model = SurveyVersion
    extra = 0
    fields = ("number", "created_at")
    readonly_fields = ("number", "created_at")
    show_change_link = True
    can_delete = False


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ("code", "name_en", "name_zh", "is_default")
    search_fields = ("code", "name_en", "name_zh")
    inlines = [SurveyDimensionInline, SurveyVersionInline]
    actions = ["make_new_version"]

    @admin.action(description=_("Copy the current questions into a new version to edit"))
    def make_new_version(self, request, queryset):
        for survey in queryset:
            current = survey.current_version()
            specs = [QuestionSpec(**{f: getattr(q, f) for f in QUESTION_FIELDS}) for q in current.questions.all()]
            if current.responses.exists():
                revise_survey(survey, specs=specs)
                _audit_survey(request, survey, change="new version")
            else:
                self.message_user(request, _("%(s)s: the current version has no answers yet; edit it.") % {"s": survey})

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        _audit_survey(request, obj, change="edited" if change else "created")


def _audit_survey(request, survey: Survey, *, change: str) -> None:
    record_audit(
        actor=request.user, action=AuditAction.SURVEY_CHANGED, obj=survey, detail={"change": change}, request=request
    )


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 0
    fields = ("position", *QUESTION_FIELDS)

    def _frozen(self, obj) -> bool:
        # A version that has answers is frozen: every answer keeps the questions that were asked.
        return obj is not None and obj.responses.exists()

    def has_change_permission(self, request, obj=None) -> bool:
        return not self._frozen(obj) and super().has_change_permission(request, obj)

    def has_add_permission(self, request, obj=None) -> bool:
        return not self._frozen(obj) and super().has_add_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return not self._frozen(obj) and super().has_delete_permission(request, obj)


@admin.register(SurveyVersion)
class SurveyVersionAdmin(admin.ModelAdmin):
    list_display = ("survey", "number", "created_at")
    list_filter = ("survey",)
    readonly_fields = ("survey", "number", "created_at")
    inlines = [QuestionInline]

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        _audit_survey(request, form.instance.survey, change=f"questions of version {form.instance.number}")

    def save_formset(self, request, form, formset, change) -> None:
        super().save_formset(request, form, formset, change)
        if formset.model is Question and (formset.new_objects or formset.changed_objects or formset.deleted_objects):
            note_questions_edited(form.instance)


@admin.register(OptOut)
class OptOutAdmin(admin.ModelAdmin):
    list_display = ("masked_phone", "keyword", "created_at")
    # Only a hash of the number is kept; the masked hint lets a person recognise it.
    exclude = ("phone_hash", "phone_hint")
    readonly_fields = ("masked_phone", "keyword", "created_at")

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ("provider", "delivery_id", "kind", "invitation", "received_at")
    list_filter = ("provider", "kind")
    search_fields = ("delivery_id",)
    raw_id_fields = ("invitation",)

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SmsMessage)
class SmsMessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "direction", "invitation", "segments", "status", "body")
    list_filter = ("direction", "status")
    search_fields = ("provider_sid",)
    raw_id_fields = ("invitation",)


@admin.register(InboundSms)
class InboundSmsAdmin(admin.ModelAdmin):
    """Received texts: waiting for the worker, processed (number and text blanked), or set aside."""

    list_display = ("received_at", "message_sid", "masked_phone", "processed_at", "attempts", "error")
    list_filter = (("processed_at", admin.EmptyFieldListFilter), "error")
    search_fields = ("message_sid",)
    # The number is personal data: shown masked; a text is the customer's own words, read-only.
    exclude = ("phone",)
    readonly_fields = ("message_sid", "masked_phone", "body", "received_at", "processed_at", "attempts", "error")

    @admin.display(description=_("phone (masked)"))
    def masked_phone(self, obj: InboundSms) -> str:
        return mask_phone(obj.phone) if obj.phone else ""

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    list_display = ("name", "active", "created_at")


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
    actions = ["erase_phone_numbers"]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Opening a contact shows a customer's (masked) number: personal data, so it is logged (issue 9).
        record_audit(
            actor=request.user,
            action=AuditAction.PERSONAL_DATA_VIEWED,
            object_type=Contact._meta.label_lower,
            object_id=object_id,
            request=request,
        )
        return super().change_view(request, object_id, form_url, extra_context)

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "queue" in form.changed_data:
            # The response carries its contact's queue (the queue cut); its figures are recomputed.
            responses = list(Response.objects.filter(contact=obj))
            Response.objects.filter(contact=obj).update(queue=obj.queue)
            mark_responses_stale(responses)

    @admin.action(description=_("Erase these customers' phone numbers everywhere (answers are kept)"))
    def erase_phone_numbers(self, request, queryset):
        phones = set(queryset.exclude(customer_phone="").values_list("customer_phone", flat=True))
        with transaction.atomic():
            contacts = sum(erase_phone(phone, actor=request.user, request=request).contacts for phone in phones)
        self.message_user(
            request,
            _("%(n)d phone number(s) erased from %(c)d contact(s).") % {"n": len(phones), "c": contacts},
            messages.SUCCESS,
        )


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("contact", "channel", "status", "decision_reason", "created_at", "expires_at", "completed_at")
    list_filter = ("channel", "status", "decision_reason", "language")
    search_fields = ("contact__external_id",)
    raw_id_fields = ("contact", "survey_version")


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


from surveys.pulse_admin import *  # noqa: E402, F403
