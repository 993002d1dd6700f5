"""What the services need from the queues: recompute requests, job continuations, the
webhook's enqueue-once, and a delivery held back on a queue (one design for every queue)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


class RecomputeQueuePort(Protocol):
    """Asks for a campaign's recompute (the RecomputeQueue); returns the message id."""

    def enqueue(self, campaign_id: str, cause: str, dedup_source: str, **details: Any) -> str: ...


class ContinuationPort(Protocol):
    """Carries a bulk date job on in a later invocation."""

    def continue_later(self, job_id: str, delay_seconds: int = 0) -> str: ...


class PostponingQueue(Protocol):
    """Keeps a received message on its queue, hidden for `seconds` (the caller chose how long)."""

    def postpone_for(self, receipt_handle: str, seconds: int) -> None: ...


@dataclass(frozen=True, slots=True)
class Delivery:
    """One delivery of a queue message, as SQS reports it."""

    message_id: str
    receipt_handle: str
    receive_count: int = 1  # this copy's deliveries, this one included
    first_received: datetime | None = None  # when SQS first delivered this copy


@dataclass(frozen=True, slots=True)
class RecomputeMessage:
    """A recompute request from the RecomputeQueue (edge/models/recompute.py has its contract)."""

    campaign_id: str
    cause: str = "unspecified"
    run_id: str | None = None
    full: bool = False
    limit_attempts: int = 0
    limited_since: datetime | None = None
    # What a copy of the request carries besides campaign and cause, as the model dumps it.
    carried: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def details(self) -> dict[str, Any]:
        """The request's fields besides campaign and cause, as a copy of it carries them."""
        return dict(self.carried)


@dataclass(frozen=True, slots=True)
class EnqueueReport:
    """The campaigns enqueued now, and those an earlier delivery already enqueued."""

    enqueued: tuple[str, ...]
    duplicate: tuple[str, ...]


class EnqueueOncePort(Protocol):
    """Enqueues each campaign's recompute once per (campaign, notification ids)."""

    def enqueue(
        self, shares: Mapping[str, Sequence[str]], now: datetime, *, full: bool = False
    ) -> EnqueueReport:
        """`shares`: notification (or change event) ids per campaign; `full` asks for full
        recomputes. Raises `EnqueueIncompleteError` when any
        campaign was not durably enqueued (those that were are remembered first)."""
        ...


class RecomputeQueueHolder(RecomputeQueuePort, PostponingQueue, Protocol):
    """The RecomputeQueue as its own consumer uses it: asks again, and holds a delivery."""
