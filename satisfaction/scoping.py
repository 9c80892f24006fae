"""Role scoping: the one place that decides which sites, teams and agents a user may see.

Every page, export, API endpoint and selector starts from these functions (STYLE.md).
Missing and hidden objects raise the same ``NotFound`` so scope cannot be probed.
"""

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from agents.models import (
    Agent,
    FollowUpCase,
    Grievance,
    KpiRecord,
    Praise,
    QualityEvaluation,
    Role,
    Site,
    Team,
    User,
)
from satisfaction.exceptions import NotFound, PermissionDenied
from surveys.models import Contact, PulseParticipation, PulseRound, Suggestion

# Roles that see the whole centre's customer and operational data.
CENTRE_WIDE_ROLES = frozenset({Role.ADMIN, Role.HR, Role.QUALITY})


def is_centre_wide(user: User) -> bool:
    """Whether the user sees every site and team."""
    return user.is_authenticated and (user.is_superuser or user.role in CENTRE_WIDE_ROLES)


def visible_teams(user: User) -> QuerySet[Team]:
    """Teams whose data the user may see."""
    teams = Team.objects.select_related("site")
    if not user.is_authenticated:
        return teams.none()
    if is_centre_wide(user):
        return teams.all()
    if user.role == Role.SUPERVISOR:
        return teams.filter(
            Q(site__in=user.supervised_sites.all()) | Q(pk__in=user.supervised_teams.all()) | Q(leader=user)
        ).distinct()
    return teams.none()


def visible_sites(user: User) -> QuerySet[Site]:
    """Sites the user may see at least one team of."""
    if is_centre_wide(user):
        return Site.objects.all()
    return Site.objects.filter(teams__in=visible_teams(user)).distinct()


def visible_agents(user: User) -> QuerySet[Agent]:
    """Agents whose data the user may see: their teams' agents, or only themselves."""
    agents = Agent.objects.select_related("team__site", "user")
    if not user.is_authenticated:
        return agents.none()
    if is_centre_wide(user):
        return agents.all()
    if user.role == Role.SUPERVISOR:
        return agents.filter(team__in=visible_teams(user))
    return agents.filter(user=user)


def can_see_centre(user: User) -> bool:
    """Whether centre-level figures (all sites together) may be shown to the user."""
    return is_centre_wide(user)


def get_agent_for_user(user: User, employee_number: str) -> Agent:
    """One agent the user may see, or ``NotFound`` (the same whether missing or hidden)."""
    try:
        return visible_agents(user).get(employee_number=employee_number)
    except Agent.DoesNotExist as exc:
        raise NotFound() from exc


def get_team_for_user(user: User, code: str) -> Team:
    """One team the user may see, or ``NotFound``."""
    try:
        return visible_teams(user).get(code=code)
    except Team.DoesNotExist as exc:
        raise NotFound() from exc


def get_site_for_user(user: User, code: str) -> Site:
    """One site the user may see, or ``NotFound``."""
    try:
        return visible_sites(user).get(code=code)
    except Site.DoesNotExist as exc:
        raise NotFound() from exc


def require_role(user: User, *roles: str) -> None:
    """Raise ``PermissionDenied`` unless the user has one of the roles (superusers pass)."""
    if not user.is_authenticated or not (user.is_superuser or user.role in roles):
        raise PermissionDenied()


def own_agent(user: User) -> Agent | None:
    """The agent record linked to this login, if any."""
    return Agent.objects.select_related("team__site").filter(user=user).first()


def visible_score_keys(user: User, level: str) -> set[str] | None:
    """Keys of the score snapshots the user may read at ``level``; None means every key.

    Site and centre figures mix many teams, so only those who oversee the whole site
    (or the centre) read them; an agent reads their own figures and their team's.
    """
    if is_centre_wide(user):
        return None
    own = own_agent(user) if user.is_authenticated and user.role == Role.AGENT else None
    if level == "agent":
        return set(visible_agents(user).values_list("employee_number", flat=True))
    if level == "team":
        if own is not None:
            return {own.team.code}
        return set(visible_teams(user).values_list("code", flat=True))
    if level == "site" and user.is_authenticated and user.role == Role.SUPERVISOR:
        return set(user.supervised_sites.values_list("code", flat=True))
    return set()


