import datetime as dt
import re

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from satisfaction.breakdowns import CUT_FIGURES, CUT_MARK, CUTS
from satisfaction.models import Granularity, Level
from satisfaction.services import BALANCE_METRICS, CUSTOMER_METRICS, KPI_METRICS, PULSE_METRICS

# Without dates the API answers for the last quarter.
DEFAULT_RANGE_DAYS = 92
MAX_METRIC_NAMES = 100
# SCORING.md §9: the names snapshots carry, plus the Kano and link names asked of the balance API.
METRIC_NAMES = frozenset(
    [
        *CUSTOMER_METRICS,
        *KPI_METRICS,
        *PULSE_METRICS,
        *BALANCE_METRICS,
        "kano_category",
        "kano_better",
        "kano_worse",
        "link_pearson_r",
        "link_spearman_rho",
        "link_slope",
        "link_slope_ci_low",
        "link_slope_ci_high",
        "link_n",
        "link_lag",
    ]
)
# Per dimension and per Kano attribute: gap_<d>[_sd|_n|...], kano_category_<a>, kano_better_<a>, ...
DIMENSION_METRIC = re.compile(r"^(?:gap|kano_category|kano_better|kano_worse|kano_n)_[A-Za-z0-9-]+(?:_[A-Za-z0-9-]+)*$")


# Extras beyond §9 that the dashboards read (satisfaction/breakdowns.py): the CSAT distribution,
# expectation and experience per dimension, and headline figures per channel or queue.
EXTRA_METRIC = re.compile(r"^(?:csat_count_[1-5]|(?:expectation|experience|pairs)_[A-Za-z0-9-]+(?:_[A-Za-z0-9-]+)*)$")
CUT_METRIC = re.compile(rf"^(?P<figure>[a-z_0-9]+){CUT_MARK}(?:{'|'.join(CUTS)})=[^,@]+$")


def is_metric_name(name: str) -> bool:
    """Whether ``name`` is a §9 figure (with per-dimension and Kano forms) or one of the dashboards' extras."""
    if name in METRIC_NAMES or DIMENSION_METRIC.match(name) or EXTRA_METRIC.match(name):
        return True
    cut = CUT_METRIC.match(name)
    return bool(cut) and cut["figure"] in CUT_FIGURES


class ScoresQuerySerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=Level.choices)
    granularity = serializers.ChoiceField(choices=Granularity.choices)
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)
    key = serializers.CharField(required=False, max_length=64)
    metrics = serializers.CharField(required=False, max_length=4000, help_text="Comma-separated SCORING.md §9 names.")

    def validate(self, attrs: dict) -> dict:
        end = attrs.get("end") or timezone.localdate()
        default_range = dt.timedelta(days=DEFAULT_RANGE_DAYS)
        # An end near year 1 must not overflow the default start (found by the schema fuzzing, issue 9).
        start = attrs.get("start") or (end - default_range if end - dt.date.min > default_range else dt.date.min)
        if start > end:
            raise serializers.ValidationError({"start": _("start must not be after end.")})
        names = [n.strip() for n in attrs.get("metrics", "").split(",") if n.strip()]
        if len(names) > MAX_METRIC_NAMES:
            raise serializers.ValidationError({"metrics": _("Ask for at most 100 figures at once.")})
        if unknown := [n for n in names if not is_metric_name(n)]:
            raise serializers.ValidationError(
                {"metrics": _("Unknown figures: %(names)s.") % {"names": ", ".join(unknown)}}
            )
        return {**attrs, "start": start, "end": end, "metrics": names}


class ScoreOutputSerializer(serializers.Serializer):
    level = serializers.CharField()
    key = serializers.CharField()
    granularity = serializers.CharField()
    period_start = serializers.DateField()
    metrics = serializers.JSONField(help_text="SCORING.md §9 name → number, text (kano_category, quadrant) or null.")


class BalanceQuerySerializer(serializers.Serializer):
    granularity = serializers.ChoiceField(choices=[("week", "week"), ("month", "month")], default="month")
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)

    def validate(self, attrs: dict) -> dict:
        end = attrs.get("end") or timezone.localdate()
        default_range = dt.timedelta(days=DEFAULT_RANGE_DAYS)
        # An end near year 1 must not overflow the default start (found by the schema fuzzing, issue 9).
        start = attrs.get("start") or (end - default_range if end - dt.date.min > default_range else dt.date.min)
        if start > end:
            raise serializers.ValidationError({"start": _("start must not be after end.")})
        return {**attrs, "start": start, "end": end}


class BalanceRowSerializer(serializers.Serializer):
    team = serializers.CharField()
    site = serializers.CharField(allow_null=True)
    period_start = serializers.DateField()
    customer_index = serializers.FloatField(allow_null=True)
    employee_index = serializers.FloatField(allow_null=True)
    quadrant = serializers.CharField(allow_null=True)
    lean = serializers.FloatField(allow_null=True)
    engagement_index = serializers.FloatField(allow_null=True)
    stress_index = serializers.FloatField(allow_null=True)
    n_responses = serializers.IntegerField(allow_null=True)


class LinkSerializer(serializers.Serializer):
    link_lag = serializers.IntegerField()
    link_n = serializers.IntegerField()
    enough_data = serializers.BooleanField()
    link_pearson_r = serializers.FloatField(allow_null=True)
    link_spearman_rho = serializers.FloatField(allow_null=True)
    link_slope = serializers.FloatField(allow_null=True)
    link_slope_ci_low = serializers.FloatField(allow_null=True)
    link_slope_ci_high = serializers.FloatField(allow_null=True)


class BalanceOutputSerializer(serializers.Serializer):
    granularity = serializers.CharField()
    customer_target = serializers.FloatField()
    employee_target = serializers.FloatField()
    results = BalanceRowSerializer(many=True)
    link = LinkSerializer(many=True)
