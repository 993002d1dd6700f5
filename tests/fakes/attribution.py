"""In-memory fake of the attribution ports: Salesforce's records as plain values."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

from touchpoints.errors import SalesforceBulkJobGoneError
from touchpoints.ports.attribution import (
    AttributionJob,
    AttributionWriteKind,
    AttributionWrites,
    InfluenceRecord,
    OpportunityRoles,
    PathStep,
    PersonTouchpoint,
)
from touchpoints.ports.salesforce import BulkJob, BulkJobStatus, RecordResult
from touchpoints.rules.attribution_influence import CampaignInfluenceShare
from touchpoints.rules.attribution_opportunity import OpportunityAttribution
from touchpoints.rules.attribution_person import PersonAttribution

UNWRITTEN = Decimal("NaN")


@dataclass
class FakeAttributionSalesforce:
    created: dict[str, datetime] = field(default_factory=dict)
    touchpoints: dict[str, PersonTouchpoint] = field(default_factory=dict)
    roles: list[OpportunityRoles] = field(default_factory=list)
    attribution: dict[str, OpportunityAttribution] = field(default_factory=dict)
    models: dict[str, str] = field(default_factory=dict)
    influence: dict[str, InfluenceRecord] = field(default_factory=dict)
    refuse: set[str] = field(default_factory=set)  # refs whose write Salesforce refuses
    leads: dict[str, str] = field(default_factory=dict)  # touchpoint key -> its Lead__c
    calls: Counter[str] = field(default_factory=Counter)
    bulk_polls_before_complete: int = 1  # an ingest job still runs at its first poll(s)
    bulk_jobs: dict[str, tuple[int, list[RecordResult]]] = field(default_factory=dict)

    def add_touchpoint(self, person_id: str, touchpoint, lead_id: str | None = None) -> None:
        """A touchpoint of `person_id` (its contact, else its lead), naming `lead_id` too."""
        if lead_id:
            self.leads[touchpoint.key] = lead_id
        blank = PersonAttribution(touchpoint.key, None, UNWRITTEN, UNWRITTEN, UNWRITTEN)
        self.touchpoints[touchpoint.key] = PersonTouchpoint(person_id, touchpoint, blank)

    def person_created_dates(self, person_ids: Sequence[str]) -> dict[str, datetime]:
        return {p: self.created[p] for p in person_ids if p in self.created}

    def touchpoints_of(self, person_ids: Sequence[str]) -> list[PersonTouchpoint]:
        self.calls["query"] += 1
        return [
            t
            for key, t in self.touchpoints.items()
            if t.person_id in person_ids or self.leads.get(key) in person_ids
        ]

    def opportunities_of(self, contact_ids: Sequence[str]) -> list[OpportunityRoles]:
        attributed = {
            r.opportunity_id for r in self.attribution.values() if r.contact_id in contact_ids
        }
        return [
            r
            for r in self.roles
            if set(r.contact_ids) & set(contact_ids) or r.opportunity.id in attributed
        ]

    def opportunity_attribution(
        self, opportunity_ids: Sequence[str]
    ) -> list[OpportunityAttribution]:
        return [r for r in self.attribution.values() if r.opportunity_id in opportunity_ids]

    def update_person_attribution(self, rows: Iterable[PersonAttribution]) -> list[RecordResult]:
        results = []
        for row in rows:
            self.calls["update"] += 1
            if self._refused(row.key, results):
                continue
            self.touchpoints[row.key] = replace(self.touchpoints[row.key], current=row)
            results.append(RecordResult(row.key, True, row.key))
        return results

    def upsert_opportunity_attribution(self, rows) -> list[RecordResult]:
        results = []
        for row in rows:
            if not self._refused(row.key, results):
                self.attribution[row.key] = row
                results.append(RecordResult(row.key, True))
        return results

    def delete_opportunity_attribution(self, keys: Iterable[str]) -> list[RecordResult]:
        results = []
        for key in keys:
            self.attribution.pop(key, None)
            results.append(RecordResult(key, True))
        return results

    def influence_model_id(self, developer_name: str) -> str | None:
        return self.models.get(developer_name)

    def campaign_influence(
        self, model_id: str, opportunity_ids: Sequence[str]
    ) -> list[InfluenceRecord]:
        return [r for r in self.influence.values() if r.share.opportunity_id in opportunity_ids]

    def write_campaign_influence(
        self,
        model_id: str,
        created: Iterable[CampaignInfluenceShare],
        updated: Iterable[InfluenceRecord],
        deleted: Iterable[str],
    ) -> list[RecordResult]:
        results = []
        for share in created:
            record_id = f"0Ci{len(self.influence):015d}"
            self.influence[record_id] = InfluenceRecord(record_id, share)
            results.append(RecordResult(record_id, True, record_id))
        for record in updated:
            self.influence[record.record_id] = record
            results.append(RecordResult(record.record_id, True, record.record_id))
        for record_id in deleted:
            self.influence.pop(record_id, None)
            results.append(RecordResult(record_id, True, record_id))
        return results

    def submit_attribution_jobs(self, writes: AttributionWrites) -> list[AttributionJob]:
        """The rows are applied at once; each job reports them once its polls have run out."""
        kind = AttributionWriteKind
        model_id = writes.influence_model_id or ""
        planned = [
            (kind.TOUCHPOINTS, "update", lambda: self.update_person_attribution(writes.person)),
            (
                kind.ATTRIBUTION,
                "upsert",
                lambda: self.upsert_opportunity_attribution(writes.upserts),
            ),
            (
                kind.ATTRIBUTION_DELETED,
                "delete",
                lambda: self.delete_opportunity_attribution(writes.deletes),
            ),
            (
                kind.INFLUENCE_CREATED,
                "insert",
                lambda: self.write_campaign_influence(model_id, writes.influence_created, (), ()),
            ),
            (
                kind.INFLUENCE_UPDATED,
                "update",
                lambda: self.write_campaign_influence(model_id, (), writes.influence_updated, ()),
            ),
            (
                kind.INFLUENCE_DELETED,
                "delete",
                lambda: self.write_campaign_influence(model_id, (), (), writes.influence_deleted),
            ),
        ]
        jobs = []
        for written, operation, write in planned:
            outcomes = write()
            if outcomes:
                job = BulkJob(f"750{len(self.bulk_jobs):015d}", written.value, operation)
                self.bulk_jobs[job.id] = (self.bulk_polls_before_complete, outcomes)
                jobs.append(AttributionJob(written, job))
        return jobs

    def attribution_job_status(self, job: BulkJob) -> BulkJobStatus:
        if job.id not in self.bulk_jobs:
            raise SalesforceBulkJobGoneError(f"Bulk {job.operation} job {job.id} is gone")
        polls_left, outcomes = self.bulk_jobs[job.id]
        self.bulk_jobs[job.id] = (polls_left - 1, outcomes)
        failed = sum(1 for outcome in outcomes if not outcome.success)
        return BulkJobStatus(job, polls_left > 0, polls_left <= 0, len(outcomes), failed)

    def attribution_job_failures(self, job: AttributionJob, status: BulkJobStatus) -> list[str]:
        _, outcomes = self.bulk_jobs[job.job.id]
        return [outcome.error_code or "UNKNOWN" for outcome in outcomes if not outcome.success]

    def _refused(self, ref: str, results: list[RecordResult]) -> bool:
        if ref in self.refuse:
            results.append(RecordResult(ref, False, None, "FIELD_CUSTOM_VALIDATION_EXCEPTION"))
            return True
        return False


@dataclass
class FakePersonPaths:
    paths: dict[str, list[PathStep]] = field(default_factory=dict)

    def save_paths(self, paths: Mapping[str, Sequence[PathStep]]) -> None:
        for person_id, steps in paths.items():
            if steps:
                self.paths[person_id] = list(steps)
            else:
                self.paths.pop(person_id, None)

    def load_path(self, person_id: str) -> list[PathStep] | None:
        return self.paths.get(person_id)