# --- employee pulses and staff voice (SCORING.md §5) ----------------------------------------

# Roles that build pulse surveys and read every pulse result (never an individual answer).
PULSE_MANAGER_ROLES = frozenset({Role.ADMIN, Role.HR})


def can_manage_pulses(user: User) -> bool:
    """Whether the user builds pulse surveys, reads all pulse results and answers every suggestion."""
    return user.is_authenticated and (user.is_superuser or user.role in PULSE_MANAGER_ROLES)


def require_pulse_manager(user: User) -> None:
    """Raise ``PermissionDenied`` unless the user manages pulses (HR, administrators)."""
    if not can_manage_pulses(user):
        raise PermissionDenied()


def visible_pulse_rounds(user: User) -> QuerySet[PulseRound]:
    """Rounds whose results the user may read: all for HR, shared surveys' rounds for team leaders."""
    rounds = PulseRound.objects.select_related("survey")
    if can_manage_pulses(user):
        return rounds.all()
    if user.is_authenticated and user.role == Role.SUPERVISOR:
        return rounds.filter(survey__share_with_team_leaders=True)
    return rounds.none()


def can_read_pulse_results(user: User) -> bool:
    """Whether the user may read any pulse results: HR, administrators and team leaders (if shared)."""
    return can_manage_pulses(user) or (user.is_authenticated and user.role == Role.SUPERVISOR)


