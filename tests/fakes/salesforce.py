"""The Salesforce org as the recompute and the bulk date see it (`RecomputeSalesforcePort`,
`BulkSalesforcePort`): campaigns, their members, touchpoints by key."""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict, deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from datetime import datetime

from touchpoints.errors import SalesforceBulkJobGoneError
from touchpoints.ports.salesforce import (
    BulkJob,
    BulkJobStatus,
    IngestOutcome,
    RecordResult,
    TouchpointRecord,
    UpsertedTouchpoint,
)
from touchpoints.rules.member_filter import MemberFilter, member_matches
from touchpoints.rules.models import Campaign, Member, Touchpoint


class FakeSalesforce:
    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.campaigns: dict[str, Campaign] = {}
        self.members: dict[str, Member] = {}
        self.touchpoints: dict[str, tuple[Touchpoint, str]] = {}  # key -> (touchpoint, record id)
        self.member_statuses: dict[str, str] = {}  # written back on `Touchpoint_Status__c`
        self._errors: defaultdict[str, deque[str]] = defaultdict(deque)
        self._ingests: dict[str, dict[str, datetime | None]] = {}
        self._ids = (f"a0X{n:015d}" for n in itertools.count(1))
        self._jobs: dict[str, list] = {}  # Bulk jobs: query rows, or ingest rows
        self._polls_left: dict[str, int] = {}
        self._ingest_results: dict[str, list[RecordResult]] = {}
        self._upserted: dict[str, list[UpsertedTouchpoint]] = {}
        self.polls_before_complete = 0
        self.failing_query_jobs = 0  # query jobs Salesforce fails before one completes
        self.lost_query_jobs = 0  # query jobs whose results are gone (404) when read

    # -- arranging -----------------------------------------------------------------------------
    def add(self, campaign: Campaign, *members: Member) -> None:
        self.campaigns[campaign.id] = campaign
        self.members.update({member.id: member for member in members})

    def remove_member(self, member_id: str) -> None:
        del self.members[member_id]

    def refuse(self, ref: str, *codes: str) -> None:
        """The next writes of record `ref` (a touchpoint key or member id) fail with `codes`."""
        self._errors[ref].extend(codes)

    def touchpoint_of(self, member_id: str) -> Touchpoint | None:
        return next((tp for tp, _ in self.touchpoints.values() if tp.member_id == member_id), None)

    # -- reading -------------------------------------------------------------------------------
    def read_campaign(self, campaign_id: str) -> Campaign | None:
        self.calls["query"] += 1
        return self.campaigns.get(campaign_id)

    def count_members(self, campaign_id: str) -> int:
        self.calls["query"] += 1
        return len(self._members_of(campaign_id))

    def member_chunk(self, campaign_id: str, after_id: str, size: int) -> list[Member]:
        self.calls["query"] += 1
        return [m for m in self._members_of(campaign_id) if m.id > after_id][:size]

    def submit_member_query(self, campaign_id: str) -> BulkJob:
        """A Bulk query job: its rows are the members as of now, in no particular order."""
        self.calls["bulk2_create_job"] += 1
        job = BulkJob(f"750Q{len(self._jobs):014d}", "CampaignMember", "query")
        self._jobs[job.id] = [*reversed(self._members_of(campaign_id))]
        self._polls_left[job.id] = self.polls_before_complete
        return job

    def bulk_status(self, job: BulkJob) -> BulkJobStatus:
        """A job runs for `polls_before_complete` polls; an ingest job writes its rows when over."""
        self.calls["bulk2_poll"] += 1
        if self._polls_left[job.id]:
            self._polls_left[job.id] -= 1
            return BulkJobStatus(job, running=True, succeeded=False)
        if job.operation == "query" and self.failing_query_jobs:
            self.failing_query_jobs -= 1
            return BulkJobStatus(job, running=False, succeeded=False, message="fake failure")
        if job.operation != "query" and job.id not in self._ingest_results:
            rows = self._jobs[job.id]
            new = (
                {row.key for row in rows if row.key not in self.touchpoints}
                if job.operation == "upsert"
                else set()
            )
            write = {"upsert": self._upsert, "update": self._restatus}.get(job.operation)
            self._ingest_results[job.id] = [
                write(row) if write else self._delete(row, row) for row in rows
            ]
            self._upserted[job.id] = [
                UpsertedTouchpoint(self.touchpoints[r.ref][0], r.record_id or "", r.ref in new)
                for r in self._ingest_results[job.id]
                if r.success and job.operation == "upsert"
            ]
        results = self._ingest_results.get(job.id, [])
        failed = sum(1 for r in results if not r.success)
        return BulkJobStatus(
            job, running=False, succeeded=True, processed=len(results), failed=failed
        )

    def submit_touchpoint_query(self, campaign_id: str) -> BulkJob:
        """A Bulk query job over the campaign's touchpoints as they are now, in no order."""
        self.calls["bulk2_create_job"] += 1
        job = BulkJob(f"750Q{len(self._jobs):014d}", "Touchpoint", "query")
        self._jobs[job.id] = [
            (tp, record_id)
            for tp, record_id in reversed(self.touchpoints.values())
            if tp.campaign_id == campaign_id
        ]
        self._polls_left[job.id] = self.polls_before_complete
        return job

    def sorted_touchpoints(
        self, job: BulkJob, after_member_id: str
    ) -> Iterator[tuple[Touchpoint, str]]:
        self.calls["bulk2_results"] += 1
        after = f"OCT-{after_member_id}" if after_member_id else ""
        return iter(
            sorted(
                (row for row in self._jobs[job.id] if row[0].key > after),
                key=lambda row: row[0].key,
            )
        )

    def sorted_member_chunks(
        self, job: BulkJob, after_id: str, size: int
    ) -> Iterator[list[Member]]:
        self.calls["bulk2_results"] += 1
        if self.lost_query_jobs:
            self.lost_query_jobs -= 1
            raise SalesforceBulkJobGoneError(f"Bulk query job {job.id} is gone")
        members = sorted((m for m in self._jobs[job.id] if m.id > after_id), key=lambda m: m.id)
        for start in range(0, len(members), size):
            yield members[start : start + size]

    def stage_touchpoint_writes(self) -> FakeStagedWrites:
        return FakeStagedWrites(self)

    def upserted_touchpoints(self, status: BulkJobStatus) -> Iterator[UpsertedTouchpoint]:
        self.calls["bulk2_ingest_results"] += 1
        return iter(self._upserted.get(status.job.id, []))

    def ingest_failures(
        self, status: BulkJobStatus
    ) -> list[tuple[RecordResult, Touchpoint | None]]:
        if status.failed:
            self.calls["bulk2_ingest_results"] += 1
        rows = self._jobs[status.job.id]
        return [
            (result, row if status.job.operation == "upsert" else None)
            for result, row in zip(self._ingest_results[status.job.id], rows, strict=True)
            if not result.success
        ]

    @property
    def query_jobs(self) -> int:
        return sum(1 for job_id in self._jobs if job_id.startswith("750Q"))

    def read_touchpoints_by_record_ids(
        self, record_ids: Iterable[str]
    ) -> dict[str, tuple[Touchpoint, str]]:
        self.calls["query"] += 1
        wanted = set(record_ids)
        return {rid: (tp, key) for key, (tp, rid) in self.touchpoints.items() if rid in wanted}

    def _submit_ingest(self, operation: str, rows: list, sobject: str = "Touchpoint") -> BulkJob:
        self.calls["bulk2_create_job"] += 1
        job = BulkJob(f"750I{len(self._jobs):014d}", sobject, operation)
        self._jobs[job.id] = rows
        self._polls_left[job.id] = self.polls_before_complete
        return job

    def read_members_matching(self, campaign_id: str, criteria: MemberFilter) -> Iterator[Member]:
        self.calls["query"] += 1
        return iter([m for m in self._members_of(campaign_id) if member_matches(m, criteria)])

    def member_filter_fits(self, campaign_id: str, criteria: MemberFilter) -> bool:
        return True

    def read_touchpoints_by_keys(self, keys: Iterable[str]) -> dict[str, tuple[Touchpoint, str]]:
        self.calls["query"] += 1
        return {key: self.touchpoints[key] for key in keys if key in self.touchpoints}

    def campaign_touchpoint_pages(self, campaign_id: str) -> Iterator[list[TouchpointRecord]]:
        self.calls["query"] += 1
        yield [
            TouchpointRecord(key, tp.member_id, record_id)
            for key, (tp, record_id) in self.touchpoints.items()
            if tp.campaign_id == campaign_id
        ]

    def has_campaign_touchpoints(self, campaign_id: str) -> bool:
        self.calls["query"] += 1
        return any(tp.campaign_id == campaign_id for tp, _ in self.touchpoints.values())

    # -- writing -------------------------------------------------------------------------------
    def upsert_touchpoints(self, touchpoints: Iterable[Touchpoint]) -> list[RecordResult]:
        results = [self._upsert(tp) for tp in touchpoints]
        self.calls["composite_upsert"] += -(-len(results) // 200)  # 200 records a call
        return results

    def delete_records(self, refs_to_ids: Mapping[str, str]) -> list[RecordResult]:
        self.calls["composite_delete"] += -(-len(refs_to_ids) // 200)  # 200 records a call
        return [self._delete(ref, record_id) for ref, record_id in refs_to_ids.items()]

    def update_member_statuses(self, statuses: Mapping[str, str]) -> list[RecordResult]:
        self.calls["composite_update"] += -(-len(statuses) // 200)  # 200 records a call
        return [self._restatus(row) for row in statuses.items()]

    def stage_member_statuses(self) -> FakeStagedStatuses:
        return FakeStagedStatuses(self)

    def member_status_failures(self, status: BulkJobStatus) -> list[RecordResult]:
        if status.failed:
            self.calls["bulk2_ingest_results"] += 1
        return [r for r in self._ingest_results[status.job.id] if not r.success]

    def update_member_dates(self, dates: Mapping[str, datetime | None]) -> list[RecordResult]:
        self.calls["composite_update"] += 1
        return [self._redate(member_id, moment) for member_id, moment in dates.items()]

    def start_member_date_ingest(self, dates: Mapping[str, datetime | None]) -> str:
        self.calls["bulk_ingest"] += 1
        ingest_id = f"750{len(self._ingests):015d}"
        self._ingests[ingest_id] = dict(dates)
        return ingest_id

    def member_date_ingest_outcome(self, ingest_id: str) -> IngestOutcome | None:
        """The job is over at its first poll: its rows are written then."""
        self.calls["bulk_poll"] += 1
        results = [self._redate(m, moment) for m, moment in self._ingests.pop(ingest_id).items()]
        failures = tuple(r for r in results if not r.success)
        return IngestOutcome(updated=len(results) - len(failures), failures=failures)

    # -- helpers -------------------------------------------------------------------------------
    def _members_of(self, campaign_id: str) -> list[Member]:
        return sorted(
            (m for m in self.members.values() if m.campaign_id == campaign_id), key=lambda m: m.id
        )

    def _refused(self, ref: str) -> RecordResult | None:
        if self._errors[ref]:
            return RecordResult(ref, False, error_code=self._errors[ref].popleft(), message="fake")
        return None

    def _upsert(self, touchpoint: Touchpoint) -> RecordResult:
        if refused := self._refused(touchpoint.key):
            return refused
        existing = self.touchpoints.get(touchpoint.key)
        record_id = existing[1] if existing else next(self._ids)
        self.touchpoints[touchpoint.key] = (touchpoint, record_id)
        return RecordResult(touchpoint.key, True, record_id)

    def _delete(self, ref: str, record_id: str) -> RecordResult:
        if refused := self._refused(ref):
            return refused
        key = next((k for k, (_, rid) in self.touchpoints.items() if rid == record_id), None)
        if key is None:
            return RecordResult(ref, False, error_code="ENTITY_IS_DELETED", message="fake")
        del self.touchpoints[key]
        return RecordResult(ref, True, record_id)

    def _restatus(self, row: tuple[str, str]) -> RecordResult:
        member_id, status = row
        if refused := self._refused(member_id):
            return refused
        self.member_statuses[member_id] = status
        return RecordResult(member_id, True, member_id)

    def _redate(self, member_id: str, moment: datetime | None) -> RecordResult:
        if refused := self._refused(member_id):
            return refused
        self.members[member_id] = replace(self.members[member_id], touchpoint_date=moment)
        return RecordResult(member_id, True, member_id)


class FakeStagedWrites:
    """Writes staged for Bulk ingest: one job per operation when submitted."""

    def __init__(self, salesforce: FakeSalesforce) -> None:
        self._sf = salesforce
        self._upserts: list[Touchpoint] = []
        self._deletes: list[str] = []

    @property
    def count(self) -> int:
        return len(self._upserts) + len(self._deletes)

    def add_upsert(self, touchpoint: Touchpoint) -> None:
        self._upserts.append(touchpoint)

    def add_delete(self, record_id: str) -> None:
        self._deletes.append(record_id)

    def submit(self) -> list[BulkJob]:
        jobs = []
        if self._upserts:
            jobs.append(self._sf._submit_ingest("upsert", self._upserts))
        if self._deletes:
            jobs.append(self._sf._submit_ingest("delete", self._deletes))
        self.discard()
        return jobs

    def discard(self) -> None:
        self._upserts, self._deletes = [], []


class FakeStagedStatuses:
    """Member statuses staged for Bulk ingest: one CampaignMember update job when submitted."""

    def __init__(self, salesforce: FakeSalesforce) -> None:
        self._sf = salesforce
        self._rows: list[tuple[str, str]] = []

    @property
    def count(self) -> int:
        return len(self._rows)

    def add(self, member_id: str, status: str) -> None:
        self._rows.append((member_id, status))

    def submit(self) -> list[BulkJob]:
        jobs = (
            [self._sf._submit_ingest("update", self._rows, "CampaignMember")] if self._rows else []
        )
        self.discard()
        return jobs

    def discard(self) -> None:
        self._rows = []
