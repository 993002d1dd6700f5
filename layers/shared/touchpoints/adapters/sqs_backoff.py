"""Backing off a queued message when Salesforce's daily API limit is spent.

The message stays on its queue, hidden for longer after each delivery, so the work resumes when
the limit frees up instead of burning retries into the dead-letter queue.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from aws_lambda_powertools import Logger

from touchpoints.errors import SalesforceLimitExceededError

logger = Logger(child=True)

LIMIT_BACKOFF_SECONDS = 300  # doubled per delivery
MAX_BACKOFF_SECONDS = 6 * 3600  # below SQS's 12 h visibility maximum


def backoff_seconds(deliveries: int) -> int:
    return min(LIMIT_BACKOFF_SECONDS * 2 ** max(deliveries - 1, 0), MAX_BACKOFF_SECONDS)


def postpone(sqs_client: Any, queue_url: str, receipt_handle: str, seconds: int) -> None:
    """Keep a message hidden for `seconds` before its next delivery."""
    sqs_client.change_message_visibility(
        QueueUrl=queue_url, ReceiptHandle=receipt_handle, VisibilityTimeout=seconds
    )


class PostponingQueue(Protocol):
    def postpone(self, receipt_handle: str, deliveries: int) -> int: ...


@contextmanager
def postponed_on_api_limit(queue: PostponingQueue, record: Any, **log_extra: Any) -> Iterator[None]:
    """Around the work of one SQS record: when Salesforce's API limit is spent, hide the message
    for longer after each delivery, then let the failure be reported for that record."""
    try:
        yield
    except SalesforceLimitExceededError:
        deliveries = int(record.attributes.approximate_receive_count or 1)
        delay = queue.postpone(record.receipt_handle, deliveries)
        logger.warning(
            "Salesforce API limit reached; message postponed",
            extra={"postponed": {**log_extra, "retry_in_seconds": delay}},
        )
        raise
