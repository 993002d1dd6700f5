"""SQS adapter: asks for a campaign's touchpoints to be recomputed (FIFO, one group per campaign)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from touchpoints.adapters.sqs_backoff import backoff_seconds, postpone


class RecomputeQueue:
    def __init__(self, sqs_client: Any, queue_url: str) -> None:
        self._sqs = sqs_client
        self._url = queue_url

    def enqueue(self, campaign_id: str, cause: str, dedup_source: str, **details: Any) -> str:
        """One message per campaign and cause; the same `dedup_source` within SQS's five-minute
        window is dropped by SQS itself, so a retried send never doubles the work.
        """
        dedup_id = hashlib.sha256(f"{campaign_id}|{dedup_source}".encode()).hexdigest()
        reply = self._sqs.send_message(
            QueueUrl=self._url,
            MessageBody=json.dumps({"campaign_id": campaign_id, "cause": cause, **details}),
            MessageGroupId=campaign_id,
            MessageDeduplicationId=dedup_id,
        )
        return reply["MessageId"]

    def postpone(self, receipt_handle: str, deliveries: int) -> int:
        """Hide a message for longer after each delivery; returns the delay in seconds."""
        delay = backoff_seconds(deliveries)
        postpone(self._sqs, self._url, receipt_handle, delay)
        return delay
