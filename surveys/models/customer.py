"""Surveys, contacts, invitations, responses and answers (SCORING.md §1)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from agents.models import Agent, Site, Team

__all__ = [
    "DEFAULT_DIMENSIONS",
    "DIMENSION_ITEMS",
    "ITEM_SCALES",
    "PAIR_SCALE",
    "Answer",
    "Channel",
    "Contact",
    "Invitation",
    "Item",
    "Response",
    "Survey",
    "SurveyDimension",
    "mask_phone",
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


# SCORING.md §1: the scale each numeric item is answered on.
ITEM_SCALES: dict[str, tuple[int, int]] = {
    Item.CSAT: (1, 5),
    Item.NPS: (0, 10),
    Item.CES: (1, 7),
    Item.EXPECTATION: PAIR_SCALE,
    Item.EXPERIENCE: PAIR_SCALE,
    Item.DISCONFIRMATION: (1, 5),
}
DIMENSION_ITEMS = frozenset({Item.EXPECTATION, Item.EXPERIENCE, Item.DISCONFIRMATION})


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


class SurveyDimension(models.Model):
    """A service dimension of a survey with its importance weight (SCORING.md §2)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="dimensions")
    code = models.SlugField(_("code"), max_length=32)
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
        indexes = [models.Index(fields=["agent", "started_at"]), models.Index(fields=["team", "started_at"])]

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

    contact = models.OneToOneField(Contact, on_delete=models.CASCADE, related_name="invitation")
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="invitations")
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.QUEUED)
    decision_reason = models.CharField(_("decision"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created"))
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.contact_id}:{self.channel}:{self.status}"


class Response(models.Model):
    """One customer's answers about one contact (DESIGN.md: rows sharing a contact_id)."""

    contact = models.OneToOneField(Contact, on_delete=models.CASCADE, related_name="response")
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="responses")
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    answered_at = models.DateTimeField(_("answered"))
    # Copied from the contact so the scoring loader reads one table without joins.
    agent = models.ForeignKey(Agent, on_delete=models.PROTECT, related_name="responses")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="responses")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="responses")

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
    item = models.CharField(_("item"), max_length=16, choices=Item.choices)
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
