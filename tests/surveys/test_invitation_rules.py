"""The invitation rule (DESIGN.md flow 1): pure decisions, no database, no clock."""

import datetime as dt
import zoneinfo

import pytest

from surveys.invitation_rules import (
    CustomerHistory,
    InvitationPolicy,
    decide_invitation,
    in_quiet_hours,
    sampling_draw,
)

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
NOON = dt.datetime(2026, 3, 10, 12, 0, tzinfo=SHANGHAI)
POLICY = InvitationPolicy(sampling_rates={"billing": 0.5}, quarantine_days=30, monthly_cap=2)
NEW_CUSTOMER = CustomerHistory()


def decide(*, channel="sms", queue="tech", history=NEW_CUSTOMER, draw=0.1, now=NOON, has_phone=True):
    return decide_invitation(
        channel=channel, queue=queue, has_phone=has_phone, history=history, draw=draw, now_local=now, policy=POLICY
    )


def test_a_fresh_customer_is_sampled_and_sent_now():
    decision = decide()
    assert (decision.survey, decision.reason, decision.send_after) == (True, "sampled", None)


def test_sampling_rate_is_per_queue():
    assert decide(queue="billing", draw=0.49).survey
    assert decide(queue="billing", draw=0.5).reason == "not-sampled"
    assert decide(queue="tech", draw=0.99).survey


def test_a_customer_surveyed_within_the_quarantine_is_not_surveyed_again():
    recent = CustomerHistory(last_surveyed_at=NOON - dt.timedelta(days=29))
    old = CustomerHistory(last_surveyed_at=NOON - dt.timedelta(days=31))
    assert decide(history=recent).reason == "quarantine"
    assert decide(history=old).survey


def test_opted_out_numbers_are_never_surveyed():
    assert decide(history=CustomerHistory(opted_out=True)).reason == "opt-out"
    assert decide(channel="ivr", history=CustomerHistory(opted_out=True)).reason == "opt-out"


def test_the_monthly_cap_stops_a_third_survey():
    assert decide(history=CustomerHistory(surveyed_this_month=2)).reason == "monthly-cap"
    assert decide(history=CustomerHistory(surveyed_this_month=1)).survey


@pytest.mark.parametrize("hour", [21, 23, 0, 7])
def test_sms_in_quiet_hours_is_queued_for_eight_in_the_morning(hour):
    evening = NOON.replace(hour=hour, minute=30)
    decision = decide(now=evening)
    assert (decision.survey, decision.reason) == (True, "quiet-hours")
    assert decision.send_after.hour == 8 and decision.send_after > evening
    assert decision.send_after - evening < dt.timedelta(hours=12)


def test_ivr_is_asked_in_the_call_whatever_the_hour():
    assert decide(channel="ivr", now=NOON.replace(hour=22)).reason == "sampled"


def test_texted_channels_need_a_phone_number():
    assert decide(channel="web", has_phone=False).reason == "no-phone"
    assert decide(channel="ivr", has_phone=False).survey


def test_quiet_hours_bounds():
    assert in_quiet_hours(dt.time(21, 0), POLICY)
    assert not in_quiet_hours(dt.time(8, 0), POLICY)
    assert not in_quiet_hours(dt.time(20, 59), POLICY)


def test_the_sampling_draw_is_fixed_by_the_contact_id():
    assert sampling_draw("C1") == sampling_draw("C1")
    assert 0 <= sampling_draw("C2") < 1
