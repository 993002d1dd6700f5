"""Use case: accept a Salesforce outbound message and enqueue one recompute per campaign.

The ack is returned only after every notification is recorded and its recompute enqueued; any
failure propagates so the handler answers 500 and Salesforce retries. A retry repeats nothing that
already succeeded: each campaign's share of a message is enqueued once (Powertools Idempotency,
keyed on the campaign and its notification ids, kept past Salesforce's 24 h retry window).
"""

from __future__ import annotations

import hmac
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)

from touchpoints.outbound import (
    MalformedOutboundMessageError,
    OutboundMessage,
    parse_outbound_message,
)

logger = Logger(child=True)


class RefusedMessageError(Exception):
    """The message is refused before anything is recorded; `reason` is safe to log."""

    status = 400

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class UnknownOrganizationError(RefusedMessageError):
    status = 403


class BadEndpointTokenError(RefusedMessageError):
    status = 403


class QueuePort(Protocol):
    def enqueue(self, campaign_id: str, cause: str, dedup_source: str, **details: Any) -> str: ...


class NotificationLogPort(Protocol):
    def claim_newest(self, record_id: str, modified_at: datetime, now: datetime) -> bool: ...
    def record_without_record(
        self, notification_id: str, organization_id: str, now: datetime
    ) -> None: ...


@dataclass
class WebhookOutcome:
    """What happened to each notification of an accepted message."""

    organization_id: str
    accepted: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    without_record: list[str] = field(default_factory=list)
    campaigns_enqueued: list[str] = field(default_factory=list)
    campaigns_duplicate: list[str] = field(default_factory=list)


def check_endpoint_token(presented: str | None, expected: str | None) -> None:
    """When the secret carries `outbound_token`, the URL's `token` must equal it (constant time)."""
    if expected is None:
        return
    if not presented or not hmac.compare_digest(presented.encode(), expected.encode()):
        raise BadEndpointTokenError("missing or wrong endpoint token")


def check_organization(message: OutboundMessage, allowed: frozenset[str]) -> None:
    """Only the configured 18-character org ids are accepted, compared case-sensitively."""
    if message.organization_id not in allowed:
        raise UnknownOrganizationError(f"organization {message.organization_id} is not allowed")


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


def accept_outbound_message(
    body: bytes,
    presented_token: str | None,
    *,
    allowed_org_ids: frozenset[str],
    secret: Callable[[], Mapping[str, Any]],
    notification_log: NotificationLogPort,
    enqueuer: CampaignEnqueuer,
    now: datetime,
) -> WebhookOutcome:
    try:
        message = parse_outbound_message(body)
    except MalformedOutboundMessageError as error:
        raise RefusedMessageError(str(error)) from None
    check_organization(message, allowed_org_ids)
    check_endpoint_token(presented_token, secret().get("outbound_token"))

    outcome = WebhookOutcome(message.organization_id)
    newest: dict[str, datetime] = {}  # per record: one stale check, against its newest stamp
    for notification in message.notifications:
        record_id, stamp = notification.record_id, notification.modified_at
        if record_id and stamp:
            newest[record_id] = max(stamp, newest.get(record_id, stamp))
    fresh = {
        record_id
        for record_id, stamp in newest.items()
        if notification_log.claim_newest(record_id, stamp, now)
    }
    by_campaign: dict[str, list[str]] = defaultdict(list)
    for notification in message.notifications:
        campaign_id = notification.campaign_id
        if notification.record_id is None or campaign_id is None:
            notification_log.record_without_record(notification.id, message.organization_id, now)
            outcome.without_record.append(notification.id)
        elif notification.record_id in newest and (
            notification.record_id not in fresh
            or notification.modified_at < newest[notification.record_id]
        ):
            outcome.stale.append(notification.id)
        else:
            by_campaign[campaign_id].append(notification.id)
            outcome.accepted.append(notification.id)

    for campaign_id, notification_ids in by_campaign.items():
        if enqueuer.enqueue(campaign_id, notification_ids):
            outcome.campaigns_enqueued.append(campaign_id)
        else:
            outcome.campaigns_duplicate.append(campaign_id)
    logger.info(
        "outbound message accepted",
        extra={
            "outbound_message": {
                "organization_id": outcome.organization_id,
                "notification_ids": outcome.accepted,
                "stale_notification_ids": outcome.stale,
                "notifications_without_record": outcome.without_record,
                "campaigns_enqueued": outcome.campaigns_enqueued,
                "campaigns_duplicate": outcome.campaigns_duplicate,
            }
        },
    )
    return outcome
