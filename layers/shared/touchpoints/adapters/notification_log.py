"""DynamoDB adapter: what the webhook remembers about each Salesforce record it heard of.

RECORD#<sObjectId> / MODSTAMP          the newest SystemModstamp seen, to ignore stale notifications
NOTIFICATION#<id> / NO_RECORD          notifications that carried no record (acknowledged, kept 48 h)

A message's stamps cost two calls, whatever its size (up to 100 records): one BatchGetItem reads
the stored stamps, one TransactWriteItems writes the newer ones, each conditional on the stored
stamp being no newer, so a concurrent delivery's newer stamp always wins.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from touchpoints.adapters.dynamodb import batch_get, batch_put

SK = "MODSTAMP"
# TransactWriteItems takes up to 100 actions; a message names at most 100 records.
TRANSACTION_ITEMS = 100
# A transaction cancelled by a conflict with a concurrent one is tried again, a few times.
TRANSACTION_ATTEMPTS = 4


def _pk(record_id: str) -> str:
    return f"RECORD#{record_id}"


class NotificationLog:
    def __init__(self, table: Any, retention_seconds: int) -> None:
        self._table = table
        self._retention = retention_seconds

    def claim_newest(self, stamps: Mapping[str, datetime], now: datetime) -> frozenset[str]:
        """Records each record's stamp unless a newer one was seen; returns the records whose
        stamp is the newest seen. Equal stamps pass (and are not written again): a redelivery of
        the same notification must still be processed, in case its first delivery failed before
        the recompute was enqueued.
        """
        wanted = {record_id: stamp.isoformat() for record_id, stamp in stamps.items()}
        stored = {
            item["PK"].removeprefix("RECORD#"): item["modstamp"]
            for item in batch_get(
                self._table,
                [{"PK": _pk(record_id), "SK": SK} for record_id in wanted],
                projection="PK, modstamp",
            )
        }
        equal, newer = set(), {}
        for record_id, stamp in wanted.items():
            seen = stored.get(record_id)
            seen_at = None if seen is None else datetime.fromisoformat(seen)
            if seen_at is None or seen_at < stamps[record_id]:
                newer[record_id] = stamp
            elif seen_at == stamps[record_id]:
                equal.add(record_id)
        written: set[str] = set()
        records = list(newer)
        for start in range(0, len(records), TRANSACTION_ITEMS):
            chunk = records[start : start + TRANSACTION_ITEMS]
            written |= self._write_newer({r: newer[r] for r in chunk}, now)
        return frozenset(equal | written)

    def _write_newer(self, stamps: dict[str, str], now: datetime) -> set[str]:
        """Writes the stamps in one transaction, each only if the stored one is no newer. A
        cancelled transaction names the items whose condition failed (a concurrent delivery stored
        a newer stamp: those are stale); the others are written again without them."""
        expires_at = int(now.timestamp()) + self._retention
        pending = dict(stamps)
        for attempt in range(TRANSACTION_ATTEMPTS):
            records = list(pending)
            if not records:
                return set()
            try:
                self._table.meta.client.transact_write_items(
                    TransactItems=[
                        {
                            "Put": {
                                "TableName": self._table.name,
                                "Item": {
                                    "PK": _pk(record_id),
                                    "SK": SK,
                                    "modstamp": pending[record_id],
                                    "expires_at": expires_at,
                                },
                                "ConditionExpression": (
                                    "attribute_not_exists(PK) OR modstamp <= :stamp"
                                ),
                                "ExpressionAttributeValues": {":stamp": pending[record_id]},
                            }
                        }
                        for record_id in records
                    ]
                )
            except ClientError as error:
                if error.response["Error"]["Code"] != "TransactionCanceledException":
                    raise
                reasons = error.response.get("CancellationReasons", [])
                stale = [
                    record_id
                    for record_id, reason in zip(records, reasons, strict=False)
                    if reason.get("Code") == "ConditionalCheckFailed"
                ]
                for record_id in stale:  # a newer stamp is stored: this one is stale
                    del pending[record_id]
                if not stale:  # a conflict with a concurrent transaction: ease off, try again
                    time.sleep(0.02 * 2**attempt)
                continue
            return set(pending)
        if not pending:
            return set()
        raise RuntimeError("stamps not recorded: transactions kept being cancelled")

    def record_without_record(
        self, notification_ids: Sequence[str], organization_id: str, now: datetime
    ) -> None:
        """Remembers the notifications that named no record (BatchWriteItem, 25 a call)."""
        batch_put(
            self._table,
            [
                {
                    "PK": f"NOTIFICATION#{notification_id}",
                    "SK": "NO_RECORD",
                    "organization_id": organization_id,
                    "received_at": now.isoformat(),
                    "expires_at": int(now.timestamp()) + self._retention,
                }
                for notification_id in notification_ids
            ],
        )
