from rest_framework import serializers


class AnswerImportOutputSerializer(serializers.Serializer):
    responses_created = serializers.IntegerField()
    answers_created = serializers.IntegerField()
    answers_updated = serializers.IntegerField()
    answers_unchanged = serializers.IntegerField()
