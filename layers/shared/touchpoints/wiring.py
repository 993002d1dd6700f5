"""Builds the adapters a function needs from the settings. Tests and the demo build their own
`Dependencies` (for example with the Salesforce emulator's HTTP session) and pass them in."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

import boto3
import requests
from simple_salesforce import Salesforce

from touchpoints.adapters.channel_mapping_store import ChannelMappingStore
from touchpoints.adapters.events import EventPublisher
from touchpoints.adapters.job_queue import JobQueue
from touchpoints.adapters.job_store import JobStore
from touchpoints.adapters.marketo import MarketoClient, connect_marketo
from touchpoints.adapters.notification_log import NotificationLog
from touchpoints.adapters.program_links import ProgramLinkStore
from touchpoints.adapters.recompute_queue import RecomputeQueue
from touchpoints.adapters.salesforce import SalesforceGateway
from touchpoints.adapters.salesforce_campaigns import CampaignSyncGateway
from touchpoints.adapters.salesforce_client import connect
from touchpoints.adapters.secrets import JsonSecrets
from touchpoints.adapters.state_store import StateStore
from touchpoints.services.webhook import CampaignEnqueuer
from touchpoints.settings import Settings, SettingsError


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Dependencies:
    settings: Settings
    # None means a plain HTTPS session (production); tests mount the emulator on theirs.
    http_session_factory: Callable[[], requests.Session | None] = lambda: None
    clock: Callable[[], datetime] = _utc_now
    boto3_session: Any = field(default_factory=boto3.session.Session)
    # Marketo's HTTP session, as above: None in production, the Marketo emulator's in tests.
    marketo_session_factory: Callable[[], requests.Session | None] = lambda: None
    # How the program sync waits out Marketo's rate limits (tests pass one that records).
    sleep: Callable[[float], None] = time.sleep

    @cached_property
    def table(self) -> Any:
        return self.boto3_session.resource("dynamodb").Table(self.settings.table_name)

    @cached_property
    def state(self) -> StateStore:
        return StateStore(self.table)

    @cached_property
    def channel_mapping(self) -> ChannelMappingStore:
        return ChannelMappingStore(self.table)

    @cached_property
    def queue(self) -> RecomputeQueue:
        return RecomputeQueue(self.boto3_session.client("sqs"), self.settings.recompute_queue_url)

    @cached_property
    def notification_log(self) -> NotificationLog:
        return NotificationLog(self.table, self.settings.idempotency_expiry_seconds)

    @cached_property
    def enqueuer(self) -> CampaignEnqueuer:
        return CampaignEnqueuer(
            self.queue,
            self.settings.table_name,
            self.settings.idempotency_expiry_seconds,
            dynamodb_client=self.boto3_session.client("dynamodb"),
        )

    @cached_property
    def jobs(self) -> JobStore:
        return JobStore(self.table, self.settings.job_retention_days)

    @cached_property
    def job_queue(self) -> JobQueue:
        return JobQueue(self.boto3_session.client("sqs"), self.settings.bulk_date_job_queue_url)

    @cached_property
    def secrets(self) -> JsonSecrets:
        return JsonSecrets(self.boto3_session.client("secretsmanager"))

    # -- program sync (ProgramSyncFunction) ---------------------------------------------------
    @cached_property
    def campaign_sync(self) -> CampaignSyncGateway:
        client = connect(self.salesforce_secret(), session=self.http_session_factory())
        return CampaignSyncGateway(
            client,
            self.settings.campaign_fields,
            self.settings.touchpoint_fields,
            reconnect=self._reconnect_salesforce,  # an expired session is renewed, as for recompute
        )

    @cached_property
    def marketo(self) -> MarketoClient:
        if not self.settings.marketo_secret_id:
            raise SettingsError(
                "environment variable MARKETO_SECRET_ID is required by the program sync"
            )
        secret = self.secrets.load(self.settings.marketo_secret_id)
        return connect_marketo(secret, self.marketo_session_factory(), self.sleep)

    @cached_property
    def program_links(self) -> ProgramLinkStore:
        return ProgramLinkStore(self.table)

    @cached_property
    def event_publisher(self) -> EventPublisher:
        return EventPublisher(self.boto3_session.client("events"), self.settings.event_bus_name)

    def outbound_token(self) -> str | None:
        """The webhook's endpoint token, from its own secret; None when none is configured."""
        if not self.settings.outbound_token_secret_id:
            return None
        token = self.secrets.load(self.settings.outbound_token_secret_id).get("outbound_token")
        return token if isinstance(token, str) and token else None

    def salesforce_username(self) -> str | None:
        """The integration user the Salesforce secret names (checked for Marketing User)."""
        return self.salesforce_secret().get("username")

    def salesforce_secret(self) -> dict[str, Any]:
        return self.secrets.load(self.settings.salesforce_secret_id)

    @cached_property
    def salesforce(self) -> SalesforceGateway:
        client = connect(self.salesforce_secret(), session=self.http_session_factory())
        return SalesforceGateway(
            client,
            self.settings.campaign_fields,
            self.settings.touchpoint_fields,
            bulk_poll_seconds=self.settings.bulk_poll_seconds,
            reconnect=self._reconnect_salesforce,
        )

    def _reconnect_salesforce(self) -> Salesforce:
        secret = self.secrets.load(self.settings.salesforce_secret_id, fresh=True)
        return connect(secret, session=self.http_session_factory())
