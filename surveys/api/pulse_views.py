"""The pulse API: rounds and results, under the same scoping and anonymity rule as the pages."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from satisfaction import scoping
from satisfaction.exceptions import PermissionDenied
from surveys import pulse_selectors as selectors
from surveys.api.pulse_serializers import (
    PulseResultsOutputSerializer,
    PulseResultsQuerySerializer,
    PulseRoundOutputSerializer,
)

ROUNDS_LISTED = 100


class PulseRoundsApi(APIView):
    @extend_schema(responses={200: PulseRoundOutputSerializer(many=True)})
    def get(self, request):
        """Rounds whose results the caller may read, newest first, with whole-round participation."""
        if not scoping.can_read_pulse_results(request.user):
            raise PermissionDenied()
        rounds = list(selectors.visible_rounds(request.user)[:ROUNDS_LISTED])
        participation = selectors.round_participation(rounds)
        now = timezone.now()
        rows = [
            {"round": r, "closed": r.closed_at is not None or r.closes_at <= now, **participation[r.pk]} for r in rounds
        ]
        return Response(PulseRoundOutputSerializer(rows, many=True).data)


class PulseResultsApi(APIView):
    @extend_schema(
        parameters=[PulseResultsQuerySerializer],
        responses={200: PulseResultsOutputSerializer},
        description="One round's results for a cut (site, team, tenure band). A cut that rests on fewer than "
        "k respondents, or that would isolate fewer than k people by subtraction, answers 403.",
    )
    def get(self, request):
        query = PulseResultsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        filters = selectors.PulseFilters(site=data["site"], team=data["team"], tenure_band=data["tenure_band"])
        results = selectors.pulse_results(request.user, round_id=data["round"], filters=filters)
        if results.refused:
            raise PermissionDenied(selectors.refusal_message(results), details={"reason": "anonymity", "k": results.k})
        return Response(PulseResultsOutputSerializer(results).data)
