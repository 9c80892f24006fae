"""Survey definitions: the two ready-made templates (seeds 000 and 003) and versioned revisions.

A version is frozen once it has answers: revising such a survey makes a new version, so every
answer keeps referring to the questions that were actually asked (issue 4).
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from satisfaction.exceptions import ValidationFailed
from surveys.models import (
    DIMENSION_ITEMS,
    KANO_ITEMS,
    SHORT_FORM_MAX_QUESTIONS,
    Channel,
    Item,
    Question,
    Response,
    Survey,
    SurveyDimension,
    SurveyVersion,
)

POST_CALL_CODE = "post-call-servqual"
KANO_CODE = "kano-service-attributes"
# Seed 000: the four customer needs, with their Chinese names; reliability weighs most (SCORING.md §2).
SEED_DIMENSIONS = (
    ("convenience", "便捷性", "Convenience", 1.0),
    ("assurance", "专业可信", "Assurance", 1.0),
    ("reliability", "可靠性", "Reliability", 1.5),
    ("empathy", "同理心", "Empathy", 1.0),
)
PAIR_WORDING = {
    "convenience": ("reaching us quickly and easily", "快速、方便地联系到我们"),
    "assurance": ("a competent and courteous agent", "座席专业、礼貌"),
    "reliability": ("your problem solved as promised", "问题按承诺得到解决"),
    "empathy": ("being understood and cared for", "被理解、被关心"),
}
# Seed 003: service attributes of a Kano study (functional / dysfunctional pair each, SCORING.md §6).
KANO_ATTRIBUTES = (
    ("short-wait", "an answer within 20 seconds", "20秒内接通"),
    ("callback", "a call back instead of waiting in the queue", "排队时可预约回拨"),
    ("same-agent", "the same agent for a follow-up", "后续由同一位座席跟进"),
    ("sms-summary", "an SMS summary of what was agreed", "通话后短信发送处理结果"),
    ("knows-history", "an agent who already knows your last contacts", "座席了解您之前的来电记录"),
)
KANO_SCALE_EN = "1 I like it, 2 it must be so, 3 neutral, 4 I can live with it, 5 I dislike it"
KANO_SCALE_ZH = "1 喜欢，2 理应如此，3 无所谓，4 能忍受，5 不喜欢"


@dataclass(frozen=True)
class QuestionSpec:
    item: str
    text_en: str
    text_zh: str
    dimension: str = ""
    on_web: bool = True
    on_sms: bool = False
    on_ivr: bool = False
    ask_if_item: str = ""
    ask_if_min: float | None = None
    ask_if_max: float | None = None


def post_call_questions() -> list[QuestionSpec]:
    """Seed 000: overall csat, short disconfirmation items for IVR/SMS, expectation/experience pairs on the web."""
    specs = [
        QuestionSpec(
            Item.CSAT,
            "Overall, how satisfied are you with this call? Reply 1-5 (5 = very satisfied).",
            "您对本次通话总体满意吗？请回复1-5（5=非常满意）。",
            on_sms=True,
            on_ivr=True,
        ),
    ]
    for code, short in (("convenience", True), ("reliability", True), ("empathy", False)):
        english, chinese = PAIR_WORDING[code]
        specs.append(
            QuestionSpec(
                Item.DISCONFIRMATION,
                f"Compared with what you expected, {english}: 1 much worse, 3 as expected, 5 much better.",
                f"与您的预期相比，{chinese}：1远差于预期，3符合预期，5远好于预期。",
                dimension=code,
                on_web=False,
                on_sms=short,
                on_ivr=True,
            )
        )
    for code, _zh, _en, _weight in SEED_DIMENSIONS:
        english, chinese = PAIR_WORDING[code]
        specs.append(
            QuestionSpec(
                Item.EXPECTATION,
                f"Before the call, how much did you expect {english}? 1-7",
                f"通话前，您对“{chinese}”的期望有多高？1-7",
                dimension=code,
            )
        )
        specs.append(
            QuestionSpec(
                Item.EXPERIENCE,
                f"And how did you find {english} on this call? 1-7",
                f"本次通话中，您实际感受到的“{chinese}”如何？1-7",
                dimension=code,
            )
        )
    specs += [
        QuestionSpec(
            Item.CES,
            "How easy was it to get your issue handled? 1 very hard - 7 very easy",
            "本次办理事情有多容易？1非常困难-7非常容易",
        ),
        QuestionSpec(
            Item.NPS,
            "How likely are you to recommend us to a friend? 0-10",
            "您有多大可能向朋友推荐我们？0-10",
        ),
        QuestionSpec(
            Item.FCR,
            "Was your issue resolved in this contact? Reply 1 yes, 2 no.",
            "您的问题在本次通话中解决了吗？是请回复1，否请回复2。",
            on_sms=True,
            on_ivr=True,
        ),
        # Skip logic (issue 4): by SMS, ask what went wrong only after a csat of 1 or 2.
        QuestionSpec(
            Item.COMMENT,
            "Sorry to hear that. What went wrong? Reply in a few words.",
            "很抱歉。哪里让您不满意？请简单回复。",
            on_web=False,
            on_sms=True,
            ask_if_item=Item.CSAT,
            ask_if_max=2,
        ),
        QuestionSpec(
            Item.COMMENT,
            "Anything else you would like to tell us?",
            "您还有什么想告诉我们的吗？",
        ),
    ]
    return specs


def kano_questions() -> list[QuestionSpec]:
    """Seed 003: a functional and a dysfunctional question per service attribute, after an overall csat."""
    specs = [
        QuestionSpec(Item.CSAT, "Overall, how satisfied are you with our service? 1-5", "您对我们的服务总体满意吗？1-5")
    ]
    for code, english, chinese in KANO_ATTRIBUTES:
        specs.append(
            QuestionSpec(
                Item.KANO_FUNCTIONAL,
                f"If you got {english}, how would you feel? {KANO_SCALE_EN}",
                f"如果提供“{chinese}”，您感觉如何？{KANO_SCALE_ZH}",
                dimension=code,
            )
        )
        specs.append(
            QuestionSpec(
                Item.KANO_DYSFUNCTIONAL,
                f"If you did not get {english}, how would you feel? {KANO_SCALE_EN}",
                f"如果不提供“{chinese}”，您感觉如何？{KANO_SCALE_ZH}",
                dimension=code,
            )
        )
    return specs


def check_question_specs(specs: list[QuestionSpec], *, dimensions: set[str]) -> list[str]:
    """Problems with a question list: short forms over five, missing dimensions, clashing answers."""
    problems = []
    for channel, flag in ((Channel.SMS, "on_sms"), (Channel.IVR, "on_ivr")):
        count = sum(1 for s in specs if getattr(s, flag))
        if count > SHORT_FORM_MAX_QUESTIONS:
            problems.append(
                _("the %(channel)s form has %(n)s questions; at most %(max)s")
                % {"channel": channel, "n": count, "max": SHORT_FORM_MAX_QUESTIONS}
            )
    seen: dict[tuple[str, str], list[QuestionSpec]] = {}
    for number, spec in enumerate(specs, start=1):
        if spec.item not in Item.values:
            problems.append(_("question %(n)s: unknown item %(v)s") % {"n": number, "v": spec.item})
            continue
        if spec.item in DIMENSION_ITEMS and spec.dimension not in dimensions:
            problems.append(
                _("question %(n)s: %(d)s is not a dimension of the survey") % {"n": number, "d": spec.dimension}
            )
        if spec.item in KANO_ITEMS and not spec.dimension:
            problems.append(_("question %(n)s: a Kano question needs an attribute code") % {"n": number})
        if spec.item not in DIMENSION_ITEMS | KANO_ITEMS and spec.dimension:
            problems.append(_("question %(n)s: %(item)s takes no dimension") % {"n": number, "item": spec.item})
        if spec.on_ivr and spec.item in (Item.COMMENT, *KANO_ITEMS):
            problems.append(
                _("question %(n)s: %(item)s cannot be asked on a keypad") % {"n": number, "item": spec.item}
            )
        for other in seen.get((spec.item, spec.dimension), []):
            # One answer per item and dimension: two such questions may not share a channel.
            if (spec.on_web and other.on_web) or (spec.on_sms and other.on_sms) or (spec.on_ivr and other.on_ivr):
                problems.append(_("question %(n)s asks the same item twice on one channel") % {"n": number})
        seen.setdefault((spec.item, spec.dimension), []).append(spec)
    return problems


def revise_survey(survey: Survey, *, specs: list[QuestionSpec]) -> SurveyVersion:
    """Set the survey's questions: in place while unanswered, otherwise as a new version."""
    dimensions = set(survey.dimensions.values_list("code", flat=True))
    if problems := check_question_specs(specs, dimensions=dimensions):
        raise ValidationFailed(details=problems)
    with transaction.atomic():
        Survey.objects.select_for_update().get(pk=survey.pk)
        current = survey.current_version()
        if current is None or Response.objects.filter(survey_version=current).exists():
            current = SurveyVersion.objects.create(survey=survey, number=(current.number + 1) if current else 1)
        else:
            current.questions.all().delete()
            note_questions_edited(current)
        Question.objects.bulk_create(
            [
                Question(version=current, position=position, **spec.__dict__)
                for position, spec in enumerate(specs, start=1)
            ]
        )
    return current


