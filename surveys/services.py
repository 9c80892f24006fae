"""Writes for customer surveys: the historical answer import."""

import datetime as dt
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agents.models import Agent, Site, Team, User
from agents.staff_import import RowError, decode_upload
from satisfaction import pagecache, sentiment
from satisfaction import services as scoring_services
from satisfaction.exceptions import NotFound, ValidationFailed
from satisfaction.models import CENTRE_KEY, DirtyChunk
from satisfaction.querycache import PreparedStatement
from satisfaction.tasks import schedule_debounced, schedule_recompute
from surveys.answer_import import ResponseRows, parse_answers_csv
from surveys.models import DEFAULT_DIMENSIONS, Answer, Contact, Item, Response, Survey, SurveyDimension

ANSWER_BATCH_SIZE = 5000
COMMENT_BATCH_SIZE = 500
# New comments are marked within a few seconds; one task takes all that arrived meanwhile.
CLASSIFY_DEBOUNCE_SECONDS = 3
CLASSIFY_SCHEDULED_KEY = "comments:classify-scheduled"


@dataclass
class AnswerImportResult:
    responses_created: int = 0
    answers_created: int = 0
    answers_updated: int = 0
    answers_unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)


def default_survey() -> Survey:
    """The centre's default post-call survey, created with the seed dimensions on first use."""
    survey = Survey.objects.filter(is_default=True).first()
    if survey is None:
        survey, _created = Survey.objects.get_or_create(
            code="post-call", defaults={"name_en": "Post-call survey", "name_zh": "通话后调查", "is_default": True}
        )
        for code in DEFAULT_DIMENSIONS:
            SurveyDimension.objects.get_or_create(survey=survey, code=code, defaults={"name_en": code, "name_zh": code})
    return survey


def import_responses(data: bytes) -> AnswerImportResult:
    """Import survey answers all or nothing; re-importing the same file changes nothing."""
    try:
        text = decode_upload(data)
    except ValueError as exc:
        # Callers read per-line details (DESIGN.md), so name the line of the first bad byte too.
        raise ValidationFailed(str(exc), details=[str(RowError(_line_of_first_bad_byte(data), str(exc)))]) from exc
    known_agents = set(Agent.objects.values_list("employee_number", flat=True))
    responses, errors = parse_answers_csv(text, known_agents=known_agents)
    if errors:
        raise ValidationFailed(details=[str(e) for e in errors])
    with transaction.atomic():
        result, touched = _write_responses(responses)
        site_codes = dict(Site.objects.values_list("id", "code"))
        chunks = scoring_services.chunks_for_answers(
            sites_and_times=[(site_codes[site_id], moment) for site_id, moment in touched]
        )
        scoring_services.mark_dirty(chunks=chunks)
        transaction.on_commit(schedule_recompute)
        # Comments are marked after commit, in batches: snownlp takes a few ms a comment.
        transaction.on_commit(schedule_comment_classification)
    return result


