from rest_framework import serializers

from agents.models import Agent, Team


class TeamOutputSerializer(serializers.ModelSerializer):
    site = serializers.CharField(source="site.code")
    leader = serializers.CharField(source="leader.username", default=None)

    class Meta:
        model = Team
        fields = ["code", "name", "site", "leader"]


class AgentOutputSerializer(serializers.ModelSerializer):
    team = serializers.CharField(source="team.code")
    site = serializers.CharField(source="team.site.code")
    skill_groups = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")

    class Meta:
        model = Agent
        fields = ["employee_number", "name", "team", "site", "hire_date", "active", "skill_groups"]
