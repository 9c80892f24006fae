"""Writes of grievance (委屈件) and praise (表扬件) tickets: filing, opening, quality's verdict."""

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from agents.models import (
    GRIEVANCE_POINTS,
    GRIEVANCE_SLA,
    PRAISE_POINTS,
    PRAISE_SLA,
    Agent,
    Grievance,
    Praise,
    TicketStatus,
    User,
)
from agents.services.notifications import notify
from satisfaction import services as scoring_services
from satisfaction.audit import AuditAction, record_audit
from satisfaction.exceptions import Conflict, ValidationFailed
from satisfaction.tasks import schedule_recompute
from surveys.models import Answer, Contact, Item, Response

MAX_DESCRIPTION = 4000


def file_grievance(*, agent: Agent, contact: Contact, description: str, filed_by: User | None) -> Grievance:
    """An agent's grievance about an abusive, threatening or unreasonable caller on one of their contacts."""
    description = _clean_text(description, what=_("Describe what the caller said or did."))
    if contact.agent_id != agent.pk:
        raise ValidationFailed(_("A grievance can only be filed on one of the agent's own contacts."))
    if Grievance.objects.filter(contact=contact).exists():
        raise Conflict(_("A grievance has already been filed on contact %(c)s.") % {"c": contact.external_id})
    now = timezone.now()
    return Grievance.objects.create(
        contact=contact,
        agent=agent,
        description=description,
        filed_by=filed_by,
        filed_at=now,
        due_at=now + GRIEVANCE_SLA,
    )


def verify_grievance(grievance: Grievance, *, upheld: bool, reason: str, verified_by: User) -> Grievance:
    """Quality's verdict; an upheld grievance protects the agent's own scores (SCORING.md §7) and earns points."""
    reason = _clean_text(reason, what=_("Give the reason for the verdict."))
    with transaction.atomic():
        grievance = _open_ticket(Grievance, grievance.pk)
        _record_verdict(grievance, upheld=upheld, reason=reason, verified_by=verified_by, points=GRIEVANCE_POINTS)
        if upheld:
            _mark_agent_scores_stale(grievance)
        if grievance.agent.user_id:
            with translation.override(settings.LANGUAGE_CODE):
                text = (
                    _("Your grievance on contact %(c)s was upheld: %(r)s")
                    if upheld
                    else _("Your grievance on contact %(c)s was not upheld: %(r)s")
                ) % {"c": grievance.contact.external_id, "r": reason}
            notify(users=[grievance.agent.user], text=text, link=reverse("agents:grievance", args=[grievance.pk]))
    return grievance


def open_praise(
    *,
    agent: Agent,
    description: str,
    opened_by: User | None,
    contact: Contact | None = None,
    quote: str = "",
) -> Praise:
    """Praise for an agent: from a customer's survey comment on a contact, or a supervisor's own report."""
    description = _clean_text(description, what=_("Say what the agent is praised for."))
    if contact is not None:
        if contact.agent_id != agent.pk:
            raise ValidationFailed(_("The contact was handled by another agent."))
        if Praise.objects.filter(contact=contact).exists():
            raise Conflict(_("Praise has already been opened on contact %(c)s.") % {"c": contact.external_id})
        quote = quote.strip() or _survey_comment(contact)
    now = timezone.now()
    return Praise.objects.create(
        agent=agent,
        contact=contact,
        source=Praise.Source.SURVEY_COMMENT if quote else Praise.Source.SUPERVISOR,
        quote=quote.strip(),
        description=description,
        opened_by=opened_by,
        opened_at=now,
        due_at=now + PRAISE_SLA,
    )


def verify_praise(praise: Praise, *, upheld: bool, reason: str, verified_by: User) -> Praise:
    """Quality's verdict; upheld praise counts in the agent's performance and shows on the recognition page."""
    reason = _clean_text(reason, what=_("Give the reason for the verdict."))
    with transaction.atomic():
        praise = _open_ticket(Praise, praise.pk)
        _record_verdict(praise, upheld=upheld, reason=reason, verified_by=verified_by, points=PRAISE_POINTS)
        if upheld and praise.agent.user_id:
            with translation.override(settings.LANGUAGE_CODE):
                text = _("You were praised, and quality confirmed it: %(d)s") % {"d": praise.description}
            notify(users=[praise.agent.user], text=text, link=reverse("agents:recognition"))
    return praise


def _open_ticket(model: type[Grievance] | type[Praise], pk: int) -> Grievance | Praise:
    """The ticket locked for its verdict, or ``Conflict`` when it already has one."""
    ticket = model.objects.select_for_update(of=("self",)).select_related("agent__user", "contact").get(pk=pk)
    if ticket.status != TicketStatus.OPEN:
        raise Conflict(_("This ticket has already been verified."))
    return ticket


def _record_verdict(ticket: Grievance | Praise, *, upheld: bool, reason: str, verified_by: User, points: int) -> None:
    ticket.status = TicketStatus.UPHELD if upheld else TicketStatus.REJECTED
    ticket.verification_reason = reason
    ticket.verified_by = verified_by
    ticket.verified_at = timezone.now()
    ticket.points = points if upheld else 0
    ticket.save(update_fields=["status", "verification_reason", "verified_by", "verified_at", "points"])
    record_audit(actor=verified_by, action=AuditAction.TICKET_VERIFIED, obj=ticket, detail={"upheld": upheld})


def _mark_agent_scores_stale(grievance: Grievance) -> None:
    """The contact's response leaves the agent's figures, so their chunks are recomputed (SCORING.md §7)."""
    response = Response.objects.select_related("site", "agent__team__site").filter(contact=grievance.contact).first()
    if response is None:
        return
    sites = {response.site.code, response.agent.team.site.code}
    chunks = scoring_services.chunks_for_answers(sites_and_times=[(s, response.answered_at) for s in sites])
    scoring_services.mark_dirty(chunks=chunks)
    transaction.on_commit(schedule_recompute)


def _survey_comment(contact: Contact) -> str:
    answer = Answer.objects.filter(response__contact=contact, item=Item.COMMENT).exclude(text="").first()
    return answer.text if answer else ""


def _clean_text(text: str, *, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationFailed(what)
    if len(text) > MAX_DESCRIPTION:
        raise ValidationFailed(_("The text is longer than %(n)s characters.") % {"n": MAX_DESCRIPTION})
    return text
