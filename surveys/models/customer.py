"""Surveys, contacts, invitations, responses and answers (SCORING.md §1)."""

import hashlib

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agents.models import Agent, Site, Team

__all__ = [
    "DEFAULT_DIMENSIONS",
    "DIMENSION_ITEMS",
    "ITEM_SCALES",
    "KANO_ITEMS",
    "PAIR_SCALE",
    "RESERVED_DIMENSIONS",
    "RESERVED_DIMENSION_SUFFIXES",
    "SHORT_FORM_MAX_QUESTIONS",
    "Answer",
    "Channel",
    "Contact",
    "InboundSms",
    "Integration",
    "Invitation",
    "Item",
    "OptOut",
    "Question",
    "Response",
    "SmsMessage",
    "Survey",
    "SurveyDimension",
    "SurveyVersion",
    "WebhookDelivery",
    "dimension_collides",
    "mask_phone",
    "phone_digest",
    "validate_dimension_code",
]

# SCORING.md §1: the pair scale of expectation/experience items.
PAIR_SCALE = (1, 7)
DEFAULT_DIMENSIONS = ("convenience", "assurance", "reliability", "empathy")


class Channel(models.TextChoices):
    IVR = "ivr", _("IVR keypad")
    SMS = "sms", _("SMS")
    WEB = "web", _("Web link")


class Item(models.TextChoices):
    CSAT = "csat", _("Overall satisfaction (CSAT)")
    NPS = "nps", _("Likelihood to recommend (NPS)")
    CES = "ces", _("Customer effort (CES)")
    FCR = "fcr", _("Resolved in this contact (FCR)")
    EXPECTATION = "expectation", _("Expectation")
    EXPERIENCE = "experience", _("Experience")
    DISCONFIRMATION = "disconfirmation", _("Compared with expectation")
    COMMENT = "comment", _("Comment")
    KANO_FUNCTIONAL = "kano_functional", _("Kano: if the service had it")
    KANO_DYSFUNCTIONAL = "kano_dysfunctional", _("Kano: if the service lacked it")


# SCORING.md §1: the scale each numeric item is answered on.
ITEM_SCALES: dict[str, tuple[int, int]] = {
    Item.CSAT: (1, 5),
    Item.NPS: (0, 10),
    Item.CES: (1, 7),
    Item.EXPECTATION: PAIR_SCALE,
    Item.EXPERIENCE: PAIR_SCALE,
    Item.DISCONFIRMATION: (1, 5),
    # SCORING.md §6: 1 like, 2 must-be, 3 neutral, 4 live-with, 5 dislike.
    Item.KANO_FUNCTIONAL: (1, 5),
    Item.KANO_DYSFUNCTIONAL: (1, 5),
}
DIMENSION_ITEMS = frozenset({Item.EXPECTATION, Item.EXPERIENCE, Item.DISCONFIRMATION})
# SCORING.md §9 names gap_<d>, gap_<d>_n, gap_<d>_sd, ...; experience_mean is §4's mean experience
# of a response: a dimension coded like one of these would collide with another figure's name.
RESERVED_DIMENSIONS = frozenset({"n", "sd", "ci_low", "ci_high", "mean"})
RESERVED_DIMENSION_SUFFIXES = ("_n", "_sd", "_ci_low", "_ci_high")


def dimension_collides(code: str) -> bool:
    """Whether a dimension ``code`` would make a figure name that another figure already has."""
    return code in RESERVED_DIMENSIONS or code.endswith(RESERVED_DIMENSION_SUFFIXES)


def validate_dimension_code(code: str) -> None:
    """Refuse dimension codes whose figure names would collide (survey builder, API, admin)."""
    if code and dimension_collides(code):
        raise ValidationError(
            _("dimension %(v)s collides with the names of gap figures"), code="reserved", params={"v": code}
        )


# Kano answers carry the service attribute's code in ``dimension`` (SCORING.md §6).
KANO_ITEMS = frozenset({Item.KANO_FUNCTIONAL, Item.KANO_DYSFUNCTIONAL})
ITEM_MAX_LENGTH = 20
# Issue 4: IVR and SMS carry a short form; a keypad or a text thread loses people after five questions.
SHORT_FORM_MAX_QUESTIONS = 5


