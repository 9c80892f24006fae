"""``GET /api/v1/scores/``: snapshot figures by level, granularity and period (DESIGN.md)."""

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from satisfaction import selectors
from satisfaction.api.serializers import (
    BalanceOutputSerializer,
    BalanceQuerySerializer,
    ScoreOutputSerializer,
    ScoresQuerySerializer,
)


class ScoresApi(generics.ListAPIView):
    serializer_class = ScoreOutputSerializer

    @extend_schema(parameters=[ScoresQuerySerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        query = ScoresQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        self.query = query.validated_data
        return selectors.score_snapshots(
            self.request.user,
            level=self.query["level"],
            granularity=self.query["granularity"],
            start=self.query["start"],
            end=self.query["end"],
            key=self.query.get("key"),
        )

    def get_serializer(self, instance=None, *args, **kwargs):
        # The schema generator asks for a serializer without a request, hence without a query.
        names = self.query["metrics"] if instance is not None else None
        if names:
            instance = [
                {
                    "level": s.level,
                    "key": s.key,
                    "granularity": s.granularity,
                    "period_start": s.period_start,
                    "metrics": {n: s.metrics.get(n) for n in names},
                }
                for s in instance
            ]
        return super().get_serializer(instance, *args, **kwargs)


class BalanceApi(APIView):
    """``GET /api/v1/balance/``: every visible team-period on the customer x employee plane (SCORING.md §8)."""

    @extend_schema(parameters=[BalanceQuerySerializer], responses=BalanceOutputSerializer)
    def get(self, request):
        query = BalanceQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        rows = selectors.balance_rows(
            request.user, granularity=params["granularity"], start=params["start"], end=params["end"]
        )
        body = {
            "granularity": params["granularity"],
            "customer_target": settings.CUSTOMER_TARGET,
            "employee_target": settings.EMPLOYEE_TARGET,
            "results": rows,
            "link": selectors.balance_link(rows, granularity=params["granularity"]),
        }
        return Response(BalanceOutputSerializer(body).data)
