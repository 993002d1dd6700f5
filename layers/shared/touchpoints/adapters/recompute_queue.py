"""SQS adapter: asks for a campaign's touchpoints to be recomputed (FIFO, one group per campaign).

A request that cannot run now goes back one of two ways. Postponed (the API limit): the message
stays, hidden by its visibility timeout, which also holds its campaign's group, so nothing of that
campaign overtakes it. Re-sent as a fresh copy (not enough time left, or a postponed message near
the queue's maxReceiveCount): FIFO queues take no per-message DelaySeconds, so a copy cannot wait
by itself; it goes to the back of its group, which is safe because every run reads the campaign
fresh and a stale continuation finds itself superseded. The copy's deduplication id derives from
the original message id, so a retried hand-back inside SQS's five-minute window sends one copy.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from touchpoints.adapters.sqs import postpone


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

    def postpone_for(self, receipt_handle: str, seconds: int) -> None:
        """Keep a received message hidden, and its campaign's group waiting behind it, for
        `seconds` (up to SQS's 12 h)."""
        postpone(self._sqs, self._url, receipt_handle, seconds)
