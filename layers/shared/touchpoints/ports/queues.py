"""What the services need from the queues: recompute requests, job continuations, and the
webhook's enqueue-once."""

from __future__ import annotations

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


class EnqueueOncePort(Protocol):
    """Enqueues a campaign's recompute once per (campaign, notification ids)."""

    def enqueue(self, campaign_id: str, notification_ids: list[str]) -> bool:
        """True when enqueued now, False when an earlier delivery already did it."""
        ...

    def register_lambda_context(self, context: Any) -> None: ...
