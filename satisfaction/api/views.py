"""``GET /api/v1/scores/``: snapshot figures by level, granularity and period (DESIGN.md)."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics

from satisfaction import selectors
from satisfaction.api.serializers import ScoreOutputSerializer, ScoresQuerySerializer


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
