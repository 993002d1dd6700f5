"""SQS adapter: asks the bulk date function to carry on with a job in a later invocation.

A standard queue (not FIFO): a continuation may be delayed (Bulk API polling, the watchdog sent
before work starts), and running a job step twice is harmless (see services/bulk_date.py).
"""

from __future__ import annotations

import json
from typing import Any

from touchpoints.adapters.sqs import postpone

MAX_DELAY_SECONDS = 900  # SQS's limit


class JobQueue:
    def __init__(self, sqs_client: Any, queue_url: str) -> None:
        if not queue_url:
            raise ValueError("BULK_DATE_JOB_QUEUE_URL is required to run bulk date jobs")
        self._sqs = sqs_client
        self._url = queue_url

    def continue_later(self, job_id: str, delay_seconds: int = 0) -> str:
        reply = self._sqs.send_message(
            QueueUrl=self._url,
            MessageBody=json.dumps({"job_id": job_id}),
            DelaySeconds=max(0, min(delay_seconds, MAX_DELAY_SECONDS)),
        )
        return str(reply["MessageId"])

    def postpone_for(self, receipt_handle: str, seconds: int) -> None:
        """Keep a received message hidden for `seconds` (how long: services/api_limit.py)."""
        postpone(self._sqs, self._url, receipt_handle, seconds)
