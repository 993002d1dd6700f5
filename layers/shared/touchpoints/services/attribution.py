"""Use case: keep a batch of persons' attribution in step with their touchpoints.

For each person (lead or contact) it reads every touchpoint on their path, whatever wrote it, and
writes the positions and person-level percentages that changed (`rules/attribution_person.py`).
For the opportunities their contacts hold a role on, it reads every contact's path and writes the
`Buyer_Attribution_Touchpoint__c` records that changed, deletes those no longer wanted
(`rules/attribution_opportunity.py`), and, with a locked Campaign Influence model configured, does
the same for its `CampaignInfluence` records (`rules/attribution_influence.py`). Salesforce is read
fresh on every run, so a run is safe to repeat and to run out of order (decision 0008). Above the
Bulk threshold the writes go as ingest jobs the run does not wait for (`poll` follows them).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from touchpoints.errors import SalesforceBulkJobGoneError
from touchpoints.ports.attribution import (
    AttributionJob,
    AttributionSalesforcePort,
    AttributionWriteKind,
    AttributionWrites,
    InfluenceRecord,
    OpportunityRoles,
    PathStep,
    PersonPathPort,
    PersonTouchpoint,
)
from touchpoints.ports.salesforce import RecordResult
from touchpoints.rules.attribution import ModelWeights
from touchpoints.rules.attribution_changes import attribution_changes
from touchpoints.rules.attribution_influence import CampaignInfluenceShare, campaign_influence
from touchpoints.rules.attribution_opportunity import (
    AttributionModel,
    ContactPath,
    OpportunityAttribution,
    attribute_opportunity,
)
from touchpoints.rules.attribution_person import PersonAttribution, attribute_person
from touchpoints.rules.bulk_wait import bulk_wait_seconds
from touchpoints.rules.salesforce_ids import is_contact_id


@dataclass(frozen=True, slots=True)
class AttributionConfig:
    """The model `Revenue__c` and Campaign Influence follow, the custom model's weights, and the
    locked CampaignInfluenceModel (DeveloperName) to write under, if any."""

    model: AttributionModel
    custom_model: ModelWeights
    influence_model: str | None = None


@dataclass
class AttributionResult:
    persons: int
    touchpoints_updated: int = 0
    opportunities: int = 0
    attribution_written: int = 0
    attribution_deleted: int = 0
    influence_written: int = 0
    influence_deleted: int = 0
    failed: int = 0
    failure_codes: Counter[str] = field(default_factory=Counter)
    influence_model_missing: bool = False
    api_calls: Counter[str] = field(default_factory=Counter)
    # Above the Bulk threshold: the ingest jobs still running, and how long to wait before polling
    bulk_jobs: list[AttributionJob] = field(default_factory=list)
    wait_seconds: int = 0
    restarted: bool = False  # a job Salesforce no longer had: the persons were attributed anew


class Attribution:
    def __init__(
        self,
        salesforce: AttributionSalesforcePort,
        config: AttributionConfig,
        paths: PersonPathPort | None = None,
        bulk_threshold: int = 2000,
    ) -> None:
        self._sf = salesforce
        self._config = config
        self._paths = paths  # each person's path kept for sync status, when given
        self._bulk_threshold = bulk_threshold  # more writes than this go as Bulk ingest jobs

    def run(
        self, person_ids: Sequence[str], calls: Counter[str] | None = None
    ) -> AttributionResult:
        """Attribute the persons; `calls` (the gateway's counter) is reported as this run's calls.
        Above the Bulk threshold the writes are submitted as ingest jobs and the result names them
        (`bulk_jobs`, `wait_seconds`): nothing waits, `poll` follows them in a later invocation."""
        calls_before = Counter(calls or {})
        persons = sorted(set(person_ids))
        result = AttributionResult(len(persons))
        paths, created = self._read_paths(persons)
        person_rows, steps = self._attribute_persons(persons, paths, created)
        writes = AttributionWrites(person=tuple(person_rows))
        # the contacts asked for, and those a lead asked for was converted into
        contacts = sorted(person for person in {*persons, *paths} if is_contact_id(person))
        roles = self._sf.opportunities_of(contacts) if contacts else []
        if roles:
            writes = self._attribute_opportunities(roles, paths, created, writes, result)
        if writes.count > self._bulk_threshold:
            result.bulk_jobs = self._sf.submit_attribution_jobs(writes)
            result.wait_seconds = bulk_wait_seconds(0)
        else:
            self._write(writes, result)
        if self._paths is not None:
            self._paths.save_paths(steps)
        result.api_calls = Counter(calls or {}) - calls_before
        return result

    def poll(
        self,
        person_ids: Sequence[str],
        jobs: Sequence[AttributionJob],
        polls: int,
        calls: Counter[str] | None = None,
    ) -> AttributionResult:
        """One look at the ingest jobs a run submitted: while any runs the result names them again
        with a longer wait; once all have ended their rows are counted like collection outcomes.
        A job Salesforce no longer has is not asked about again: the persons are attributed anew
        (Salesforce is read fresh, so whatever the job wrote is taken into account)."""
        calls_before = Counter(calls or {})
        result = AttributionResult(len(set(person_ids)))
        try:
            statuses = [(job, self._sf.attribution_job_status(job.job)) for job in jobs]
        except SalesforceBulkJobGoneError:
            restarted = self.run(person_ids, calls)
            restarted.restarted = True
            return restarted
        if any(status.running for _, status in statuses):
            result.bulk_jobs = list(jobs)
            result.wait_seconds = bulk_wait_seconds(polls + 1)
        else:
            for job, status in statuses:
                refused = status.failed or not status.succeeded
                codes = self._sf.attribution_job_failures(job, status) if refused else []
                result.failed += len(codes)
                result.failure_codes.update(codes)
                self._count_written(job.kind, max(status.processed - status.failed, 0), result)
        result.api_calls = Counter(calls or {}) - calls_before
        return result

    # -- person level --------------------------------------------------------------------------

    def _read_paths(
        self, person_ids: Sequence[str]
    ) -> tuple[dict[str, list[PersonTouchpoint]], dict[str, datetime]]:
        """Each person's touchpoints and creation date. A lead's touchpoints that carry a contact
        belong to that contact (converted), whose whole path is then read too."""
        paths: dict[str, list[PersonTouchpoint]] = defaultdict(list)
        wanted, seen = list(person_ids), set[str]()
        while wanted:
            seen.update(wanted)
            for touchpoint in self._sf.touchpoints_of(wanted):
                paths[touchpoint.person_id].append(touchpoint)
            wanted = sorted(set(paths) - seen)
        for path in paths.values():  # a touchpoint read through both its lead and its contact
            unique = {touchpoint.touchpoint.key: touchpoint for touchpoint in path}
            path[:] = list(unique.values())
        created = self._sf.person_created_dates(sorted(seen | set(paths)))
        return paths, created

    @staticmethod
    def _attribute_persons(
        persons: Sequence[str],
        paths: dict[str, list[PersonTouchpoint]],
        created: dict[str, datetime],
    ) -> tuple[list[PersonAttribution], dict[str, list[PathStep]]]:
        """The person-level rows that changed, and each person's attributed path."""
        desired: dict[str, PersonAttribution] = {}
        held: dict[str, PersonAttribution] = {}
        steps: dict[str, list[PathStep]] = {person: [] for person in persons}
        for person_id, path in paths.items():
            if person_id not in created:  # deleted: its touchpoints go with it
                continue
            touchpoints = {t.touchpoint.key: t.touchpoint for t in path}
            for row in attribute_person(list(touchpoints.values()), created[person_id]):
                desired[row.key] = row
                touchpoint = touchpoints[row.key]
                steps.setdefault(person_id, []).append(
                    PathStep(row.key, touchpoint.moment, touchpoint.campaign_id, row)
                )
            held.update((t.touchpoint.key, t.current) for t in path)
        return list(attribution_changes(desired, held).write.values()), steps

    # -- opportunity level ---------------------------------------------------------------------

    def _attribute_opportunities(
        self,
        roles: list[OpportunityRoles],
        paths: dict[str, list[PersonTouchpoint]],
        created: dict[str, datetime],
        writes: AttributionWrites,
        result: AttributionResult,
    ) -> AttributionWrites:
        others = sorted({c for r in roles for c in r.contact_ids} - set(paths) - set(created))
        if others:  # the other contacts on these opportunities: their paths count too
            more_paths, more_created = self._read_paths(others)
            paths = {**more_paths, **paths}
            created = {**more_created, **created}
        desired: dict[str, OpportunityAttribution] = {}
        for role in roles:
            contact_paths = [
                ContactPath(
                    contact_id,
                    created[contact_id],
                    [t.touchpoint for t in paths.get(contact_id, [])],
                )
                for contact_id in role.contact_ids
                if contact_id in created
            ]
            for row in attribute_opportunity(
                role.opportunity, contact_paths, self._config.custom_model, self._config.model
            ):
                desired[row.key] = row
        opportunity_ids = sorted(role.opportunity.id for role in roles)
        result.opportunities = len(opportunity_ids)
        held = {row.key: row for row in self._sf.opportunity_attribution(opportunity_ids)}
        changes = attribution_changes(desired, held)
        writes = replace(
            writes, upserts=tuple(changes.write.values()), deletes=tuple(changes.delete)
        )
        if self._config.influence_model:
            writes = self._influence_changes(
                opportunity_ids, list(desired.values()), writes, result
            )
        return writes

    def _influence_changes(
        self,
        opportunity_ids: list[str],
        rows: list[OpportunityAttribution],
        writes: AttributionWrites,
        result: AttributionResult,
    ) -> AttributionWrites:
        model_name = self._config.influence_model or ""
        model_id = self._sf.influence_model_id(model_name)
        if model_id is None:
            result.influence_model_missing = True
            return writes
        desired = {_group(share): share for share in campaign_influence(rows, self._config.model)}
        held: dict[tuple[str, str, str], InfluenceRecord] = {}
        duplicates: list[str] = []
        for record in self._sf.campaign_influence(model_id, opportunity_ids):
            if _group(record.share) in held:  # one record per group: extras are deleted
                duplicates.append(record.record_id)
            else:
                held[_group(record.share)] = record
        changes = attribution_changes(desired, {k: r.share for k, r in held.items()})
        return replace(
            writes,
            influence_model_id=model_id,
            influence_created=tuple(
                share for key, share in changes.write.items() if key not in held
            ),
            influence_updated=tuple(
                InfluenceRecord(held[key].record_id, share)
                for key, share in changes.write.items()
                if key in held
            ),
            influence_deleted=tuple(held[key].record_id for key in changes.delete)
            + tuple(duplicates),
        )

    # -- writing -------------------------------------------------------------------------------

    def _write(self, writes: AttributionWrites, result: AttributionResult) -> None:
        """sObject collections, 200 records a call."""
        sf = self._sf
        kind = AttributionWriteKind
        sent = [
            (kind.TOUCHPOINTS, sf.update_person_attribution(writes.person)),
            (kind.ATTRIBUTION, sf.upsert_opportunity_attribution(writes.upserts)),
            (kind.ATTRIBUTION_DELETED, sf.delete_opportunity_attribution(writes.deletes)),
        ]
        if writes.influence_model_id is not None:
            outcomes = sf.write_campaign_influence(
                writes.influence_model_id,
                writes.influence_created,
                writes.influence_updated,
                writes.influence_deleted,
            )
            gone = set(writes.influence_deleted)
            sent.append((kind.INFLUENCE_DELETED, [o for o in outcomes if o.ref in gone]))
            sent.append((kind.INFLUENCE_CREATED, [o for o in outcomes if o.ref not in gone]))
        for written, outcomes in sent:
            self._count_written(written, self._count(outcomes, result), result)

    @staticmethod
    def _count_written(
        kind: AttributionWriteKind, succeeded: int, result: AttributionResult
    ) -> None:
        match kind:
            case AttributionWriteKind.TOUCHPOINTS:
                result.touchpoints_updated += succeeded
            case AttributionWriteKind.ATTRIBUTION:
                result.attribution_written += succeeded
            case AttributionWriteKind.ATTRIBUTION_DELETED:
                result.attribution_deleted += succeeded
            case AttributionWriteKind.INFLUENCE_DELETED:
                result.influence_deleted += succeeded
            case AttributionWriteKind.INFLUENCE_CREATED | AttributionWriteKind.INFLUENCE_UPDATED:
                result.influence_written += succeeded

    @staticmethod
    def _count(outcomes: Iterable[RecordResult], result: AttributionResult) -> int:
        """Successes; refusals are counted by code (the next run retries them)."""
        succeeded = 0
        for outcome in outcomes:
            if outcome.success:
                succeeded += 1
            else:
                result.failed += 1
                result.failure_codes[outcome.error_code or "UNKNOWN"] += 1
        return succeeded


def _group(share: CampaignInfluenceShare) -> tuple[str, str, str]:
    return (share.opportunity_id, share.campaign_id, share.contact_id)
