"""DynamoDB adapter: what the webhook remembers about each Salesforce record it heard of.

RECORD#<sObjectId> / MODSTAMP          the newest SystemModstamp seen, to ignore stale notifications
NOTIFICATION#<id> / NO_RECORD          notifications that carried no record (acknowledged, kept 48 h)
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from touchpoints.adapters.dynamodb import is_condition_failure


class NotificationLog:
    def __init__(self, table: Any, retention_seconds: int) -> None:
        self._table = table
        self._retention = retention_seconds

    def claim_newest(self, record_id: str, modified_at: datetime, now: datetime) -> bool:
        """Record `modified_at` for the record unless a newer one was seen; False means stale.

        Equal stamps pass: a redelivery of the same notification must still be processed,
        in case its first delivery failed before the recompute was enqueued.
        """
        stamp = modified_at.isoformat()
        try:
            self._table.put_item(
                Item={
                    "PK": f"RECORD#{record_id}",
                    "SK": "MODSTAMP",
                    "modstamp": stamp,
                    "expires_at": int(now.timestamp()) + self._retention,
                },
                ConditionExpression="attribute_not_exists(PK) OR modstamp <= :stamp",
                ExpressionAttributeValues={":stamp": stamp},
            )
        except ClientError as error:
            if is_condition_failure(error):
                return False
            raise
        return True

    def record_without_record(
        self, notification_id: str, organization_id: str, now: datetime
    ) -> None:
        self._table.put_item(
            Item={
                "PK": f"NOTIFICATION#{notification_id}",
                "SK": "NO_RECORD",
                "organization_id": organization_id,
                "received_at": now.isoformat(),
                "expires_at": int(now.timestamp()) + self._retention,
            }
        )
