"""Use case: accept a Salesforce outbound message and enqueue one recompute per campaign.

The endpoint token is checked before the body is read, and the webhook fails closed: with no token
configured it accepts nothing. A refused message changes nothing; a notification of a well-formed
message whose ids are not Salesforce ids is acknowledged and never queued (it could never succeed).

The ack is returned only after every notification is recorded and its recompute enqueued; any
failure propagates so the handler answers 500 and Salesforce retries. A retry repeats nothing that
already succeeded: each campaign's share of a message is enqueued once (SQS deduplication within
five minutes, an idempotency record per share beyond, kept past Salesforce's 24 h retry window: see
adapters/enqueue_once.py). The AWS work is batched: a message of 100 notifications costs a handful
of calls, not a few per campaign.
"""

from __future__ import annotations

import hmac
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from aws_lambda_powertools import Logger

from touchpoints.log_values import clip
from touchpoints.outbound import (
    MalformedOutboundMessageError,
    Notification,
    OutboundMessage,
    parse_outbound_message,
)
from touchpoints.ports.queues import EnqueueOncePort
from touchpoints.rules.notification_stamps import trusted_stamp
from touchpoints.rules.salesforce_ids import canonical_id

# A type only: the state port's module holds the members' state values, which the webhook never
# reads (its notification log is a port of its own there).
if TYPE_CHECKING:
    from touchpoints.ports.state import NotificationLogPort

logger = Logger(child=True)

# A configured token shorter than this is treated as none: it could be guessed.
MIN_TOKEN_LENGTH = 16


