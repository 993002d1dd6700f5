"""The webhook's enqueue-once: a campaign's share of an outbound message is enqueued once, however
often Salesforce delivers it (Powertools Idempotency on DynamoDB, keyed on the campaign and its
notification ids, kept past Salesforce's 24 h retry window)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)

from touchpoints.ports.queues import QueuePort


class CampaignEnqueuer:
    """Enqueues a campaign's recompute once per (campaign, notification ids)."""

    def __init__(
        self, queue: QueuePort, table_name: str, expiry_seconds: int, dynamodb_client: Any = None
    ) -> None:
        self._queue = queue
        persistence = DynamoDBPersistenceLayer(
            table_name=table_name,
            key_attr="PK",
            sort_key_attr="SK",
            static_pk_value="IDEMPOTENCY#webhook",
            expiry_attr="expires_at",
            boto3_client=dynamodb_client,
        )
        self._config = IdempotencyConfig(expires_after_seconds=expiry_seconds)
        self._enqueue_once = idempotent_function(
            data_keyword_argument="request", config=self._config, persistence_store=persistence
        )(self._enqueue)
        self.sent = 0

    def register_lambda_context(self, context: Any) -> None:
        """Lets an interrupted invocation's in-progress records expire with the invocation."""
        self._config.register_lambda_context(context)

    def _enqueue(self, request: dict[str, Any]) -> dict[str, Any]:
        self.sent += 1
        message_id = self._queue.enqueue(
            request["campaign_id"], "outbound_message", ",".join(request["notification_ids"])
        )
        return {"message_id": message_id}

    def enqueue(self, campaign_id: str, notification_ids: list[str]) -> bool:
        """True when enqueued now, False when an earlier delivery already did it."""
        sent_before = self.sent
        self._enqueue_once(
            request={"campaign_id": campaign_id, "notification_ids": sorted(notification_ids)}
        )
        return self.sent > sent_before
