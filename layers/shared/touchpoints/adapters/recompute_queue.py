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
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from touchpoints.adapters.sqs import postpone

# SendMessageBatch takes up to 10 entries; an entry SQS reports failed (its fault, not ours) is sent
# again, up to this many attempts in all.
SEND_BATCH = 10
SEND_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class BatchSend:
    """What a batched enqueue did: message id per campaign sent, SQS error code per campaign not."""

    sent: dict[str, str]
    failed: dict[str, str]


class RecomputeQueue:
    def __init__(self, sqs_client: Any, queue_url: str) -> None:
        self._sqs = sqs_client
        self._url = queue_url

    def enqueue(self, campaign_id: str, cause: str, dedup_source: str, **details: Any) -> str:
        """One message per campaign and cause; the same `dedup_source` within SQS's five-minute
        window is dropped by SQS itself, so a retried send never doubles the work.
        """
        reply = self._sqs.send_message(
            QueueUrl=self._url, **_message(campaign_id, cause, dedup_source, details)
        )
        return str(reply["MessageId"])

    def enqueue_many(
        self, cause: str, dedup_sources: Mapping[str, str], **details: Any
    ) -> BatchSend:
        """One message per campaign, as `enqueue` sends it (`details` in every body), ten a
        SendMessageBatch call. Entries
        SQS reports failed through no fault of ours are sent again (same deduplication id, so a
        copy SQS did keep is not doubled); entries still failed, or refused as our fault, or in a
        call that failed as a whole, are returned as failed: never dropped silently."""
        sent: dict[str, str] = {}
        failed: dict[str, str] = {}
        pending = list(dedup_sources)
        for _ in range(SEND_ATTEMPTS):
            retry: dict[str, str] = {}
            for start in range(0, len(pending), SEND_BATCH):
                chunk = pending[start : start + SEND_BATCH]
                entries = [
                    {
                        "Id": str(index),
                        **_message(campaign_id, cause, dedup_sources[campaign_id], details),
                    }
                    for index, campaign_id in enumerate(chunk)
                ]
                try:
                    reply = self._sqs.send_message_batch(QueueUrl=self._url, Entries=entries)
                except ClientError as error:  # botocore has retried it already
                    failed.update(dict.fromkeys(chunk, error.response["Error"]["Code"]))
                    continue
                for entry in reply.get("Successful", []):
                    sent[chunk[int(entry["Id"])]] = entry["MessageId"]
                for entry in reply.get("Failed", []):
                    bucket = failed if entry.get("SenderFault") else retry
                    bucket[chunk[int(entry["Id"])]] = entry.get("Code", "unknown")
            pending = list(retry)
            if not pending:
                break
        failed.update(retry)
        return BatchSend(sent, failed)

    def postpone_for(self, receipt_handle: str, seconds: int) -> None:
        """Keep a received message hidden, and its campaign's group waiting behind it, for
        `seconds` (up to SQS's 12 h)."""
        postpone(self._sqs, self._url, receipt_handle, seconds)


def _message(
    campaign_id: str, cause: str, dedup_source: str, details: Mapping[str, Any] | None = None
) -> dict[str, str]:
    """A recompute request: its campaign's FIFO group, and a deduplication id derived from the
    campaign and `dedup_source`."""
    return {
        "MessageBody": json.dumps({"campaign_id": campaign_id, "cause": cause, **(details or {})}),
        "MessageGroupId": campaign_id,
        "MessageDeduplicationId": hashlib.sha256(
            f"{campaign_id}|{dedup_source}".encode()
        ).hexdigest(),
    }