class RefusedMessageError(Exception):
    """The message is refused before anything is recorded. `reason` is ours (safe to log);
    `detail` is what the caller sent, clipped for the log; neither goes back to the caller."""

    def __init__(self, reason: str, detail: object = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = None if detail is None else clip(detail)


class EndpointTokenMissingError(RefusedMessageError):
    """No endpoint token is configured: the webhook accepts nothing (fails closed)."""


class BadEndpointTokenError(RefusedMessageError):
    """The URL's token is missing or is not the configured one."""


class UnknownOrganizationError(RefusedMessageError):
    """The message comes from an organization that is not allowed."""


@dataclass
class WebhookOutcome:
    """What happened to each notification of an accepted message."""

    organization_id: str
    accepted: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    without_record: list[str] = field(default_factory=list)
    # (notification id, reason, offending value), clipped: notifications of a well-formed message
    # whose values are not usable; acknowledged, never queued.
    refused: list[tuple[str, str, str]] = field(default_factory=list)
    other_objects: list[str] = field(default_factory=list)  # the object of each, not acted on
    campaigns_enqueued: list[str] = field(default_factory=list)
    campaigns_duplicate: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class CheckedNotification:
    """A notification whose ids are canonical 18-character Salesforce ids and whose stamp is
    trusted (None: unknown); `record_id` or `campaign_id` None means it names no record."""

    notification_id: str
    record_id: str | None
    campaign_id: str | None
    modified_at: datetime | None


class RefusedNotificationError(ValueError):
    """One notification of a well-formed message carries a value that is not usable."""

    def __init__(self, reason: str, value: object) -> None:
        super().__init__(reason)
        self.reason = reason
        self.value = clip(value)


def check_endpoint_token(presented: str | None, expected: str | None) -> None:
    """The URL's `token` must equal the configured one (constant-time); with none configured,
    or one too short to be a secret, nothing is accepted."""
    if not expected or len(expected) < MIN_TOKEN_LENGTH:
        raise EndpointTokenMissingError("no endpoint token is configured")
    if not presented or not hmac.compare_digest(
        presented.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass")
    ):
        raise BadEndpointTokenError("missing or wrong endpoint token")


def check_organization(message: OutboundMessage, allowed: frozenset[str]) -> str:
    """Only the configured org ids are accepted (compared in their 18-character form)."""
    organization_id = canonical_id(message.organization_id)
    if organization_id is None or organization_id not in allowed:
        raise UnknownOrganizationError("organization is not allowed", message.organization_id)
    return organization_id


def check_notification(notification: Notification, now: datetime) -> CheckedNotification:
    """Every id a notification carries must be a Salesforce id; it is used in its 18-character
    form from here on (queue group, state keys, logs)."""
    notification_id = canonical_id(notification.id)
    if notification_id is None:
        raise RefusedNotificationError("notification id is not a Salesforce id", notification.id)
    record_id = campaign_id = None
    if notification.record_id is not None:
        record_id = canonical_id(notification.record_id)
        if record_id is None:
            raise RefusedNotificationError(
                "record id is not a Salesforce id", notification.record_id
            )
        if notification.campaign_id is not None:
            campaign_id = canonical_id(notification.campaign_id)
            if campaign_id is None:
                raise RefusedNotificationError(
                    "campaign id is not a Salesforce id", notification.campaign_id
                )
    return CheckedNotification(
        notification_id, record_id, campaign_id, trusted_stamp(notification.modified_at, now)
    )


def accept_outbound_message(
    presented_token: str | None,
    expected_token: Callable[[], str | None],
    read_body: Callable[[], bytes],
    *,
    allowed_org_ids: frozenset[str],
    notification_log: NotificationLogPort,
    enqueuer: EnqueueOncePort,
    now: datetime,
) -> WebhookOutcome:
    """Authenticate first, then read and check the message, then record and enqueue."""
    check_endpoint_token(presented_token, expected_token())
    try:
        message = parse_outbound_message(read_body())
    except MalformedOutboundMessageError as error:
        raise RefusedMessageError("malformed outbound message", str(error)) from None
    organization_id = check_organization(message, allowed_org_ids)

    outcome = WebhookOutcome(organization_id)
    checked: list[CheckedNotification] = []
    for notification in message.notifications:
        if notification.about_other_object:
            outcome.other_objects.append(clip(notification.sobject_type))
            continue
        try:
            checked.append(check_notification(notification, now))
        except RefusedNotificationError as refused:
            outcome.refused.append((clip(notification.id), refused.reason, refused.value))

    newest: dict[str, datetime] = {}  # per record: one stale check, against its newest stamp
    for item in checked:
        if item.record_id and item.modified_at:
            newest[item.record_id] = max(
                item.modified_at, newest.get(item.record_id, item.modified_at)
            )
    fresh = notification_log.claim_newest(newest, now)
    by_campaign: dict[str, list[str]] = defaultdict(list)
    for item in checked:
        if item.record_id is None or item.campaign_id is None:
            outcome.without_record.append(item.notification_id)
        elif item.modified_at is not None and (
            item.record_id not in fresh or item.modified_at < newest[item.record_id]
        ):
            outcome.stale.append(item.notification_id)
        else:  # an unknown stamp is never stale: the recompute reads the record fresh anyway
            by_campaign[item.campaign_id].append(item.notification_id)
            outcome.accepted.append(item.notification_id)
    if outcome.without_record:
        notification_log.record_without_record(outcome.without_record, organization_id, now)

    report = enqueuer.enqueue(by_campaign, now)
    outcome.campaigns_enqueued = list(report.enqueued)
    outcome.campaigns_duplicate = list(report.duplicate)
    if outcome.refused:
        logger.warning(
            "outbound notifications refused (acknowledged, not queued)",
            extra={"outbound_message": {"refused": [list(item) for item in outcome.refused]}},
        )
    logger.info(
        "outbound message accepted",
        extra={
            "outbound_message": {
                "organization_id": outcome.organization_id,
                "notification_ids": outcome.accepted,
                "stale_notification_ids": outcome.stale,
                "notifications_without_record": outcome.without_record,
                "refused_notifications": len(outcome.refused),
                "other_object_notifications": sorted(set(outcome.other_objects)),
                "campaigns_enqueued": outcome.campaigns_enqueued,
                "campaigns_duplicate": outcome.campaigns_duplicate,
            }
        },
    )
    return outcome
