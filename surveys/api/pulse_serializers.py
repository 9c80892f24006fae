"""Input and output of the pulse API; every figure comes from ``pulse_selectors.pulse_results``."""

from rest_framework import serializers

from surveys.models import TenureBand


class PulseResultsQuerySerializer(serializers.Serializer):
    round = serializers.IntegerField(min_value=1)
    site = serializers.CharField(required=False, allow_blank=True, max_length=32, default="")
    team = serializers.CharField(required=False, allow_blank=True, max_length=32, default="")
    tenure_band = serializers.ChoiceField(required=False, allow_blank=True, choices=TenureBand.choices, default="")


class PulseRoundOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="round.pk")
    survey = serializers.CharField(source="round.survey.code")
    number = serializers.IntegerField(source="round.number")
    window_start = serializers.DateField(source="round.window_start")
    window_end = serializers.DateField(source="round.window_end")
    closed = serializers.BooleanField()
    invited = serializers.IntegerField()
    respondents = serializers.IntegerField(allow_null=True, help_text="Null under the anonymity threshold.")
    participation_pct = serializers.FloatField(allow_null=True)


class PulseFiguresSerializer(serializers.Serializer):
    """SCORING.md §9 pulse figures; null where the anonymity rule hides them."""

    respondents = serializers.IntegerField(allow_null=True)
    engagement_index = serializers.FloatField(allow_null=True)
    stress_index = serializers.FloatField(allow_null=True)
    enps = serializers.FloatField(allow_null=True)
    favourable_pct = serializers.FloatField(allow_null=True)
    participation_pct = serializers.FloatField(allow_null=True)


class PulseItemSerializer(serializers.Serializer):
    item = serializers.CharField()
    topic = serializers.CharField(source="question.topic")
    text = serializers.CharField(source="question.text")
    respondents = serializers.IntegerField(allow_null=True)
    favourable_pct = serializers.FloatField(allow_null=True)


class PulseTeamSerializer(PulseFiguresSerializer):
    team = serializers.CharField()
    site = serializers.CharField()
    items = serializers.DictField(
        child=serializers.FloatField(allow_null=True), help_text="Item code → favourable % (heat map)."
    )


class PulseTrendSerializer(PulseFiguresSerializer):
    round_id = serializers.IntegerField(source="round.pk")
    number = serializers.IntegerField(source="round.number")
    window_start = serializers.DateField(source="round.window_start")


class PulseCopcSerializer(serializers.Serializer):
    favourable_pct = serializers.FloatField(allow_null=True)
    target_pct = serializers.FloatField()
    met = serializers.BooleanField(allow_null=True)


class PulseCommentSerializer(serializers.Serializer):
    question = serializers.CharField()
    comment = serializers.CharField()


class PulseResultsOutputSerializer(serializers.Serializer):
    round = serializers.SerializerMethodField()
    filters = serializers.SerializerMethodField()
    k = serializers.IntegerField(help_text="Anonymity threshold (SCORING.md §5).")
    metrics = PulseFiguresSerializer(source="summary")
    invited = serializers.IntegerField(source="summary.invited")
    items = PulseItemSerializer(many=True)
    copc = PulseCopcSerializer(allow_null=True, help_text="Seed 004: vision and strategy understood, against 80 %.")
    teams = serializers.SerializerMethodField()
    hidden_teams = serializers.IntegerField(help_text="Teams left out under the anonymity rule (never named).")
    trend = PulseTrendSerializer(many=True)
    comments = PulseCommentSerializer(many=True, help_text="In random order.")

    def get_round(self, results) -> dict:
        pulse_round = results.round
        return {
            "id": pulse_round.pk,
            "survey": pulse_round.survey.code,
            "number": pulse_round.number,
            "window_start": pulse_round.window_start.isoformat(),
            "window_end": pulse_round.window_end.isoformat(),
        }

    def get_filters(self, results) -> dict:
        return results.filters.as_dict()

    def get_teams(self, results) -> list[dict]:
        codes = [question.code for question in results.heat_items]
        rows = [
            {**team, "items": {code: cell["pct"] for code, cell in zip(codes, team["cells"], strict=True)}}
            for team in results.teams
        ]
        return PulseTeamSerializer(rows, many=True).data
