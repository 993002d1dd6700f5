"""Each in-memory fake keeps its port's promise. `make typecheck` runs mypy over this module, so a
fake whose methods drift from its Protocol (a name, a parameter, a return type) fails the build;
the fakes' own bodies are test code and are not checked strictly. (The sweep has no fakes: its
tests drive the handler.)"""

from tests.fakes.attribution import FakeAttributionSalesforce, FakePersonPaths
from tests.fakes.audit import FakeAuditLog
from tests.fakes.channel_mapping import FakeChannelMapping
from tests.fakes.jobs import FakeJobStore, FakeQueue
from tests.fakes.program_sync import FakeCampaigns, FakeEvents, FakeLinks, FakeMarketo
from tests.fakes.salesforce import FakeSalesforce, FakeStagedStatuses, FakeStagedWrites
from tests.fakes.state import FakeState
from touchpoints.ports.attribution import AttributionSalesforcePort, PersonPathPort
from touchpoints.ports.audit import AuditLogPort
from touchpoints.ports.campaigns import CampaignsPort
from touchpoints.ports.channel_mapping import ChannelMappingStorePort, RecomputeChannelsPort
from touchpoints.ports.events import EventsPort
from touchpoints.ports.jobs import JobStorePort
from touchpoints.ports.marketo import MarketoPort
from touchpoints.ports.program_links import LinksPort
from touchpoints.ports.queues import PostponingQueue, RecomputeQueuePort
from touchpoints.ports.salesforce import (
    BulkSalesforcePort,
    RecomputeSalesforcePort,
    StagedMemberStatuses,
    StagedTouchpointWrites,
)
from touchpoints.ports.state import StatePort, SyncStatusStatePort


def fakes_keep_their_ports() -> None:
    salesforce = FakeSalesforce()
    recompute_salesforce: RecomputeSalesforcePort = salesforce
    bulk_salesforce: BulkSalesforcePort = salesforce
    staged: StagedTouchpointWrites = FakeStagedWrites(salesforce)
    staged_statuses: StagedMemberStatuses = FakeStagedStatuses(salesforce)
    recompute_state: StatePort = FakeState()
    mapping: RecomputeChannelsPort = FakeChannelMapping()
    mapping_store: ChannelMappingStorePort = FakeChannelMapping()
    jobs: JobStorePort = FakeJobStore()
    queue: RecomputeQueuePort = FakeQueue()
    postponing: PostponingQueue = FakeQueue()
    marketo: MarketoPort = FakeMarketo()
    campaigns: CampaignsPort = FakeCampaigns()
    links: LinksPort = FakeLinks()
    events: EventsPort = FakeEvents()
    attribution: AttributionSalesforcePort = FakeAttributionSalesforce()
    paths: PersonPathPort = FakePersonPaths()
    status_state: SyncStatusStatePort = FakeState()
    audit_log: AuditLogPort = FakeAuditLog()
    del recompute_salesforce, bulk_salesforce, staged, recompute_state, mapping, jobs, queue
    del marketo, campaigns, links, events, attribution, paths, mapping_store, postponing
    del status_state, audit_log, staged_statuses
