"""Use case: a queued request that Salesforce's API limit refused is held on its queue, the same
way on every queue (rules/limit_backoff.py): hidden for longer after each attempt, or, for a
recompute request near SQS's receive count, moved to a fresh copy that carries its attempts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger

from touchpoints.errors import SalesforceLimitExceededError
from touchpoints.ports.queues import Delivery, PostponingQueue
from touchpoints.rules.limit_backoff import LimitHold, hold_on_limit

logger = Logger(child=True)


@dataclass(frozen=True, slots=True)
class LimitPostponement:
    """How a request the limit refused is held, and since when the limit holds it."""

    hold: LimitHold
    since: datetime
    postponed_for: float  # seconds since the limit first refused the request


def postpone_on_limit(
    queue: PostponingQueue,
    delivery: Delivery,
    now: datetime,
    *,
    carries_attempts: bool,
    attempts_before: int = 0,
    limited_since: datetime | None = None,
) -> LimitPostponement:
    """Hide the delivered message for the hold's delay; a rollover leaves it to the caller, who
    sends the fresh copy (and lets the original be deleted)."""
    since = limited_since or delivery.first_received or now
    postponed_for = max((now - since).total_seconds(), 0.0)
    hold = hold_on_limit(
        attempts_before, delivery.receive_count, postponed_for, carries_attempts=carries_attempts
    )
    if not hold.rollover:
        queue.postpone_for(delivery.receipt_handle, hold.delay)
    return LimitPostponement(hold, since, postponed_for)


@contextmanager
def postponed_on_api_limit(
    queue: PostponingQueue, delivery: Delivery, now: datetime, **log_extra: Any
) -> Iterator[None]:
    """Around the work of one message that cannot carry its attempts: when the limit is spent,
    hold it (`postpone_on_limit`), then let the failure be reported for it."""
    try:
        yield
    except SalesforceLimitExceededError:
        postponement = postpone_on_limit(queue, delivery, now, carries_attempts=False)
        logger.warning(
            "Salesforce API limit reached; message postponed",
            extra={"postponed": {**log_extra, "retry_in_seconds": postponement.hold.delay}},
        )
        raise
