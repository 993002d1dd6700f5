"""What the services need from Salesforce, and the values they exchange with it.

Per-record failures come back as data (`RecordResult`), never as exceptions; whole-call failures
are the errors in `touchpoints.errors`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from touchpoints.rules.frozen_values import fast_frozen_init
from touchpoints.rules.models import Campaign, Member, Touchpoint

if TYPE_CHECKING:  # a type only: the bulk date jobs' rule, which the recompute never runs
    from touchpoints.rules.member_filter import MemberFilter


@dataclass(frozen=True, slots=True)
class RecordResult:
    """One record's outcome in a write: `ref` is our key or member id."""

    ref: str
    success: bool
    record_id: str | None = None
    error_code: str | None = None
    message: str | None = None


@fast_frozen_init  # one per touchpoint a first run writes
@dataclass(frozen=True, slots=True)
class UpsertedTouchpoint:
    """A touchpoint an upsert ingest job wrote, from its successful rows."""

    touchpoint: Touchpoint
    record_id: str
    created: bool  # Salesforce created the record (else it updated it)


@dataclass(frozen=True, slots=True)
class IngestOutcome:
    """A Bulk API 2.0 ingest job that is over: how many records it changed, the ones it refused,
    and, when the job itself failed, the rows it never processed and why."""

    updated: int
    failures: tuple[RecordResult, ...]
    unprocessed_ids: frozenset[str] = frozenset()
    error_message: str | None = None


@dataclass(frozen=True, slots=True)
class BulkJob:
    """A Bulk API 2.0 job a run submitted and follows across invocations."""

    id: str
    sobject: str
    operation: str  # "query"; "upsert", "delete" (touchpoints); "update" (member statuses)

    def as_dict(self) -> dict[str, str]:
        return {"id": self.id, "sobject": self.sobject, "operation": self.operation}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BulkJob:
        return cls(str(data["id"]), str(data["sobject"]), str(data["operation"]))


@dataclass(frozen=True, slots=True)
class BulkJobStatus:
    """One poll of a Bulk job: still running, or over (and how)."""

    job: BulkJob
    running: bool
    succeeded: bool
    processed: int = 0
    failed: int = 0
    message: str | None = None


class StagedTouchpointWrites(Protocol):
    """Touchpoint writes kept on ephemeral storage until they go as few Bulk ingest jobs as their
    size allows (one per operation, per ~100 MB of CSV)."""

    @property
    def count(self) -> int: ...
    def add_upsert(self, touchpoint: Touchpoint) -> None: ...
    def add_delete(self, record_id: str) -> None: ...
    def submit(self) -> list[BulkJob]: ...
    def discard(self) -> None: ...


class StagedMemberStatuses(Protocol):
    """Members' touchpoint outcomes for `Touchpoint_Status__c`, kept on ephemeral storage until
    they go as few CampaignMember update jobs as their size allows (one per ~100 MB of CSV)."""

    @property
    def count(self) -> int: ...
    def add(self, member_id: str, status: str) -> None: ...
    def submit(self) -> list[BulkJob]: ...
    def discard(self) -> None: ...


@dataclass(frozen=True, slots=True)
class TouchpointRecord:
    """One of our touchpoints as Salesforce holds it: its key, the member it names, its id."""

    key: str
    member_id: str | None
    record_id: str


class RecomputeSalesforcePort(Protocol):
    """The recompute reads a campaign and its members and writes touchpoints."""

    @property
    def calls(self) -> Counter[str]:
        """Salesforce calls made so far, by kind."""
        ...

    def read_campaign(self, campaign_id: str) -> Campaign | None: ...
    def count_members(self, campaign_id: str) -> int: ...
    def member_chunk(self, campaign_id: str, after_id: str, size: int) -> list[Member]: ...
    def submit_member_query(self, campaign_id: str) -> BulkJob: ...
    def bulk_status(self, job: BulkJob) -> BulkJobStatus: ...
    def sorted_member_chunks(
        self, job: BulkJob, after_id: str, size: int
    ) -> Iterator[list[Member]]: ...
    def submit_touchpoint_query(self, campaign_id: str) -> BulkJob: ...
    def sorted_touchpoints(
        self, job: BulkJob, after_member_id: str
    ) -> Iterator[tuple[Touchpoint, str]]: ...
    def stage_touchpoint_writes(self) -> StagedTouchpointWrites: ...
    def upserted_touchpoints(self, status: BulkJobStatus) -> Iterator[UpsertedTouchpoint]: ...
    def ingest_failures(
        self, status: BulkJobStatus
    ) -> list[tuple[RecordResult, Touchpoint | None]]: ...
    def read_touchpoints_by_record_ids(
        self, record_ids: Iterable[str]
    ) -> dict[str, tuple[Touchpoint, str]]: ...
    def read_touchpoints_by_keys(
        self, keys: Iterable[str]
    ) -> dict[str, tuple[Touchpoint, str]]: ...
    def campaign_touchpoint_pages(self, campaign_id: str) -> Iterator[list[TouchpointRecord]]: ...
    def has_campaign_touchpoints(self, campaign_id: str) -> bool: ...
    def upsert_touchpoints(self, touchpoints: Iterable[Touchpoint]) -> list[RecordResult]: ...
    def delete_records(self, refs_to_ids: Mapping[str, str]) -> list[RecordResult]: ...
    def update_member_statuses(self, statuses: Mapping[str, str]) -> list[RecordResult]: ...
    def stage_member_statuses(self) -> StagedMemberStatuses: ...
    def member_status_failures(self, status: BulkJobStatus) -> list[RecordResult]: ...


class BulkSalesforcePort(Protocol):
    """The bulk date update selects members and writes their touchpoint date."""

    def read_campaign(self, campaign_id: str) -> Campaign | None: ...
    def member_filter_fits(self, campaign_id: str, criteria: MemberFilter) -> bool: ...
    def read_members_matching(
        self, campaign_id: str, criteria: MemberFilter
    ) -> Iterator[Member]: ...
    def update_member_dates(self, dates: Mapping[str, datetime | None]) -> list[RecordResult]: ...
    def start_member_date_ingest(self, dates: Mapping[str, datetime | None]) -> str: ...
    def member_date_ingest_outcome(self, ingest_job_id: str) -> IngestOutcome | None: ...
