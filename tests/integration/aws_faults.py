"""Faults and clocks of the AWS services the tests inject into moto, the way AWS shows them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any, TypeVar

import moto.sqs.models as sqs_models
import pytest

from emulators.world import World

T = TypeVar("T")


class AwsCalls:
    """The boto3 calls made while `during` runs something, by "service.Operation" (botocore's
    before-call event on the session, which each client copies when it is built: create this
    before the function's first invocation)."""

    def __init__(self, world: World) -> None:
        self._counting: Counter[str] | None = None
        events = world.session._session.get_component("event_emitter")
        events.register("before-call", self._count)

    def _count(self, event_name: str, **_: object) -> None:
        if self._counting is not None:
            _, service, operation = event_name.split(".")
            self._counting[f"{service}.{operation}"] += 1

    def during(self, run: Callable[[], T]) -> tuple[T, Counter[str]]:
        """What `run` returned, and the calls it made."""
        self._counting = Counter()
        try:
            return run(), self._counting
        finally:
            self._counting = None


def fail_batch_entries(
    monkeypatch: pytest.MonkeyPatch, fails: Callable[[dict[str, Any]], bool]
) -> list[str]:
    """SendMessageBatch reports the entries `fails` picks as failed through no fault of the sender
    (SenderFault false, code InternalError) and enqueues only the others, as SQS may: "For each
    message in the batch, the response contains a SendMessageBatchResultEntry tag if the message
    succeeds or a BatchResultErrorEntry tag if the message fails" (Amazon SQS API Reference,
    SendMessageBatch: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessageBatch.html).
    Returns the MessageGroupIds of the entries it failed, in order."""
    real = sqs_models.SQSBackend.send_message_batch
    failed_groups: list[str] = []

    def send_message_batch(self, queue_name: str, entries: dict[str, dict[str, Any]]):
        failing = {key: entry for key, entry in entries.items() if fails(entry)}
        kept = {key: entry for key, entry in entries.items() if key not in failing}
        messages, failed = real(self, queue_name, kept) if kept else ([], [])
        for entry in failing.values():
            failed_groups.append(entry["MessageGroupId"])
            failed.append(
                {
                    "Id": entry["Id"],
                    "SenderFault": False,
                    "Code": "InternalError",
                    "Message": "injected",
                }
            )
        return messages, failed

    monkeypatch.setattr(sqs_models.SQSBackend, "send_message_batch", send_message_batch)
    return failed_groups


def advance_sqs_clock(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    """Moves moto's SQS clock on (timestamps, the FIFO deduplication window) by `seconds`."""
    real = sqs_models.unix_time_millis
    monkeypatch.setattr(sqs_models, "unix_time_millis", lambda dt=None: real(dt) + seconds * 1000)
