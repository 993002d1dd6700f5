"""Builds the adapters a function needs from the settings. Tests and the demo build their own
`Dependencies` (for example with the Salesforce emulator's HTTP session) and pass them in."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

import boto3

from touchpoints.settings import Settings, SettingsError

# Each adapter is imported where it is built, so a function loads only the clients it uses: the
# webhook never loads simple-salesforce, zeep, PyJWT, cryptography or the Marketo client.
if TYPE_CHECKING:
    import requests

    from touchpoints.adapters.attribution_queue import AttributionQueue
    from touchpoints.adapters.audit_log import AuditLog
    from touchpoints.adapters.channel_mapping_store import (
        ChannelMappingOncePerInvocation,
        ChannelMappingStore,
    )
    from touchpoints.adapters.enqueue_once import CampaignEnqueuer
    from touchpoints.adapters.events import EventPublisher
    from touchpoints.adapters.job_queue import JobQueue
    from touchpoints.adapters.job_store import JobStore
    from touchpoints.adapters.marketo import MarketoClient
    from touchpoints.adapters.notification_log import NotificationLog
    from touchpoints.adapters.person_paths import PersonPathStore
    from touchpoints.adapters.program_links import ProgramLinkStore
    from touchpoints.adapters.recompute_queue import RecomputeQueue
    from touchpoints.adapters.salesforce import SalesforceGateway
    from touchpoints.adapters.salesforce_attribution import SalesforceAttributionGateway
    from touchpoints.adapters.salesforce_campaigns import CampaignSyncGateway
    from touchpoints.adapters.salesforce_client import Connection
    from touchpoints.adapters.salesforce_limits import SalesforceLimits
    from touchpoints.adapters.salesforce_org_changes import SalesforceOrgChanges
    from touchpoints.adapters.salesforce_transport import SalesforceTransport
    from touchpoints.adapters.secrets import JsonSecrets
    from touchpoints.adapters.state_store import StateStore
    from touchpoints.services.attribution import Attribution
    from touchpoints.services.bulk_date import BulkDatePorts
    from touchpoints.services.change_events import ChangeEventPorts
    from touchpoints.services.program_sync.ports import ProgramSyncPorts
    from touchpoints.services.recompute_queue_policy import RecomputeQueuePolicy
    from touchpoints.services.sync_status import SyncStatus


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
        from touchpoints.adapters.dynamodb import TABLE_CLIENT_CONFIG

        dynamodb = self.boto3_session.resource("dynamodb", config=TABLE_CLIENT_CONFIG)
        return dynamodb.Table(self.settings.table_name)

    @cached_property
    def dynamodb_client(self) -> Any:
        """A low-level client, for the state store's items in the wire format (the table's own
        client converts every value through boto3's resource layer)."""
        from touchpoints.adapters.dynamodb import TABLE_CLIENT_CONFIG

        return self.boto3_session.client("dynamodb", config=TABLE_CLIENT_CONFIG)

    @cached_property
    def state(self) -> StateStore:
        from touchpoints.adapters.state_store import StateStore

        return StateStore(self.table, self.dynamodb_client)

    @cached_property
    def audit_log(self) -> AuditLog:
        from touchpoints.adapters.audit_log import AuditLog

        return AuditLog(self.table)

    @cached_property
    def sync_status(self) -> SyncStatus:
        from touchpoints.services.sync_status import SyncStatus

        return SyncStatus(self.state, self.person_paths, self.audit_log)

    @cached_property
    def channel_mapping(self) -> ChannelMappingStore:
        from touchpoints.adapters.channel_mapping_store import ChannelMappingStore

        return ChannelMappingStore(self.table)

    def channel_mapping_for_invocation(self) -> ChannelMappingOncePerInvocation:
        """The mapping read at most once in this invocation; the next one sees a change."""
        from touchpoints.adapters.channel_mapping_store import ChannelMappingOncePerInvocation

        return ChannelMappingOncePerInvocation(self.channel_mapping)

    @cached_property
    def queue(self) -> RecomputeQueue:
        from touchpoints.adapters.recompute_queue import RecomputeQueue

        return RecomputeQueue(self.boto3_session.client("sqs"), self.settings.recompute_queue_url)

    def recompute_queue_policy(self) -> RecomputeQueuePolicy:
        """The recompute and its queue's policy for one batch: the channel mapping read at most
        once, the API limit met once holding the rest of the batch."""
        from touchpoints.services.recompute import Recompute
        from touchpoints.services.recompute_queue_policy import RecomputeQueuePolicy

        channel_mapping = self.channel_mapping_for_invocation()

        def recompute() -> Recompute:
            return Recompute(
                self.salesforce,
                self.state,
                channel_mapping=channel_mapping,
                bulk_threshold=self.settings.bulk_api_threshold,
                write_back_status=self.settings.write_back_member_status,
            )

        attribution = self.attribution_queue if self.settings.attribution_queue_url else None
        return RecomputeQueuePolicy(recompute, self.queue, attribution, self.clock)

    @cached_property
    def notification_log(self) -> NotificationLog:
        from touchpoints.adapters.notification_log import NotificationLog

        return NotificationLog(self.table, self.settings.idempotency_expiry_seconds)

    @cached_property
    def enqueuer(self) -> CampaignEnqueuer:
        from touchpoints.adapters.enqueue_once import CampaignEnqueuer

        return CampaignEnqueuer(self.queue, self.table, self.settings.idempotency_expiry_seconds)

    @cached_property
    def change_events(self) -> ChangeEventPorts:
        """What the change event function runs on: its own enqueue-once records and cause, and
        the attribution queue for opportunity and contact role changes."""
        from touchpoints.adapters.enqueue_once import CampaignEnqueuer
        from touchpoints.adapters.salesforce_records import RecordMapper
        from touchpoints.services.change_events import ChangeEventPorts

        mapper = RecordMapper(self.settings.campaign_fields, self.settings.touchpoint_fields)
        attributed = bool(self.settings.attribution_queue_url)
        return ChangeEventPorts(
            allowed_org_ids=self.settings.allowed_org_ids,
            watched=mapper.watched_fields,
            org_changes=self.org_changes,
            enqueuer=CampaignEnqueuer(
                self.queue,
                self.table,
                self.settings.idempotency_expiry_seconds,
                pk="IDEMPOTENCY#change-events",
                cause="change_event",
            ),
            # opportunity and contact role changes ask for attribution, where it is configured
            opportunity_contacts=self.attribution_gateway if attributed else None,
            attribution_queue=self.attribution_queue if attributed else None,
        )

    @cached_property
    def jobs(self) -> JobStore:
        from touchpoints.adapters.job_store import JobStore

        return JobStore(self.table, self.settings.job_retention_days)

    @cached_property
    def job_queue(self) -> JobQueue:
        from touchpoints.adapters.job_queue import JobQueue

        return JobQueue(self.boto3_session.client("sqs"), self.settings.bulk_date_job_queue_url)

    @cached_property
    def bulk_date(self) -> BulkDatePorts:
        """What the bulk touchpoint date jobs run on (its API and its continuations)."""
        from touchpoints.services.bulk_date import BulkDatePorts

        return BulkDatePorts(
            salesforce=self.salesforce,
            jobs=self.jobs,
            continuation=self.job_queue,
            recompute=self.queue,
            bulk_threshold=self.settings.bulk_api_threshold,
            continue_delay_seconds=self.settings.job_continue_delay_seconds,
        )

    @cached_property
    def secrets(self) -> JsonSecrets:
        from touchpoints.adapters.secrets import JsonSecrets

        return JsonSecrets(self.boto3_session.client("secretsmanager"))

    # -- program sync (ProgramSyncFunction) ---------------------------------------------------
    @cached_property
    def campaign_sync(self) -> CampaignSyncGateway:
        from touchpoints.adapters.salesforce_campaigns import CampaignSyncGateway

        return CampaignSyncGateway(self.salesforce_transport)

    @cached_property
    def marketo(self) -> MarketoClient:
        from touchpoints.adapters.marketo import connect_marketo

        if not self.settings.marketo_secret_id:
            raise SettingsError(
                "environment variable MARKETO_SECRET_ID is required by the program sync"
            )
        secret_id = self.settings.marketo_secret_id
        return connect_marketo(
            self.secrets.load(secret_id),
            self.marketo_session_factory(),
            self.sleep,
            reread_secret=lambda: self.secrets.load(secret_id, fresh=True),
        )

    @cached_property
    def program_links(self) -> ProgramLinkStore:
        from touchpoints.adapters.program_links import ProgramLinkStore

        return ProgramLinkStore(self.table)

    @cached_property
    def program_sync(self) -> ProgramSyncPorts:
        """What the program sync runs on (the scheduled run, and the API's link and run now)."""
        from touchpoints.services.program_sync.ports import ProgramSyncPorts

        return ProgramSyncPorts(
            marketo=self.marketo,
            salesforce=self.campaign_sync,
            links=self.program_links,
            events=self.event_publisher,
            sync_enabled=self.settings.campaign_sync_enabled,
        )

    @cached_property
    def event_publisher(self) -> EventPublisher:
        from touchpoints.adapters.events import EventPublisher

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
    def salesforce_transport(self) -> SalesforceTransport:
        """One client per function (one login per Lambda environment), its session renewed when
        it expires; logins are counted with the calls."""
        from touchpoints.adapters.salesforce_client import login
        from touchpoints.adapters.salesforce_transport import SalesforceTransport

        client, logged_in = login(self.salesforce_secret(), session=self.http_session_factory())
        return SalesforceTransport(
            client, reconnect=self._reconnect_salesforce, logged_in=logged_in
        )

    @cached_property
    def salesforce_limits(self) -> SalesforceLimits:
        from touchpoints.adapters.salesforce_limits import SalesforceLimits

        return SalesforceLimits(self.salesforce_transport)

    @cached_property
    def salesforce(self) -> SalesforceGateway:
        from touchpoints.adapters.salesforce import SalesforceGateway

        return SalesforceGateway(
            self.salesforce_transport,
            self.settings.campaign_fields,
            self.settings.touchpoint_fields,
            sync_values=self.settings.sync_setting_values,
        )

    @cached_property
    def org_changes(self) -> SalesforceOrgChanges:
        """What the org changed without an outbound message (the sweep, Change Data Capture)."""
        from touchpoints.adapters.salesforce_org_changes import SalesforceOrgChanges

        return SalesforceOrgChanges(self.salesforce_transport, self.settings.campaign_fields)

    # -- attribution (AttributionFunction; the recompute and the sweep enqueue for it) ---------
    @cached_property
    def attribution_queue(self) -> AttributionQueue:
        from touchpoints.adapters.attribution_queue import AttributionQueue

        if not self.settings.attribution_queue_url:
            raise SettingsError("environment variable ATTRIBUTION_QUEUE_URL is required")
        return AttributionQueue(
            self.boto3_session.client("sqs"), self.settings.attribution_queue_url
        )

    @cached_property
    def attribution_gateway(self) -> SalesforceAttributionGateway:
        from touchpoints.adapters.salesforce_attribution import SalesforceAttributionGateway

        return SalesforceAttributionGateway(
            self.salesforce_transport,
            self.settings.touchpoint_fields,
            self.settings.attribution_fields,
        )

    @cached_property
    def attribution(self) -> Attribution:
        from touchpoints.services.attribution import Attribution, AttributionConfig

        config = AttributionConfig(
            self.settings.attribution_model,
            self.settings.custom_model,
            self.settings.campaign_influence_model,
        )
        return Attribution(
            self.attribution_gateway,
            config,
            self.person_paths,
            bulk_threshold=self.settings.bulk_api_threshold,
        )

    @cached_property
    def person_paths(self) -> PersonPathStore:
        from touchpoints.adapters.person_paths import PersonPathStore

        return PersonPathStore(self.table)

    def _reconnect_salesforce(self) -> Connection:
        from touchpoints.adapters.salesforce_client import login

        secret = self.secrets.load(self.settings.salesforce_secret_id, fresh=True)
        return login(secret, session=self.http_session_factory())
