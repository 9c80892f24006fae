"""Writes for the organisation: staff imports, logins and roles."""

from dataclasses import dataclass, field

from django.db import transaction

from agents.models import Agent, Role, Site, Team, User
from agents.staff_import import AgentRow, RowError, decode_upload, parse_agents_csv
from satisfaction.exceptions import ValidationFailed


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)


def import_agents(data: bytes) -> ImportResult:
    """Import a staff list all or nothing; raise ``ValidationFailed`` listing every bad row."""
    try:
        text = decode_upload(data)
    except ValueError as exc:
        raise ValidationFailed(str(exc)) from exc
    rows, errors = parse_agents_csv(text)
    if errors:
        raise ValidationFailed(details=[str(e) for e in errors])
    with transaction.atomic():
        return _write_agents(rows)


def _write_agents(rows: list[AgentRow]) -> ImportResult:
    result = ImportResult()
    sites = {s.code: s for s in Site.objects.filter(code__in={r.site for r in rows})}
    teams = {t.code: t for t in Team.objects.select_related("site").filter(code__in={r.team for r in rows})}
    agents = {a.employee_number: a for a in Agent.objects.filter(employee_number__in=[r.employee_number for r in rows])}
    users_by_email = {u.email.lower(): u for u in User.objects.filter(email__in=[r.email for r in rows if r.email])}
    errors = []
    for row in rows:
        site = sites.get(row.site) or sites.setdefault(row.site, Site.objects.create(code=row.site, name=row.site))
        team = teams.get(row.team)
        if team is None:
            team = teams[row.team] = Team.objects.create(code=row.team, name=row.team, site=site)
        elif team.site_id != site.id:
            errors.append(RowError(row.line, f"team {row.team} belongs to site {team.site.code}"))
            continue
        user = _login_for(row, users_by_email)
        agent = agents.get(row.employee_number)
        wanted = {"name": row.name, "team_id": team.id, "hire_date": row.hire_date}
        if user is not None:
            wanted["user_id"] = user.id
        if agent is None:
            Agent.objects.create(employee_number=row.employee_number, **wanted)
            result.created += 1
        elif any(getattr(agent, k) != v for k, v in wanted.items()):
            for key, value in wanted.items():
                setattr(agent, key, value)
            agent.save(update_fields=[k.removesuffix("_id") for k in wanted])
            result.updated += 1
        else:
            result.unchanged += 1
    if errors:
        # Raising inside the atomic block rolls back the sites and teams created above.
        raise ValidationFailed(details=[str(e) for e in errors])
    return result


def _login_for(row: AgentRow, users_by_email: dict[str, User]) -> User | None:
    if not row.email:
        return None
    user = users_by_email.get(row.email)
    if user is None:
        user = User(username=row.email, email=row.email, role=Role.AGENT, first_name=row.name[:150])
        user.set_unusable_password()
        user.save()
        users_by_email[row.email] = user
    return user