class Survey(models.Model):
    code = models.SlugField(_("code"), max_length=50, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    is_default = models.BooleanField(
        _("default post-call survey"),
        default=False,
        help_text=_("Imported answers and new contacts use the default survey."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="one_default_survey"
            )
        ]

    def __str__(self) -> str:
        return self.code

    def current_version(self) -> "SurveyVersion | None":
        """The newest version: the one new invitations ask."""
        return self.versions.order_by("-number").first()


class SurveyVersion(models.Model):
    """A frozen list of questions; editing a survey that has answers makes a new one (issue 4)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="versions", verbose_name=_("survey"))
    number = models.PositiveIntegerField(_("version"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # Bumped whenever an unanswered version's questions are edited in place: with the id and
    # ``created_at`` it keys the per-process question cache (``selectors.form_questions``).
    revision = models.PositiveIntegerField(_("revision"), default=1, editable=False)

    class Meta:
        ordering = ["survey", "-number"]
        verbose_name = _("survey version")
        verbose_name_plural = _("survey versions")
        constraints = [models.UniqueConstraint(fields=["survey", "number"], name="unique_survey_version")]

    def __str__(self) -> str:
        return f"{self.survey.code} v{self.number}"


class Question(models.Model):
    """One question of a survey version, asked on the channels it is marked for."""

    version = models.ForeignKey(
        SurveyVersion, on_delete=models.CASCADE, related_name="questions", verbose_name=_("survey version")
    )
    position = models.PositiveSmallIntegerField(_("position"))
    item = models.CharField(_("item"), max_length=ITEM_MAX_LENGTH, choices=Item.choices)
    dimension = models.CharField(
        _("dimension or Kano attribute"),
        max_length=32,
        blank=True,
        default="",
        help_text=_("Empty for overall items."),
        validators=[validate_dimension_code],
    )
    text_en = models.CharField(_("text (English)"), max_length=300)
    text_zh = models.CharField(_("text (Chinese)"), max_length=300)
    on_web = models.BooleanField(_("asked on the web"), default=True)
    on_sms = models.BooleanField(_("asked by SMS"), default=False)
    on_ivr = models.BooleanField(_("asked in the IVR"), default=False)
    # Simple skip logic: ask only when an earlier item's answer lies in [ask_if_min, ask_if_max].
    ask_if_item = models.CharField(_("ask only if item"), max_length=ITEM_MAX_LENGTH, choices=Item.choices, blank=True)
    ask_if_min = models.FloatField(_("… is at least"), null=True, blank=True)
    ask_if_max = models.FloatField(_("… is at most"), null=True, blank=True)

    class Meta:
        ordering = ["version", "position"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        constraints = [
            models.UniqueConstraint(fields=["version", "position"], name="unique_question_position"),
        ]

    def __str__(self) -> str:
        return f"{self.version}#{self.position} {self.item}:{self.dimension}"

    def text(self, language: str) -> str:
        """The wording in ``language`` (Chinese unless English is asked for)."""
        return self.text_en if language.startswith("en") else self.text_zh

    def asked_on(self, channel: str) -> bool:
        """Whether the channel's form carries this question."""
        return {Channel.WEB: self.on_web, Channel.SMS: self.on_sms, Channel.IVR: self.on_ivr}.get(channel, False)


class SurveyDimension(models.Model):
    """A service dimension of a survey with its importance weight (SCORING.md §2)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="dimensions")
    code = models.SlugField(_("code"), max_length=32, validators=[validate_dimension_code])
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    weight = models.FloatField(_("importance weight"), default=1.0)

    class Meta:
        ordering = ["survey", "code"]
        verbose_name = _("survey dimension")
        verbose_name_plural = _("survey dimensions")
        constraints = [models.UniqueConstraint(fields=["survey", "code"], name="unique_dimension_per_survey")]

    def __str__(self) -> str:
        return f"{self.survey.code}:{self.code}"


class Contact(models.Model):
    """A finished call or chat reported by the telephony platform."""

    external_id = models.CharField(_("contact id"), max_length=64, unique=True)
    agent = models.ForeignKey(Agent, on_delete=models.PROTECT, related_name="contacts", verbose_name=_("agent"))
    # The team and site at the time of the contact, so a transfer does not rewrite history.
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="contacts", verbose_name=_("team"))
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="contacts", verbose_name=_("site"))
    customer_phone = models.CharField(_("customer phone"), max_length=32, blank=True)
    started_at = models.DateTimeField(_("started"))
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    queue = models.CharField(_("queue"), max_length=50, blank=True)
    direction = models.CharField(_("direction"), max_length=10, default="inbound")
    preferred_channel = models.CharField(_("preferred channel"), max_length=8, choices=Channel.choices, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        indexes = [
            models.Index(fields=["agent", "started_at"]),
            models.Index(fields=["team", "started_at"]),
            # Quarantine and the monthly cap look a customer's earlier contacts up by phone.
            models.Index(fields=["customer_phone", "started_at"]),
        ]

    def __str__(self) -> str:
        return self.external_id

    @property
    def masked_phone(self) -> str:
        """The phone with all but the last four digits hidden."""
        return mask_phone(self.customer_phone)


def mask_phone(phone: str) -> str:
    """``+8613812345678`` → ``+86*******5678``: enough to recognise, not to dial."""
    if not phone:
        return ""
    keep_head = 3 if phone.startswith("+") else 0
    return phone[:keep_head] + "*" * max(len(phone) - keep_head - 4, 0) + phone[-4:]


class Invitation(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Not surveyed")

    class Language(models.TextChoices):
        CHINESE = "zh-hans", _("Simplified Chinese")
        ENGLISH = "en", _("English")

    contact = models.OneToOneField(Contact, on_delete=models.CASCADE, related_name="invitation")
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="invitations")
    survey_version = models.ForeignKey(
        SurveyVersion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invitations",
        verbose_name=_("survey version"),
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    language = models.CharField(_("language"), max_length=8, choices=Language.choices, default=Language.CHINESE)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.QUEUED)
    decision_reason = models.CharField(_("decision"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created"))
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    # Null for skipped invitations and imported history: only a sent survey needs a link.
    token = models.CharField(_("token"), max_length=64, unique=True, null=True, blank=True, editable=False)
    send_after = models.DateTimeField(_("send after"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    # Where the customer stopped: the position of the last question answered or passed, so a
    # survey resumes there; ``reasks`` counts re-asks of the next one (one clear re-ask, issue 4).
    last_position = models.PositiveSmallIntegerField(_("last question"), default=0)
    reasks = models.PositiveSmallIntegerField(_("re-asks"), default=0)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        indexes = [models.Index(fields=["status", "created_at"]), models.Index(fields=["status", "send_after"])]

    def __str__(self) -> str:
        return f"{self.contact_id}:{self.channel}:{self.status}"

    def is_expired(self, now) -> bool:
        """Whether the link or thread has run out of time."""
        return self.expires_at is not None and now >= self.expires_at

    def is_open(self, now) -> bool:
        """Whether the customer may still answer: sent, not finished, not expired."""
        return (
            self.token is not None
            and self.status != self.Status.SKIPPED
            and self.completed_at is None
            and not self.is_expired(now)
        )


class OptOut(models.Model):
    """A phone number that asked never to be surveyed again (issue 4: for good).

    Only a hash of the number is kept (issue 9), so the opt-out outlives the retention period
    and an erasure request; ``phone_hint`` keeps the masked form for people to recognise.
    """

    phone_hash = models.CharField(_("phone hash"), max_length=64, unique=True)
    phone_hint = models.CharField(_("phone (masked)"), max_length=32, blank=True)
    keyword = models.CharField(_("keyword"), max_length=32, blank=True)
    created_at = models.DateTimeField(_("opted out"), default=timezone.now)

    class Meta:
        verbose_name = _("opt-out")
        verbose_name_plural = _("opt-outs")

    def __str__(self) -> str:
        return self.phone_hint or self.phone_hash[:12]

    @property
    def masked_phone(self) -> str:
        """The phone with all but the last four digits hidden (blank once erased)."""
        return self.phone_hint


def phone_digest(phone: str) -> str:
    """The stored form of an opted-out number: SHA-256 of the number as the channels see it."""
    return hashlib.sha256(f"opt-out:{phone.strip()}".encode()).hexdigest()


class WebhookDelivery(models.Model):
    """One accepted webhook delivery; the unique key makes a retried delivery write nothing twice."""

    provider = models.CharField(_("provider"), max_length=64)
    delivery_id = models.CharField(_("delivery id"), max_length=128)
    kind = models.CharField(_("kind"), max_length=32)
    invitation = models.ForeignKey(
        Invitation, on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries"
    )
    received_at = models.DateTimeField(_("received"), default=timezone.now)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(fields=["provider", "delivery_id"], name="unique_webhook_delivery"),
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.delivery_id}"


class SmsMessage(models.Model):
    """An SMS sent or received about an invitation; the number stays on the contact."""

    class Direction(models.TextChoices):
        OUTBOUND = "out", _("Sent")
        INBOUND = "in", _("Received")

    invitation = models.ForeignKey(
        Invitation, on_delete=models.CASCADE, null=True, blank=True, related_name="sms_messages"
    )
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    provider_sid = models.CharField(_("provider message id"), max_length=64, null=True, blank=True, unique=True)
    body = models.TextField(_("text"))
    segments = models.PositiveSmallIntegerField(_("segments"), default=1)
    status = models.CharField(_("status"), max_length=16, blank=True)
    error_code = models.CharField(_("error code"), max_length=16, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("SMS message")
        verbose_name_plural = _("SMS messages")

    def __str__(self) -> str:
        return f"{self.direction}:{self.provider_sid or self.pk}"


class InboundSms(models.Model):
    """A customer's text as the webhook received it, kept until a worker has stored its answer.

    The webhook only inserts this row (the unique message id makes a retried delivery write
    nothing) and answers Twilio at once; ``sms.process_inbox`` then stores the answer and texts the
    next question, oldest text first per number. The number and the text are blanked once the
    text is processed: the number stays on the contact, the answer in the answers. A text that
    keeps failing is set aside with its error after a few attempts, number and text kept.
    """

    message_sid = models.CharField(_("provider message id"), max_length=64, unique=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    body = models.TextField(_("text"), blank=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.CharField(_("error"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("received text")
        verbose_name_plural = _("received texts")
        indexes = [
            # The worker's queue: texts not yet processed, by number and arrival.
            models.Index(
                fields=["phone", "id"], name="surveys_inboundsms_pending", condition=models.Q(processed_at__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return self.message_sid


class Integration(models.Model):
    """A telephony platform posting IVR results, with its own HMAC-SHA256 secret."""

    name = models.SlugField(_("name"), max_length=50, unique=True)
    secret = models.CharField(_("secret"), max_length=128)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("integration")
        verbose_name_plural = _("integrations")

    def __str__(self) -> str:
        return self.name


class Response(models.Model):
    """One customer's answers about one contact (DESIGN.md: rows sharing a contact_id)."""

    contact = models.OneToOneField(Contact, on_delete=models.CASCADE, related_name="response")
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="responses")
    # The version that was asked; null for imported history, which predates versions.
    survey_version = models.ForeignKey(
        SurveyVersion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="responses",
        verbose_name=_("survey version"),
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    answered_at = models.DateTimeField(_("answered"))
    # Copied from the contact so the scoring loader reads one table without joins.
    agent = models.ForeignKey(Agent, on_delete=models.PROTECT, related_name="responses")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="responses")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="responses")
    # The contact's queue (the dashboards' queue cut); rows written with COPY get "" from the database.
    queue = models.CharField(_("queue"), max_length=50, blank=True, default="", db_default="")

    class Meta:
        ordering = ["-answered_at"]
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        indexes = [
            models.Index(fields=["answered_at"]),
            models.Index(fields=["team", "answered_at"]),
            models.Index(fields=["agent", "answered_at"]),
        ]

    def __str__(self) -> str:
        return f"response to {self.contact_id}"


class Answer(models.Model):
    class Sentiment(models.TextChoices):
        NEGATIVE = "negative", _("Negative")
        NEUTRAL = "neutral", _("Neutral")
        POSITIVE = "positive", _("Positive")

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    item = models.CharField(_("item"), max_length=ITEM_MAX_LENGTH, choices=Item.choices)
    dimension = models.CharField(_("dimension"), max_length=32, blank=True, default="")
    value = models.FloatField(_("value"), null=True, blank=True)
    text = models.TextField(_("text"), blank=True)
    sentiment = models.CharField(_("sentiment"), max_length=10, choices=Sentiment.choices, blank=True)
    # Set when a supervisor corrects the classifier; a corrected mark is never reclassified.
    sentiment_corrected_by = models.ForeignKey(
        "agents.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sentiment corrected by"),
    )

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [models.UniqueConstraint(fields=["response", "item", "dimension"], name="one_answer_per_item")]

    def __str__(self) -> str:
        return f"{self.item}:{self.dimension}={self.value}"
