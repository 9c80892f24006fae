"""Whether to survey a finished contact (DESIGN.md flow 1): a pure decision with its reason.

The caller gathers the customer's history and the policy from settings; nothing here reads the
database or the clock, so every rule is tested without either.
"""

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field

from surveys.models.customer import Channel

# Reason codes stored on the invitation (``Invitation.decision_reason``).
REASON_SAMPLED = "sampled"
REASON_QUIET_HOURS = "quiet-hours"
REASON_NOT_SAMPLED = "not-sampled"
REASON_OPT_OUT = "opt-out"
REASON_QUARANTINE = "quarantine"
REASON_MONTHLY_CAP = "monthly-cap"
REASON_NO_PHONE = "no-phone"
# Channels whose invitation goes out as an SMS (the web link is sent by SMS too).
TEXTED_CHANNELS = frozenset({Channel.SMS, Channel.WEB})


@dataclass(frozen=True)
class InvitationPolicy:
    sampling_rates: Mapping[str, float] = field(default_factory=dict)
    default_sampling_rate: float = 1.0
    quarantine_days: int = 30
    monthly_cap: int = 2
    quiet_start: dt.time = dt.time(21, 0)
    quiet_end: dt.time = dt.time(8, 0)

    def sampling_rate(self, queue: str) -> float:
        """The share of the queue's contacts that are surveyed."""
        return self.sampling_rates.get(queue, self.default_sampling_rate)


@dataclass(frozen=True)
class CustomerHistory:
    """What the customer has already had: the opt-out list, the last survey, this month's count."""

    opted_out: bool = False
    last_surveyed_at: dt.datetime | None = None
    surveyed_this_month: int = 0


@dataclass(frozen=True)
class Decision:
    survey: bool
    reason: str
    send_after: dt.datetime | None = None


def sampling_draw(external_id: str) -> float:
    """A number in [0, 1) fixed by the contact id, so a re-posted contact gets the same decision."""
    digest = hashlib.sha256(external_id.encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def in_quiet_hours(moment: dt.time, policy: InvitationPolicy) -> bool:
    """Whether a local time falls in the window when no SMS goes out (21:00-08:00 by default)."""
    if policy.quiet_start <= policy.quiet_end:
        return policy.quiet_start <= moment < policy.quiet_end
    return moment >= policy.quiet_start or moment < policy.quiet_end


def morning_after(now_local: dt.datetime, policy: InvitationPolicy) -> dt.datetime:
    """The end of the quiet hours that ``now_local`` falls in (same day before midnight's end, else next)."""
    end_today = now_local.replace(hour=policy.quiet_end.hour, minute=policy.quiet_end.minute, second=0, microsecond=0)
    return end_today if now_local < end_today else end_today + dt.timedelta(days=1)


def decide_invitation(
    *,
    channel: str,
    queue: str,
    has_phone: bool,
    history: CustomerHistory,
    draw: float,
    now_local: dt.datetime,
    policy: InvitationPolicy,
) -> Decision:
    """Survey this contact or not, and why; texted invitations in quiet hours wait for the morning."""
    texted = channel in TEXTED_CHANNELS
    if texted and not has_phone:
        return Decision(False, REASON_NO_PHONE)
    if history.opted_out:
        return Decision(False, REASON_OPT_OUT)
    if history.last_surveyed_at is not None and now_local - history.last_surveyed_at < dt.timedelta(
        days=policy.quarantine_days
    ):
        return Decision(False, REASON_QUARANTINE)
    if history.surveyed_this_month >= policy.monthly_cap:
        return Decision(False, REASON_MONTHLY_CAP)
    if draw >= policy.sampling_rate(queue):
        return Decision(False, REASON_NOT_SAMPLED)
    if texted and in_quiet_hours(now_local.timetz().replace(tzinfo=None), policy):
        return Decision(True, REASON_QUIET_HOURS, send_after=morning_after(now_local, policy))
    return Decision(True, REASON_SAMPLED)