def _line_of_first_bad_byte(data: bytes) -> int:
    """The 1-based line holding the first byte that is not UTF-8."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return data.count(b"\n", 0, exc.start) + 1
    return 1


def _write_responses(rows: list[ResponseRows]) -> tuple[AnswerImportResult, list[tuple[int, dt.datetime]]]:
    result = AnswerImportResult()
    touched: list[tuple[int, dt.datetime]] = []
    survey = default_survey()
    agents = {
        a.employee_number: a
        for a in Agent.objects.select_related("team").filter(employee_number__in={r.agent for r in rows})
    }
    contacts = {
        c.external_id: c
        for c in Contact.objects.select_related("agent").filter(external_id__in=[r.contact_id for r in rows])
    }
    existing = {r.contact_id: r for r in Response.objects.filter(contact__in=contacts.values())}
    errors = []
    new_contacts = []
    for row in rows:
        contact = contacts.get(row.contact_id)
        if contact is not None and contact.agent.employee_number != row.agent:
            errors.append(
                RowError(
                    row.first_line,
                    _("contact %(c)s belongs to agent %(a)s")
                    % {"c": row.contact_id, "a": contact.agent.employee_number},
                )
            )
        elif contact is None:
            agent = agents[row.agent]
            contacts[row.contact_id] = contact = Contact(
                external_id=row.contact_id,
                agent=agent,
                team=agent.team,
                site_id=agent.team.site_id,
                started_at=row.answered_at,
                preferred_channel=row.channel,
            )
            new_contacts.append(contact)
    if errors:
        raise ValidationFailed(details=[str(e) for e in errors])
    Contact.objects.bulk_create(new_contacts, batch_size=ANSWER_BATCH_SIZE)

    new_responses = []
    for row in rows:
        contact = contacts[row.contact_id]
        response = existing.get(contact.id)
        if response is None:
            response = Response(
                contact=contact,
                survey=survey,
                channel=row.channel,
                answered_at=row.answered_at,
                agent=contact.agent,
                team_id=contact.team_id,
                site_id=contact.site_id,
                queue=contact.queue,
            )
            new_responses.append(response)
            existing[contact.id] = response
    Response.objects.bulk_create(new_responses, batch_size=ANSWER_BATCH_SIZE)
    result.responses_created = len(new_responses)

    current = {
        (a.response_id, a.item, a.dimension): a for a in Answer.objects.filter(response__in=list(existing.values()))
    }
    to_create, to_update = [], []
    team_sites = dict(Team.objects.values_list("id", "site_id"))
    for row in rows:
        response = existing[contacts[row.contact_id].id]
        changed = False
        for answer in row.answers:
            found = current.get((response.id, answer.item, answer.dimension))
            if found is None:
                to_create.append(
                    Answer(
                        response=response,
                        item=answer.item,
                        dimension=answer.dimension,
                        value=answer.value,
                        text=answer.text,
                    )
                )
                changed = True
            elif (found.value, found.text) != (answer.value, answer.text):
                found.value, found.text = answer.value, answer.text
                to_update.append(found)
                changed = True
            else:
                result.answers_unchanged += 1
        if changed:
            # Agent and team figures are computed in the chunk of their current site, which after a
            # transfer is not the site the contact was answered in: mark all of them stale.
            for site_id in {response.site_id, team_sites[response.team_id], agents[row.agent].team.site_id}:
                touched.append((site_id, response.answered_at))
    Answer.objects.bulk_create(to_create, batch_size=ANSWER_BATCH_SIZE)
    Answer.objects.bulk_update(to_update, ["value", "text"], batch_size=ANSWER_BATCH_SIZE)
    result.answers_created, result.answers_updated = len(to_create), len(to_update)
    return result, touched


def schedule_comment_classification() -> None:
    """Queue the classifier for new comments, debounced (it takes every pending comment at once);
    a down broker only delays it (beat sweeps)."""
    from surveys.tasks import classify_comments_task

    schedule_debounced(classify_comments_task, key=CLASSIFY_SCHEDULED_KEY, seconds=CLASSIFY_DEBOUNCE_SECONDS)


def classify_pending_comments(*, limit: int = COMMENT_BATCH_SIZE) -> int:
    """Mark up to ``limit`` unclassified comments negative, neutral or positive; stale their scores."""
    pending = list(
        Answer.objects.filter(item=Item.COMMENT, sentiment="").select_related("response").order_by("id")[:limit]
    )
    if not pending:
        return 0
    for answer in pending:
        answer.sentiment = sentiment.classify(answer.text)
    with transaction.atomic():
        Answer.objects.bulk_update(pending, ["sentiment"], batch_size=ANSWER_BATCH_SIZE)
        mark_responses_stale([a.response for a in pending if a.sentiment == Answer.Sentiment.NEGATIVE])
        transaction.on_commit(schedule_recompute)
        # The comment lists show the marks: kept dashboards are dropped now, not at the next scoring run.
        pagecache.bump()
    return len(pending)


@dataclass(frozen=True)
class ReclassifyResult:
    read: int
    changed: int
    to_negative: int
    from_negative: int


def reclassify_comments(*, since: dt.date | None = None, batch_size: int = COMMENT_BATCH_SIZE) -> ReclassifyResult:
    """Mark classified comments again with the current classifier (after it improved), a batch per
    transaction; optionally only comments answered on or after ``since``.

    A mark a person corrected is never touched, nor a comment whose text was erased (its mark is
    all that is left of it). Only changed marks are written; a comment that became or stopped being
    negative stales its response's scores (hidden dissatisfaction, SCORING.md §4).
    """
    comments = Answer.objects.filter(item=Item.COMMENT, sentiment_corrected_by__isnull=True).exclude(sentiment="")
    comments = comments.exclude(text="")
    if since is not None:
        comments = comments.filter(response__answered_at__date__gte=since)
    read = changed = to_negative = from_negative = 0
    last = 0
    negative = Answer.Sentiment.NEGATIVE
    while batch := list(comments.filter(pk__gt=last).select_related("response").order_by("pk")[:batch_size]):
        last = batch[-1].pk
        read += len(batch)
        moved, scored = [], []
        for answer in batch:
            label = sentiment.classify(answer.text)
            if label == answer.sentiment:
                continue
            if (label == negative) != (answer.sentiment == negative):
                to_negative += label == negative
                from_negative += answer.sentiment == negative
                scored.append(answer.response)
            answer.sentiment = label
            moved.append(answer)
        if not moved:
            continue
        changed += len(moved)
        with transaction.atomic():
            # One update per mark, of rows still uncorrected: a person's correction made meanwhile wins.
            for label in {answer.sentiment for answer in moved}:
                ids = [answer.pk for answer in moved if answer.sentiment == label]
                Answer.objects.filter(pk__in=ids, sentiment_corrected_by__isnull=True).update(sentiment=label)
            mark_responses_stale(scored)
            if scored:
                transaction.on_commit(schedule_recompute)
            # The comment lists show the marks.
            pagecache.bump()
    return ReclassifyResult(read=read, changed=changed, to_negative=to_negative, from_negative=from_negative)


def correct_comment_sentiment(*, answer_id: int, sentiment_label: str, user: User) -> Answer:
    """A person's correction of a comment's mark; the classifier never overrides it (issue 7)."""
    if sentiment_label not in Answer.Sentiment.values:
        raise ValidationFailed(details=[_("sentiment must be negative, neutral or positive")])
    try:
        answer = Answer.objects.select_related("response").get(pk=answer_id, item=Item.COMMENT)
    except Answer.DoesNotExist as exc:
        raise NotFound() from exc
    with transaction.atomic():
        answer.sentiment = sentiment_label
        answer.sentiment_corrected_by = user
        answer.save(update_fields=["sentiment", "sentiment_corrected_by"])
        mark_responses_stale([answer.response])
        transaction.on_commit(schedule_recompute)
        pagecache.bump()  # the supervisor who corrected it sees the correction on the next page
    return answer


def mark_responses_stale(responses: list[Response]) -> None:
    """Mark the score chunks of these responses stale; call inside the transaction that changed them."""
    if not responses:
        return
    # One read of just these responses' site codes: channels call this once per answer. Agent and
    # team figures are computed in the chunk of their current site (a transfer): mark those too.
    rows = (
        Response.objects.filter(pk__in={r.pk for r in responses})
        .order_by()
        .values_list("answered_at", "site__code", "team__site__code", "agent__team__site__code")
    )
    touched = [(code, answered_at) for answered_at, *codes in rows for code in set(codes)]
    scoring_services.mark_dirty(chunks=scoring_services.chunks_for_answers(sites_and_times=touched))


def mark_response_sql(slots: list[str], months: str) -> str:
    """The INSERT of one response's stale marks. ``slots`` are the SQL placeholders of its local day,
    the time of marking, its site, team and agent ids and the centre key; ``months`` is the FROM
    item naming its months (column ``month``). The site codes are read by the insert itself."""
    day, marked_at, site_id, team_id, agent_id, centre = slots
    site, team, agent = Site._meta.db_table, Team._meta.db_table, Agent._meta.db_table
    codes = (
        f"SELECT s.code FROM {site} s WHERE s.id = {site_id}"
        f" UNION SELECT s.code FROM {team} t JOIN {site} s ON s.id = t.site_id WHERE t.id = {team_id}"
        f" UNION SELECT s.code FROM {agent} a JOIN {team} t ON t.id = a.team_id"
        f" JOIN {site} s ON s.id = t.site_id WHERE a.id = {agent_id}"
        f" UNION SELECT {centre}"
    )
    return (
        f"INSERT INTO {DirtyChunk._meta.db_table} (site, month, day, marked_at)"
        f" SELECT codes.code, months.month, {day}, {marked_at} FROM ({codes}) codes CROSS JOIN {months}"
    )


# PostgreSQL plans this once per connection: planning its joins cost more than running them.
_MARK_RESPONSE = PreparedStatement(
    "satisfaction_mark_response",
    mark_response_sql(["$1", "$2", "$3", "$4", "$5", "$6"], "unnest($7) AS months (month)"),
    types=("date", "timestamptz", "bigint", "bigint", "bigint", "text", "date[]"),
)


def mark_response_stale(response: Response) -> None:
    """Mark one response's score chunks stale in a single statement (every channel, every answer).

    The same marks as ``mark_responses_stale``: the response's site, its team's and its agent's
    current site, and the centre, for its day's and its week's month, with its local day. The site codes are read by
    the insert itself, so an answer pays one round trip here instead of a read and an insert; on
    PostgreSQL the statement is prepared, planned once per connection.
    """
    sql, params = mark_response_stale_statement(response)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def mark_response_params(response: Response) -> list:
    """The values ``mark_response_sql``'s insert takes for one response: its local day, the time of
    marking, its site, team and agent ids, the centre key, and the months whose chunks it counts in
    (its day's and its week's)."""
    marks = scoring_services.chunks_for_answers(sites_and_times=[("", response.answered_at)])
    # The answer's local day: the recompute replaces only that day's, week's and month's snapshots.
    (day,) = {day for _site, _month, day in marks}
    months = sorted({month for _site, month, _day in marks})
    return [day, timezone.now(), response.site_id, response.team_id, response.agent_id, CENTRE_KEY, months]


def mark_response_stale_statement(response: Response) -> tuple[str, list]:
    """``mark_response_stale``'s statement and parameters, for a caller sending it with other writes.

    On PostgreSQL an ``EXECUTE`` of the prepared insert (prepared here first on a new connection).
    """
    params = mark_response_params(response)
    if connection.vendor == "postgresql":
        return _MARK_RESPONSE.statement(params)
    day, marked_at, *ids, months = params
    ops = connection.ops
    month_rows = " UNION ".join(["SELECT %s AS month"] * len(months))
    sql = mark_response_sql(["%s"] * 6, f"({month_rows}) months")
    # Only table names are formatted in; every value is a parameter, adapted as the ORM would.
    params = [
        ops.adapt_datefield_value(day),
        ops.adapt_datetimefield_value(marked_at),
        *ids,
        *(ops.adapt_datefield_value(month) for month in months),
    ]
    return sql, params
