"""Around the work of one SQS record: when Salesforce's API limit is spent, the message is hidden
for longer after each delivery (see rules/limit_backoff.py) and the failure is reported for it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aws_lambda_powertools import Logger

from touchpoints.errors import SalesforceLimitExceededError
from touchpoints.ports.queues import PostponingQueue

logger = Logger(child=True)


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
