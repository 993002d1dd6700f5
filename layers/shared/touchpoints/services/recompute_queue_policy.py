"""Use case: one request from the RecomputeQueue, with the queue's policy around the run.

A request starts only with time for it, else it goes back as a fresh copy; the API limit holds
it (and, being org-wide, the rest of the batch without a call); a run waiting on a Bulk job keeps
its message on the queue until the next poll, a fresh copy taking over before SQS's receive count
could dead-letter it; a run cut short continues in a new message, and one that requests joined
while it waited runs again. The handler parses, calls `handle`, and reports what it returns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from touchpoints.errors import SalesforceLimitExceededError
from touchpoints.ports.queues import Delivery, RecomputeMessage, RecomputeQueueHolder
from touchpoints.rules.limit_backoff import ROLLOVER_AT_RECEIVE
from touchpoints.services.recompute import (
    HANDOFF_MARGIN_SECONDS,
    Recompute,
    RecomputeRequest,
    RecomputeResult,
)

# Types only: the attribution port's module brings the attribution rules, which a recompute never
# runs; the API limit's hold is loaded when the limit is met (services/api_limit.py).
if TYPE_CHECKING:
    from touchpoints.ports.attribution import AttributionQueuePort
    from touchpoints.services.api_limit import LimitPostponement


@dataclass(frozen=True, slots=True)
class Handled:
    """What became of one request: `held` keeps its message on the queue (the handler reports
    it as a batch item failure, which is not an error)."""

    result: RecomputeResult | None = None  # the run, when it ran
    held: bool = False
    handed_back: bool = False  # too little time to start: a fresh copy was sent
    waiting_on_bulk: bool = False  # held until the next poll of its Bulk job
    limit: LimitPostponement | None = None  # the API limit refused it


class RecomputeQueuePolicy:
    """One batch of the RecomputeQueue; the API limit, once met, holds the rest of the batch.
    `recompute` builds the service when a request runs (so a broken Salesforce secret fails
    that request, reported as such, not the batch)."""

    def __init__(
        self,
        recompute: Callable[[], Recompute],
        queue: RecomputeQueueHolder,
        attribution: AttributionQueuePort | None,
        clock: Callable[[], datetime],
    ) -> None:
        self._recompute = recompute
        self._queue = queue
        self._attribution = attribution
        self._clock = clock
        self._limit_reached = False

    def handle(
        self, message: RecomputeMessage, delivery: Delivery, seconds_left: Callable[[], float]
    ) -> Handled:
        """Run the request, or hold or hand it back; a failure of the run propagates (SQS
        delivers the request again)."""
        if self._limit_reached:
            return self._hold_for_limit(message, delivery)
        if seconds_left() < HANDOFF_MARGIN_SECONDS:
            return self._hand_back(message, delivery)
        request = RecomputeRequest(
            message.campaign_id,
            message.full,
            message.run_id,
            message_id=delivery.message_id,
            cause=message.cause,
        )
        try:
            result = self._recompute().run(request, self._clock(), seconds_left=seconds_left)
        except SalesforceLimitExceededError:
            self._limit_reached = True
            return self._hold_for_limit(message, delivery)
        if result.touched_persons and self._attribution is not None:
            self._attribution.enqueue_persons(result.touched_persons, "touchpoints changed")
        if result.wait_seconds is not None:
            return self._wait_for_bulk_job(message, delivery, result)
        if not result.finished:
            continuation = f"continue:{result.run_id}:{delivery.message_id}"
            self._queue.enqueue(
                message.campaign_id, "continuation", continuation, run_id=result.run_id
            )
        elif result.rerun:  # requests that joined the run while it waited: changes may be newer
            rerun = f"rerun:{result.run_id}"
            self._queue.enqueue(message.campaign_id, "changed during run", rerun, full=message.full)
        return Handled(result)

    def _wait_for_bulk_job(
        self, message: RecomputeMessage, delivery: Delivery, result: RecomputeResult
    ) -> Handled:
        """The run waits on a Bulk job in Salesforce: its message stays on the queue, hidden
        until the next poll, and holds the campaign's FIFO group meanwhile (no second run can
        start). Before SQS's receive count could dead-letter it, a fresh copy takes over."""
        if delivery.receive_count >= ROLLOVER_AT_RECEIVE:
            copy = f"wait:{result.run_id}:{delivery.message_id}"
            self._queue.enqueue(message.campaign_id, "continuation", copy, run_id=result.run_id)
            return Handled(result)
        self._queue.postpone_for(delivery.receipt_handle, result.wait_seconds or 0)
        return Handled(result, held=True, waiting_on_bulk=True)

    def _hand_back(self, message: RecomputeMessage, delivery: Delivery) -> Handled:
        """Too little time left to start: the request goes back as a fresh copy, never to be
        cut by the function's timeout (and never counted towards the dead-letter queue)."""
        handback = f"handback:{delivery.message_id}"
        self._queue.enqueue(message.campaign_id, message.cause, handback, **message.details())
        return Handled(handed_back=True)

    def _hold_for_limit(self, message: RecomputeMessage, delivery: Delivery) -> Handled:
        """The org's API limit is spent: held as every queue holds it (services/api_limit.py),
        its attempts counted in the message, so a limit that lasts all day loses nothing and
        dead-letters nothing; a rollover's copy carries the count on (the original is deleted,
        a success)."""
        from touchpoints.services.api_limit import postpone_on_limit

        limit = postpone_on_limit(
            self._queue,
            delivery,
            self._clock(),
            carries_attempts=True,
            attempts_before=message.limit_attempts,
            limited_since=message.limited_since,
        )
        if limit.hold.rollover:
            carried = {
                "limit_attempts": limit.hold.attempt,
                "limited_since": limit.since.isoformat(),
            }
            copy = f"limit:{delivery.message_id}"
            self._queue.enqueue(
                message.campaign_id, message.cause, copy, **(message.details() | carried)
            )
        return Handled(held=not limit.hold.rollover, limit=limit)
