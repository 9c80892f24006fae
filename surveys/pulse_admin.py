"""Admin for pulse set-up and staff voice.

Answers (``PulseSubmission``, ``PulseAnswer``) and who answered (``PulseParticipation``) are
deliberately not registered: nobody browses individual answers, and nobody lists who answered.
"""

from django.contrib import admin

from surveys.models import PulseQuestion, PulseRound, PulseSchedule, PulseSurvey, PulseSurveyQuestion, Suggestion


@admin.register(PulseQuestion)
class PulseQuestionAdmin(admin.ModelAdmin):
    list_display = ("code", "topic", "kind", "category", "reverse", "allows_comment", "active")
    list_filter = ("topic", "kind", "category", "active")
    search_fields = ("code", "text_en", "text_zh")


class PulseSurveyQuestionInline(admin.TabularInline):
    model = PulseSurveyQuestion
    extra = 0
    autocomplete_fields = ("question",)


@admin.register(PulseSurvey)
class PulseSurveyAdmin(admin.ModelAdmin):
    list_display = ("code", "name_en", "name_zh", "share_with_team_leaders")
    search_fields = ("code", "name_en", "name_zh")
    filter_horizontal = ("target_sites", "target_teams")
    inlines = [PulseSurveyQuestionInline]


@admin.register(PulseSchedule)
class PulseScheduleAdmin(admin.ModelAdmin):
    list_display = ("survey", "frequency", "first_opens_at", "next_run_at", "window_days", "active")
    list_filter = ("frequency", "active")
    list_select_related = ("survey",)


@admin.register(PulseRound)
class PulseRoundAdmin(admin.ModelAdmin):
    list_display = ("survey", "number", "opens_at", "closes_at", "closed_at", "reminders_sent")
    list_filter = ("survey",)
    list_select_related = ("survey",)
    readonly_fields = ("survey", "schedule", "number", "reminders_sent")


@admin.register(Suggestion)
class SuggestionAdmin(admin.ModelAdmin):
    list_display = ("title", "topic", "status", "anonymous", "submitted_on", "adopted_on")
    list_filter = ("status", "topic", "anonymous")
    search_fields = ("title", "body")
    # The tracking hash and an anonymous idea's (empty) author fields are never edited by hand.
    exclude = ("tracking_hash",)
    readonly_fields = ("anonymous", "author", "team_code", "site_code", "submitted_on")
