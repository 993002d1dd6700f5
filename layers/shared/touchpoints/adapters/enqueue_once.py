"""The webhook's enqueue-once: a campaign's share of an outbound message (the campaign and its
notification ids) is enqueued once, however often and however late Salesforce delivers it.

Two guards, batched:
- SQS FIFO deduplication: each message's deduplication id derives from the campaign and its
  notification ids, so the same share sent again within SQS's five minutes is dropped by SQS (this
  also covers two deliveries running at the same moment).
- An idempotency record per share (IDEMPOTENCY#webhook / OUTBOUND#<campaign>#<digest>), written
  after SQS accepted its message and kept past Salesforce's 24 h retry window: a later delivery
  reads the records first (BatchGetItem) and sends only the shares without one.

Only a share whose message SQS accepted but whose record was never written (the write failed, the
invocation died) can be sent twice, and only if Salesforce retries more than five minutes later; the
recompute it asks for reads the campaign fresh, so a second one repeats work, not effects.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from touchpoints.adapters.dynamodb import batch_get, batch_put
from touchpoints.adapters.recompute_queue import BatchSend, RecomputeQueue
from touchpoints.errors import EnqueueIncompleteError
from touchpoints.ports.queues import EnqueueReport

PK = "IDEMPOTENCY#webhook"
CAUSE = "outbound_message"


def _record_key(campaign_id: str, dedup_source: str) -> str:
    return f"OUTBOUND#{campaign_id}#{hashlib.sha256(dedup_source.encode()).hexdigest()}"


class CampaignEnqueuer:
    """Enqueues each campaign's recompute once per (campaign, notification ids). The webhook's
    records and cause are the defaults; the change events keep theirs apart (`pk`, `cause`)."""

    def __init__(
        self,
        queue: RecomputeQueue,
        table: Any,
        expiry_seconds: int,
        *,
        pk: str = PK,
        cause: str = CAUSE,
    ) -> None:
        self._queue = queue
        self._table = table
        self._expiry = expiry_seconds
        self._pk = pk
        self._cause = cause

    def enqueue(
        self, shares: Mapping[str, Sequence[str]], now: datetime, *, full: bool = False
    ) -> EnqueueReport:
        """Sends the shares no earlier delivery enqueued (`full`: as full recomputes), then
        remembers the ones SQS accepted; raises `EnqueueIncompleteError` if SQS did not accept
        them all."""
        sources = {campaign_id: ",".join(sorted(ids)) for campaign_id, ids in shares.items()}
        keys = {campaign_id: _record_key(campaign_id, s) for campaign_id, s in sources.items()}
        done = self._enqueued_before(keys, now)
        to_send = {c: source for c, source in sources.items() if keys[c] not in done}
        details = {"full": True} if full else {}
        result = (
            self._queue.enqueue_many(self._cause, to_send, **details)
            if to_send
            else BatchSend({}, {})
        )
        expires_at = int(now.timestamp()) + self._expiry
        batch_put(
            self._table,
            [
                {"PK": self._pk, "SK": keys[c], "message_id": message_id, "expires_at": expires_at}
                for c, message_id in result.sent.items()
            ],
        )
        if result.failed:
            raise EnqueueIncompleteError(result.failed)
        return EnqueueReport(
            enqueued=tuple(c for c in shares if c in result.sent),
            duplicate=tuple(c for c in shares if keys[c] in done),
        )

    def _enqueued_before(self, keys: Mapping[str, str], now: datetime) -> set[str]:
        """The record keys an earlier delivery wrote and that have not expired (DynamoDB's TTL
        deletes expired items late, so the expiry is checked here)."""
        items = batch_get(
            self._table,
            [{"PK": self._pk, "SK": key} for key in keys.values()],
            projection="SK, expires_at",
        )
        return {item["SK"] for item in items if int(item["expires_at"]) > now.timestamp()}
