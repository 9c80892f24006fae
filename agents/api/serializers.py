from rest_framework import serializers

from agents.models import Agent, CaseStatus, Team


class TeamOutputSerializer(serializers.ModelSerializer):
    site = serializers.CharField(source="site.code")
    leader = serializers.CharField(source="leader.username", default=None, allow_null=True)

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


class KpiRecordInputSerializer(serializers.Serializer):
    """One record of the bulk KPI import (the columns of the CSV format); values are checked by the service."""

    employee_number = serializers.CharField()
    date = serializers.CharField(help_text="YYYY-MM-DD")
    handled = serializers.IntegerField()
    handle_seconds = serializers.IntegerField()
    resolved_first_contact = serializers.IntegerField()
    complaints = serializers.IntegerField()
    praise = serializers.IntegerField()
    spot_tests_taken = serializers.IntegerField()
    spot_tests_passed = serializers.IntegerField()
    adherence_pct = serializers.FloatField(required=False, allow_null=True)
    occupancy_pct = serializers.FloatField(required=False, allow_null=True)


class KpiImportOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    imported_at = serializers.DateTimeField()
    imported_by = serializers.CharField(source="imported_by.username", default=None)
    source = serializers.CharField()
    filename = serializers.CharField()
    status = serializers.CharField()
    rows = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField(help_text="Agent-days replaced with new figures.")
    unchanged = serializers.IntegerField()
    first_date = serializers.DateField(allow_null=True)
    last_date = serializers.DateField(allow_null=True)
    errors = serializers.ListField(child=serializers.CharField())


class KpiRecordOutputSerializer(serializers.Serializer):
    employee_number = serializers.CharField(source="agent.employee_number")
    date = serializers.DateField()
    handled = serializers.IntegerField()
    handle_seconds = serializers.IntegerField()
    resolved_first_contact = serializers.IntegerField()
    complaints = serializers.IntegerField()
    praise = serializers.IntegerField()
    spot_tests_taken = serializers.IntegerField()
    spot_tests_passed = serializers.IntegerField()
    adherence_pct = serializers.FloatField(allow_null=True)
    occupancy_pct = serializers.FloatField(allow_null=True)


class EvaluationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    employee_number = serializers.CharField(source="agent.employee_number")
    contact = serializers.CharField(source="contact.external_id", default=None)
    evaluated_on = serializers.DateField()
    greeting = serializers.IntegerField()
    tone = serializers.IntegerField()
    patience = serializers.IntegerField()
    empathy_language = serializers.IntegerField()
    accuracy = serializers.IntegerField()
    closing = serializers.IntegerField()
    score = serializers.FloatField()


class TicketOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    employee_number = serializers.CharField(source="agent.employee_number")
    team = serializers.CharField(source="agent.team.code")
    contact = serializers.CharField(source="contact.external_id", default=None)
    status = serializers.CharField()
    description = serializers.CharField()
    due_at = serializers.DateTimeField()
    verified_at = serializers.DateTimeField(allow_null=True)
    verification_reason = serializers.CharField()
    points = serializers.IntegerField()


class GrievanceOutputSerializer(TicketOutputSerializer):
    filed_at = serializers.DateTimeField()


class PraiseOutputSerializer(TicketOutputSerializer):
    source = serializers.CharField()
    quote = serializers.CharField()
    opened_at = serializers.DateTimeField()


class CaseEventOutputSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    actor = serializers.CharField(source="actor.username", default=None)
    kind = serializers.CharField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    note = serializers.CharField()


class CaseOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reason = serializers.CharField()
    status = serializers.CharField()
    cause_not_captured = serializers.BooleanField()
    employee_number = serializers.CharField(source="agent.employee_number")
    team = serializers.CharField(source="team.code")
    contact = serializers.CharField(source="contact.external_id", default=None)
    figures = serializers.JSONField()
    description = serializers.CharField()
    assignee = serializers.CharField(source="assignee.username", default=None)
    opened_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    overdue = serializers.SerializerMethodField()
    escalated_at = serializers.DateTimeField(allow_null=True)
    customer_told = serializers.CharField()
    resolved_at = serializers.DateTimeField(allow_null=True)
    archived_at = serializers.DateTimeField(allow_null=True)

    def get_overdue(self, case) -> bool:
        return case.is_overdue()


class CaseDetailOutputSerializer(CaseOutputSerializer):
    events = CaseEventOutputSerializer(many=True, source="events.all")


class CaseAdvanceInputSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=CaseStatus.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)
    customer_told = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)
