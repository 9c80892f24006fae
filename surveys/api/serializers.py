from rest_framework import serializers

from surveys.models import validate_dimension_code


class AnswerImportOutputSerializer(serializers.Serializer):
    responses_created = serializers.IntegerField()
    answers_created = serializers.IntegerField()
    answers_updated = serializers.IntegerField()
    answers_unchanged = serializers.IntegerField()


class ContactInputSerializer(serializers.Serializer):
    """A finished contact from the telephony platform (DESIGN.md flow 1)."""

    external_id = serializers.CharField(max_length=64)
    agent = serializers.CharField(max_length=32, help_text="The agent's employee number.")
    customer_phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    started_at = serializers.CharField(help_text="ISO 8601 with offset.")
    ended_at = serializers.CharField(required=False, allow_blank=True, default="")
    queue = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    direction = serializers.CharField(required=False, allow_blank=True, default="inbound")
    preferred_channel = serializers.CharField(required=False, allow_blank=True, default="")
    language = serializers.CharField(required=False, allow_blank=True, default="")


class InvitationOutputSerializer(serializers.Serializer):
    channel = serializers.CharField()
    status = serializers.CharField()
    decision_reason = serializers.CharField()
    surveyed = serializers.SerializerMethodField()
    expires_at = serializers.DateTimeField(allow_null=True)
    send_after = serializers.DateTimeField(allow_null=True)
    ivr_url = serializers.SerializerMethodField(help_text="Where to redirect the call for the keypad survey.")

    def get_surveyed(self, invitation) -> bool:
        return invitation.token is not None

    def get_ivr_url(self, invitation) -> str | None:
        if invitation.token is None or invitation.channel != "ivr":
            return None
        from django.urls import reverse

        return reverse("ivr-twilio-voice", args=[invitation.token])


class ContactOutputSerializer(serializers.Serializer):
    external_id = serializers.CharField()
    agent = serializers.CharField(source="agent.employee_number")
    masked_phone = serializers.CharField()
    started_at = serializers.DateTimeField()
    queue = serializers.CharField()
    invitation = InvitationOutputSerializer()


class ContactImportOutputSerializer(serializers.Serializer):
    contacts_created = serializers.IntegerField()
    contacts_unchanged = serializers.IntegerField()
    invited = serializers.IntegerField()


class QuestionSerializer(serializers.Serializer):
    item = serializers.CharField(max_length=20)
    dimension = serializers.CharField(
        max_length=32, required=False, allow_blank=True, default="", validators=[validate_dimension_code]
    )
    text_en = serializers.CharField(max_length=300)
    text_zh = serializers.CharField(max_length=300)
    on_web = serializers.BooleanField(default=True)
    on_sms = serializers.BooleanField(default=False)
    on_ivr = serializers.BooleanField(default=False)
    ask_if_item = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    ask_if_min = serializers.FloatField(required=False, allow_null=True, default=None)
    ask_if_max = serializers.FloatField(required=False, allow_null=True, default=None)


class QuestionOutputSerializer(QuestionSerializer):
    position = serializers.IntegerField()


class DimensionSerializer(serializers.Serializer):
    code = serializers.SlugField(max_length=32, validators=[validate_dimension_code])
    name_en = serializers.CharField(max_length=100)
    name_zh = serializers.CharField(max_length=100)
    weight = serializers.FloatField(min_value=0, default=1.0)


class SurveyOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    name_en = serializers.CharField()
    name_zh = serializers.CharField()
    is_default = serializers.BooleanField()
    dimensions = DimensionSerializer(many=True, source="dimensions.all")
    version = serializers.SerializerMethodField()
    questions = serializers.SerializerMethodField()

    def get_version(self, survey) -> int | None:
        version = survey.current_version()
        return version.number if version else None

    def get_questions(self, survey) -> list[dict]:
        version = survey.current_version()
        questions = version.questions.order_by("position") if version else []
        return QuestionOutputSerializer(questions, many=True).data


class SurveyInputSerializer(serializers.Serializer):
    code = serializers.SlugField(max_length=50)
    name_en = serializers.CharField(max_length=200)
    name_zh = serializers.CharField(max_length=200)
    dimensions = DimensionSerializer(many=True)
    questions = QuestionSerializer(many=True)


class SurveyRevisionSerializer(serializers.Serializer):
    questions = QuestionSerializer(many=True)