def get_pulse_round_for_results(user: User, round_id: int) -> PulseRound:
    """One round whose results the user may read, or ``NotFound``."""
    try:
        return visible_pulse_rounds(user).get(pk=round_id)
    except (PulseRound.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound() from exc


def pulse_result_team_codes(user: User, pulse_round: PulseRound) -> frozenset[str] | None:
    """Teams whose pulse results the user may read in a round; None means every cut (HR).

    Agents never read pulse results; team leaders read their own teams only, and only when HR
    shares the survey with them.
    """
    if can_manage_pulses(user):
        return None
    if user.is_authenticated and user.role == Role.SUPERVISOR and pulse_round.survey.share_with_team_leaders:
        return frozenset(visible_teams(user).values_list("code", flat=True))
    raise PermissionDenied()


def own_pulse_participations(user: User) -> QuerySet[PulseParticipation]:
    """The user's own pulse invitations (the answers are never reachable from them)."""
    if not user.is_authenticated:
        return PulseParticipation.objects.none()
    return PulseParticipation.objects.select_related("round__survey").filter(agent__user=user)


def visible_suggestions(user: User) -> QuerySet[Suggestion]:
    """Suggestions the user may read and answer: all for HR, open ones from their teams for leaders."""
    if can_manage_pulses(user):
        return Suggestion.objects.all()
    if user.is_authenticated and user.role == Role.SUPERVISOR:
        codes = visible_teams(user).values_list("code", flat=True)
        return Suggestion.objects.filter(anonymous=False, team_code__in=codes)
    return Suggestion.objects.none()


def require_pulse_reader(user: User) -> None:
    """Raise ``PermissionDenied`` unless the user may read some pulse results (HR, administrators, team leaders)."""
    if not can_read_pulse_results(user):
        raise PermissionDenied()


def can_answer_suggestions(user: User) -> bool:
    """Whether the user answers staff suggestions: HR and administrators all, team leaders their teams'."""
    return can_read_pulse_results(user)


def get_suggestion_for_user(user: User, suggestion_id: str) -> Suggestion:
    """One suggestion the user may answer, or ``NotFound``."""
    try:
        return visible_suggestions(user).get(pk=suggestion_id)
    except (Suggestion.DoesNotExist, ValueError, ValidationError) as exc:
        raise NotFound() from exc


def own_suggestions(user: User) -> QuerySet[Suggestion]:
    """The user's open suggestions (anonymous ones keep no author and are followed by their code)."""
    if not user.is_authenticated:
        return Suggestion.objects.none()
    return Suggestion.objects.filter(author=user)


# --- Operations (issue 6): KPI records, quality evaluations, tickets and follow-up cases -----


def _of_visible_agents(user: User, rows: QuerySet) -> QuerySet:
    """Rows about agents the user may see: centre-wide roles all, leaders their teams, an agent their own."""
    if not user.is_authenticated:
        return rows.none()
    if is_centre_wide(user):
        return rows
    return rows.filter(agent__in=visible_agents(user))


def visible_kpi_records(user: User) -> QuerySet[KpiRecord]:
    """Daily KPI records the user may see."""
    return _of_visible_agents(user, KpiRecord.objects.select_related("agent__team"))


def visible_evaluations(user: User) -> QuerySet[QualityEvaluation]:
    """Quality evaluations the user may see."""
    return _of_visible_agents(user, QualityEvaluation.objects.select_related("agent__team", "evaluator", "contact"))


def visible_grievances(user: User) -> QuerySet[Grievance]:
    """Grievance tickets the user may see: quality and administrators all, leaders their teams', agents their own."""
    return _of_visible_agents(user, Grievance.objects.select_related("agent__team", "contact", "verified_by"))


def visible_praise(user: User) -> QuerySet[Praise]:
    """Praise tickets the user may see."""
    return _of_visible_agents(user, Praise.objects.select_related("agent__team", "contact", "verified_by"))


def get_grievance_for_user(user: User, pk: int) -> Grievance:
    """One grievance the user may see, or ``NotFound``."""
    try:
        return visible_grievances(user).get(pk=pk)
    except (Grievance.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound() from exc


def get_praise_for_user(user: User, pk: int) -> Praise:
    """One praise ticket the user may see, or ``NotFound``."""
    try:
        return visible_praise(user).get(pk=pk)
    except (Praise.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound() from exc


def visible_cases(user: User) -> QuerySet[FollowUpCase]:
    """Follow-up cases the user may see: their teams' and those assigned to them; agents see none."""
    cases = FollowUpCase.objects.select_related("agent", "team__site", "assignee", "contact")
    if not user.is_authenticated:
        return cases.none()
    if is_centre_wide(user):
        return cases.all()
    if user.role == Role.SUPERVISOR:
        return cases.filter(Q(team__in=visible_teams(user)) | Q(assignee=user))
    return cases.none()


def own_contact_cases(user: User) -> QuerySet[FollowUpCase]:
    """Follow-up cases about the contacts of the user's own agent record (an agent's page, issue 8)."""
    if not user.is_authenticated:
        return FollowUpCase.objects.none()
    return FollowUpCase.objects.select_related("contact").filter(agent__user=user, contact__isnull=False)


def get_case_for_user(user: User, pk: int) -> FollowUpCase:
    """One follow-up case the user may see, or ``NotFound``."""
    try:
        return visible_cases(user).get(pk=pk)
    except (FollowUpCase.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound() from exc


def recognition_agents(user: User) -> QuerySet[Agent]:
    """Agents whose recognition the user sees: an agent sees their own team's (seed 000: recognition among peers)."""
    if user.is_authenticated and user.role == Role.AGENT and not user.is_superuser:
        own = own_agent(user)
        return Agent.objects.filter(team_id=own.team_id) if own else Agent.objects.none()
    return visible_agents(user)


def get_contact_for_user(user: User, external_id: str, *, related: tuple[str, ...] = ()) -> Contact:
    """One contact of an agent the user may see, by its external id, or ``NotFound``.

    ``related`` names further relations read in the same query (``select_related``).
    """
    contacts = Contact.objects.select_related("agent__team", *related)
    if not is_centre_wide(user):
        contacts = contacts.filter(agent__in=visible_agents(user))
    try:
        return contacts.get(external_id=external_id)
    except Contact.DoesNotExist as exc:
        raise NotFound() from exc
