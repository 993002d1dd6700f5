"""Rules: how long a queued request waits when Salesforce's daily API limit is spent.

The message stays on its queue, hidden for longer after each delivery, so the work resumes when
the limit frees up instead of burning retries into the dead-letter queue.
"""

from __future__ import annotations

from dataclasses import dataclass

LIMIT_BACKOFF_SECONDS = 300  # doubled per delivery
MAX_BACKOFF_SECONDS = 6 * 3600  # below SQS's 12 h visibility maximum


def backoff_seconds(deliveries: int, cap: int = MAX_BACKOFF_SECONDS) -> int:
    """A message the limit refused waits five minutes, twice as long after each delivery, up to
    `cap`."""
    return min(LIMIT_BACKOFF_SECONDS << max(deliveries - 1, 0), cap)


# The recompute queue (FIFO) counts its own attempts, so a limit that lasts a day never reaches
# the dead-letter queue. Salesforce blocks calls "until usage for the preceding 24 hours drops
# below the limit" (Salesforce Help, System Overview: API Usage), so calls free up gradually:
# an hourly retry resumes within the hour at the cost of about 24 refused calls a day.
RECOMPUTE_MAX_BACKOFF_SECONDS = 3600
# SQS moves a message to the dead-letter queue on the receive after maxReceiveCount (5 in
# template.yaml): at the 4th delivery refused by the limit, the request moves to a fresh copy.
ROLLOVER_AT_RECEIVE = 4
# A limit that lasts this long is not a busy day: the request is let run into the dead-letter
# queue (its alarm) rather than circulate forever; the sweep finds the campaign again.
GIVE_UP_AFTER_SECONDS = 3 * 24 * 3600


@dataclass(frozen=True, slots=True)
class LimitHold:
    """What to do with a recompute request the API limit refused."""

    attempt: int  # refused attempts so far, counted across the request's copies
    delay: int  # seconds until the next attempt, when the message is kept
    rollover: bool  # send a fresh copy carrying `attempt` instead of keeping this message
    give_up: bool  # kept on, to reach the dead-letter queue


def hold_on_limit(
    attempts_before: int, receive_count: int, postponed_for: float, *, carries_attempts: bool = True
) -> LimitHold:
    """Every queue holds a request the limit refused the same way: kept, hidden for longer after
    each attempt. A message that carries its attempts (the recompute's) counts them in its body
    (`attempts_before`, carried by each copy) plus this copy's deliveries, waits up to an hour,
    moves to a fresh copy before SQS's receive count could dead-letter it, and gives up after
    three days; one that does not (a job continuation, an attribution batch) counts its
    deliveries, waits up to six hours, and its queue's dead-letter queue ends it."""
    if not carries_attempts:
        deliveries = max(receive_count, 1)
        return LimitHold(deliveries, backoff_seconds(deliveries), rollover=False, give_up=False)
    attempt = attempts_before + max(receive_count, 1)
    give_up = postponed_for >= GIVE_UP_AFTER_SECONDS
    return LimitHold(
        attempt=attempt,
        delay=backoff_seconds(attempt, RECOMPUTE_MAX_BACKOFF_SECONDS),
        rollover=receive_count >= ROLLOVER_AT_RECEIVE and not give_up,
        give_up=give_up,
    )
