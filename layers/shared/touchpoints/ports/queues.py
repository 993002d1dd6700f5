"""What the services need from the queues: recompute requests, job continuations, and the
webhook's enqueue-once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


class QueuePort(Protocol):
    """Asks for a campaign's recompute; returns the message id."""

    def enqueue(self, campaign_id: str, cause: str, dedup_source: str, **details: Any) -> str: ...


class ContinuationPort(Protocol):
    """Carries a bulk date job on in a later invocation."""

    def continue_later(self, job_id: str, delay_seconds: int = 0) -> str: ...


class PostponingQueue(Protocol):
    """Hides a message for longer after each delivery; returns the delay in seconds."""

    def postpone(self, receipt_handle: str, deliveries: int) -> int: ...


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