def note_questions_edited(version: SurveyVersion) -> None:
    """Record an in-place edit of an unanswered version's questions, so no process asks the old ones."""
    SurveyVersion.objects.filter(pk=version.pk).update(revision=F("revision") + 1)
    version.refresh_from_db(fields=["revision"])


def ensure_current_version(survey: Survey) -> SurveyVersion:
    """The survey's current version; a survey with none gets the post-call template for its dimensions."""
    current = survey.current_version()
    if current is not None:
        return current
    with transaction.atomic():
        # Two first contacts at once must not both create version 1.
        Survey.objects.select_for_update().get(pk=survey.pk)
        current = survey.current_version()
        if current is not None:
            return current
        codes = set(survey.dimensions.values_list("code", flat=True))
        specs = [s for s in post_call_questions() if s.item not in DIMENSION_ITEMS or s.dimension in codes]
        return revise_survey(survey, specs=specs)


def load_survey_templates() -> list[Survey]:
    """Create the ready-made post-call and Kano surveys (idempotent: existing ones are left alone)."""
    made = []
    for code, name_en, name_zh, specs in (
        (POST_CALL_CODE, "Post-call survey (SERVQUAL)", "通话后调查（期望与体验）", post_call_questions()),
        (KANO_CODE, "Kano study of service attributes", "服务属性卡诺调查", kano_questions()),
    ):
        with transaction.atomic():
            survey, created = Survey.objects.get_or_create(code=code, defaults={"name_en": name_en, "name_zh": name_zh})
            if created:
                for dimension, dim_zh, dim_en, weight in SEED_DIMENSIONS:
                    SurveyDimension.objects.create(
                        survey=survey, code=dimension, name_en=dim_en, name_zh=dim_zh, weight=weight
                    )
                revise_survey(survey, specs=specs)
        made.append(survey)
    return made
