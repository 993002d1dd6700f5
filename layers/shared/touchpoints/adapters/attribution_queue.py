"""SQS adapter: asks the attribution function to attribute persons, a batch to a message.

A standard queue (not FIFO, decision 0007): attribution reads Salesforce fresh and writes only the
difference, so a message run twice, or out of order, leaves the same result.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from itertools import batched
from typing import Any

from touchpoints.adapters.sqs import postpone
from touchpoints.ports.attribution import PERSONS_PER_MESSAGE

MAX_DELAY_SECONDS = 900  # SQS's limit
SEND_BATCH = 10  # SendMessageBatch takes at most ten entries
SEND_ATTEMPTS = 3


class AttributionNotEnqueuedError(RuntimeError):
    """Some persons' attribution could not be enqueued (SQS refused them after retries)."""


class AttributionQueue:
    def __init__(self, sqs_client: Any, queue_url: str) -> None:
        self._sqs = sqs_client
        self._url = queue_url

    def enqueue_persons(self, person_ids: Iterable[str], cause: str) -> int:
        """One message per `PERSONS_PER_MESSAGE` persons (in id order), ten a call; an entry SQS
        fails on its side is sent again. Returns the number of messages sent."""
        bodies = [
            json.dumps({"person_ids": list(chunk), "cause": cause})
            for chunk in batched(sorted(set(person_ids)), PERSONS_PER_MESSAGE, strict=False)
        ]
        pending = list(bodies)
        for _ in range(SEND_ATTEMPTS):
            retry = []
            for chunk in batched(pending, SEND_BATCH, strict=False):
                entries = [{"Id": str(i), "MessageBody": body} for i, body in enumerate(chunk)]
                reply = self._sqs.send_message_batch(QueueUrl=self._url, Entries=entries)
                retry += [chunk[int(entry["Id"])] for entry in reply.get("Failed", [])]
            pending = retry
            if not pending:
                return len(bodies)
        raise AttributionNotEnqueuedError(f"{len(pending)} attribution messages were not sent")

    def continue_later(self, body: str, delay_seconds: int) -> None:
        """A run waiting on its Bulk ingest jobs: its continuation, delivered after the wait."""
        self._sqs.send_message(
            QueueUrl=self._url,
            MessageBody=body,
            DelaySeconds=max(0, min(delay_seconds, MAX_DELAY_SECONDS)),
        )

    def postpone_for(self, receipt_handle: str, seconds: int) -> None:
        """Keep a received message hidden for `seconds` (how long: services/api_limit.py)."""
        postpone(self._sqs, self._url, receipt_handle, seconds)
