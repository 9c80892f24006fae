"""The web channel (issue 4): ``/s/<token>``, one question a page, no JavaScript, saved as it goes."""

from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from satisfaction.exceptions import Conflict
from surveys import selectors
from surveys.answering import (
    AnswerValue,
    invitation_for_web_answer,
    locked_invitation_for_token,
    record_checked_answer,
    record_locked_answers,
)
from surveys.models import Channel, Invitation, Item
from surveys.selectors import LinkState
from surveys.survey_flow import next_question, parse_value, progress
from surveys.web_choices import choices_for

CLOSED_STATUS = {LinkState.UNKNOWN: 404, LinkState.EXPIRED: 410, LinkState.USED: 410}


def _language(request: HttpRequest, invitation: Invitation | None) -> str:
    """The customer's language: the invitation's, unless they switched on the page."""
    asked = request.GET.get("lang", "")
    if asked in Invitation.Language.values:
        return asked
    return invitation.language if invitation else translation.get_language() or Invitation.Language.CHINESE


# The unguessable token in the path is the credential and no session or cookie is involved, so a
# cross-site post gains nothing the token does not already give: no CSRF token (and no cookie).
@csrf_exempt
@require_http_methods(["GET", "POST"])
def survey_page(request: HttpRequest, token: str) -> HttpResponse:
    if request.method != "POST":
        return _survey_page(request, selectors.invitation_for_token(token))
    try:
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            # An answer: read without a lock, stored by one statement that writes only if nobody
            # answered in between (answering.record_checked_answer).
            return _survey_page(request, invitation_for_web_answer(token), checked=True)
        # Elsewhere (SQLite) or inside a transaction: one statement finds and locks the
        # invitation, and the answer is stored under that lock.
        with transaction.atomic():
            return _survey_page(request, locked_invitation_for_token(token))
    except Conflict:
        return redirect(request.get_full_path())


def _survey_page(request: HttpRequest, invitation: Invitation | None, *, checked: bool = False) -> HttpResponse:
    now = timezone.now()
    if invitation is not None and invitation.channel != Channel.WEB:
        invitation = None
    state = selectors.link_state(invitation, now=now)
    language = _language(request, invitation)
    with translation.override(language):
        if state != LinkState.OPEN:
            return render(
                request,
                "surveys/web/closed.html",
                {"state": str(state), "language": language},
                status=CLOSED_STATUS[state],
            )
        form = selectors.form_questions(invitation)
        answers = selectors.skip_logic_answers(invitation, form=form)
        question = next_question(form, answers=answers, after=invitation.last_position)
        error = ""
        if request.method == "POST" and question is not None:
            if str(question.position) != request.POST.get("position"):
                # A stale page (the back button, a double submit): show where the survey stands.
                return redirect(request.get_full_path())
            skipped = "skip" in request.POST and question.item == Item.COMMENT
            try:
                value, text = parse_value(question.item, "" if skipped else request.POST.get("value", ""))
            except ValueError:
                error = _("Please choose one of the answers.")
            else:
                values = [] if (question.item == Item.COMMENT and not text) else [AnswerValue(question, value, text)]
                record = record_checked_answer if checked else record_locked_answers
                recorded = record(
                    invitation, values=values, passed_up_to=question.position, now=now, form=form, answers=answers
                )
                if recorded.completed:
                    return render(request, "surveys/web/thanks.html", {"language": language})
                return redirect(request.get_full_path())
        if question is None:
            return render(request, "surveys/web/thanks.html", {"language": language})
        steps = progress(form, answers=answers, after=invitation.last_position)
        context = {
            "question": question,
            "text": question.text(language),
            "choices": choices_for(question.item),
            "is_comment": question.item == Item.COMMENT,
            "step": steps.done + 1,
            "total": max(steps.total, steps.done + 1),
            "error": error,
            "language": language,
            "other_language": "en" if language != "en" else "zh-hans",
        }
        return render(request, "surveys/web/question.html", context, status=400 if error else 200)
