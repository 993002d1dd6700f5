"""Backing off a queued message when Salesforce's daily API limit is spent.

The message stays on its queue, hidden for longer after each delivery, so the work resumes when
the limit frees up instead of burning retries into the dead-letter queue.
"""

from __future__ import annotations

from typing import Any

LIMIT_BACKOFF_SECONDS = 300  # doubled per delivery
MAX_BACKOFF_SECONDS = 6 * 3600  # below SQS's 12 h visibility maximum


def backoff_seconds(deliveries: int) -> int:
    return min(LIMIT_BACKOFF_SECONDS * 2 ** max(deliveries - 1, 0), MAX_BACKOFF_SECONDS)


def postpone(sqs_client: Any, queue_url: str, receipt_handle: str, seconds: int) -> None:
    """Keep a message hidden for `seconds` before its next delivery."""
    sqs_client.change_message_visibility(
        QueueUrl=queue_url, ReceiptHandle=receipt_handle, VisibilityTimeout=seconds
    )
