"""Pulse pages: answering (agents), building and scheduling (HR), results (HR, shared leaders), staff voice."""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from satisfaction import scoping
from satisfaction.exceptions import NotFound, PermissionDenied
from surveys import pulse_selectors as selectors
from surveys import pulse_services as services
from surveys.models import PulseQuestion, PulseRound, PulseSchedule, PulseSurvey
from surveys.pulse_forms import (
    PulseAnswerForm,
    QuestionForm,
    ResultsFilterForm,
    RoundWindowForm,
    ScheduleForm,
    SuggestionForm,
    SuggestionResponseForm,
    SurveyForm,
    TrackingCodeForm,
)

# The rounds page lists the latest rounds; older ones stay reachable through each survey's page.
ROUNDS_LISTED = 48


def _get(model, pk):
    """An HR-managed object by id, or ``NotFound``."""
    try:
        return model.objects.get(pk=pk)
    except model.DoesNotExist as exc:
        raise NotFound() from exc


# --- agents: answering -----------------------------------------------------------------------------


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    pending = selectors.pending_pulses(request.user, now=timezone.now())
    return render(
        request,
        "surveys/pulse/mine.html",
        {"pending": pending, "answered": selectors.answered_pulse_count(request.user)},
    )


@login_required
def answer(request: HttpRequest, round_id: int) -> HttpResponse:
    now = timezone.now()
    if selectors.has_answered(request.user, round_id=round_id):
        messages.info(request, _("You have already answered this pulse. Each person answers once."))
        return redirect("pulse:mine")
    pulse_round, questions = selectors.round_to_answer(request.user, round_id=round_id, now=now)
    form = PulseAnswerForm(request.POST or None, questions=questions)
    if request.method == "POST" and form.is_valid():
        services.submit_pulse(
            user=request.user, round_id=round_id, values=form.values(), comments=form.comments(), now=now
        )
        messages.success(request, _("Thank you. Your answers were stored without your name."))
        return redirect("pulse:mine")
    return render(request, "surveys/pulse/answer.html", {"round": pulse_round, "form": form})


# --- HR: question bank, surveys, schedules, rounds ---------------------------------------------------


@login_required
def questions(request: HttpRequest) -> HttpResponse:
    scoping.require_pulse_manager(request.user)
    form = QuestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.save_question(question=None, data=form.cleaned_data)
        messages.success(request, _("The question was added to the bank."))
        return redirect("pulse:questions")
    return render(request, "surveys/pulse/questions.html", {"questions": selectors.question_bank(), "form": form})


@login_required
def question_edit(request: HttpRequest, pk: int) -> HttpResponse:
    scoping.require_pulse_manager(request.user)
    question = _get(PulseQuestion, pk)
    form = QuestionForm(request.POST or None, instance=question)
    if request.method == "POST" and form.is_valid():
        # The form must not write: reload the row so that the service compares against what is stored.
        services.save_question(question=_get(PulseQuestion, pk), data=form.cleaned_data)
        messages.success(request, _("The question was saved."))
        return redirect("pulse:questions")
    return render(request, "surveys/pulse/question_form.html", {"form": form, "question": question})


@login_required
@require_POST
def load_bank(request: HttpRequest) -> HttpResponse:
    scoping.require_pulse_manager(request.user)
    added = services.load_standard_question_bank()
    messages.success(request, _("%(count)s standard questions were added.") % {"count": added})
    return redirect("pulse:questions")


@login_required
def surveys(request: HttpRequest) -> HttpResponse:
    scoping.require_pulse_manager(request.user)
    return render(request, "surveys/pulse/surveys.html", {"surveys": selectors.pulse_surveys()})


@login_required
def survey_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    scoping.require_pulse_manager(request.user)
    survey = _get(PulseSurvey, pk) if pk else None
    form = SurveyForm(request.POST or None, instance=survey)
    if request.method == "POST" and form.is_valid():
        saved = services.save_survey(
            survey=_get(PulseSurvey, pk) if pk else None,
            data=form.survey_fields(),
            questions=form.ordered_questions(),
            target_sites=form.cleaned_data["target_sites"],
            target_teams=form.cleaned_data["target_teams"],
            user=request.user,
        )
        messages.success(request, _("The pulse survey was saved."))
        return redirect("pulse:survey", pk=saved.pk)
    return render(request, "surveys/pulse/survey_form.html", {"form": form, "survey": survey})


@login_required
def survey_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scoping.require_pulse_manager(request.user)
    survey, asked, schedules, rounds = selectors.survey_detail(pk)
    return render(
        request,
        "surveys/pulse/survey_detail.html",
        {
            "survey": survey,
            "questions": asked,
            "schedules": schedules,
            "rounds": selectors.round_rows(rounds, now=timezone.now()),
            "schedule_form": ScheduleForm(),
            "open_form": RoundWindowForm(),
        },
    )


@login_required
@require_POST
def schedule_add(request: HttpRequest, pk: int) -> HttpResponse:
    scoping.require_pulse_manager(request.user)
    survey = _get(PulseSurvey, pk)
    form = ScheduleForm(request.POST)
    if not form.is_valid():
        return _form_errors(request, form, survey)
    services.add_schedule(survey=survey, **form.cleaned_data)
    messages.success(request, _("The schedule was added. Rounds open on time by themselves."))
    return redirect("pulse:survey", pk=survey.pk)


