"""SQS helpers the queue adapters share."""

from __future__ import annotations

from typing import Any


def postpone(sqs_client: Any, queue_url: str, receipt_handle: str, seconds: int) -> None:
    """Keep a message hidden for `seconds` before its next delivery."""
    sqs_client.change_message_visibility(
        QueueUrl=queue_url, ReceiptHandle=receipt_handle, VisibilityTimeout=seconds
    )