@login_required
@require_POST
def schedule_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    scoping.require_pulse_manager(request.user)
    schedule = _get(PulseSchedule, pk)
    services.set_schedule_active(schedule=schedule, active=not schedule.active, now=timezone.now())
    return redirect("pulse:survey", pk=schedule.survey_id)


@login_required
@require_POST
def round_open(request: HttpRequest, pk: int) -> HttpResponse:
    scoping.require_pulse_manager(request.user)
    survey = _get(PulseSurvey, pk)
    form = RoundWindowForm(request.POST)
    if not form.is_valid():
        return _form_errors(request, form, survey)
    services.open_round(survey=survey, now=timezone.now(), **form.cleaned_data)
    messages.success(request, _("The round is open; invitations are on their way."))
    return redirect("pulse:survey", pk=survey.pk)


@login_required
@require_POST
def round_close(request: HttpRequest, round_id: int) -> HttpResponse:
    scoping.require_pulse_manager(request.user)
    pulse_round = _get(PulseRound, round_id)
    services.close_round(pulse_round=pulse_round, now=timezone.now())
    messages.success(request, _("The round is closed."))
    return redirect("pulse:survey", pk=pulse_round.survey_id)


def _form_errors(request: HttpRequest, form, survey: PulseSurvey) -> HttpResponse:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    return redirect("pulse:survey", pk=survey.pk)


# --- results -----------------------------------------------------------------------------------------


@login_required
def rounds(request: HttpRequest) -> HttpResponse:
    if not scoping.can_read_pulse_results(request.user):
        raise PermissionDenied()
    visible = list(selectors.visible_rounds(request.user)[:ROUNDS_LISTED])
    return render(
        request,
        "surveys/pulse/rounds.html",
        {
            "rounds": selectors.round_rows(visible, now=timezone.now()),
            "can_manage": scoping.can_manage_pulses(request.user),
        },
    )


@login_required
def results(request: HttpRequest, round_id: int) -> HttpResponse:
    filters = ResultsFilterForm(request.GET).filters()
    found = selectors.pulse_results(request.user, round_id=round_id, filters=filters)
    refusal = selectors.refusal_message(found) if found.refused else ""
    return render(
        request,
        "surveys/pulse/results.html",
        {"results": found, "refusal": refusal, "query": request.GET.urlencode()},
    )


@login_required
def results_csv(request: HttpRequest, round_id: int) -> HttpResponse:
    filters = ResultsFilterForm(request.GET).filters()
    found = selectors.pulse_results(request.user, round_id=round_id, filters=filters)
    if found.refused:
        raise PermissionDenied(selectors.refusal_message(found), details={"reason": "anonymity", "k": found.k})
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="pulse-round-{found.round.pk}.csv"'
    # A byte-order mark so that spreadsheet programs read the Chinese text as UTF-8.
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(selectors.EXPORT_COLUMNS)
    writer.writerows(selectors.export_rows(found))
    return response


# --- staff voice ----------------------------------------------------------------------------------


@login_required
def voice(request: HttpRequest) -> HttpResponse:
    form = SuggestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        suggestion, code = services.submit_suggestion(
            user=request.user, today=timezone.localdate(), **form.cleaned_data
        )
        if code:
            # Shown once, in this response only: it is kept nowhere but in the author's hands.
            return render(request, "surveys/pulse/voice_submitted.html", {"suggestion": suggestion, "code": code})
        messages.success(request, _("Thank you. Your idea was sent."))
        return redirect("pulse:voice")
    return render(
        request,
        "surveys/pulse/voice.html",
        {
            "form": form,
            "mine": scoping.own_suggestions(request.user).order_by("-submitted_on"),
            "can_answer": scoping.can_answer_suggestions(request.user),
        },
    )


@login_required
def voice_track(request: HttpRequest) -> HttpResponse:
    # POST, so the code never lands in a URL, a log or the browser history.
    form = TrackingCodeForm(request.POST or None)
    found = None
    searched = request.method == "POST" and form.is_valid()
    if searched:
        found = selectors.suggestion_by_code(form.cleaned_data["code"])
    return render(request, "surveys/pulse/voice_track.html", {"form": form, "found": found, "searched": searched})


@login_required
def voice_inbox(request: HttpRequest) -> HttpResponse:
    if not scoping.can_answer_suggestions(request.user):
        raise PermissionDenied()
    status = request.GET.get("status", "")
    return render(
        request,
        "surveys/pulse/voice_inbox.html",
        {"suggestions": selectors.suggestion_inbox(request.user, status=status), "status": status},
    )


@login_required
def voice_detail(request: HttpRequest, pk: str) -> HttpResponse:
    suggestion = scoping.get_suggestion_for_user(request.user, pk)
    initial = {"status": suggestion.status, "response": suggestion.response}
    form = SuggestionResponseForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.respond_to_suggestion(
            suggestion=suggestion, user=request.user, today=timezone.localdate(), **form.cleaned_data
        )
        messages.success(request, _("Your answer was saved."))
        return redirect("pulse:voice_inbox")
    return render(request, "surveys/pulse/voice_detail.html", {"suggestion": suggestion, "form": form})


@login_required
def voice_adopted(request: HttpRequest) -> HttpResponse:
    return render(request, "surveys/pulse/voice_adopted.html", {"ideas": selectors.adopted_suggestions(request.user)})
