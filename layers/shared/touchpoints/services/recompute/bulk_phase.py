"""The Bulk phase of a run: one look at its query jobs (a failed one submitted again) or its
ingest jobs (their outcomes recorded once all are over). Nothing here waits."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from touchpoints.errors import SalesforceBulkJobGoneError
from touchpoints.ports.salesforce import BulkJobStatus, RecomputeSalesforcePort
from touchpoints.ports.state import StatePort, StoredMember
from touchpoints.rules.keys import KEY_PREFIX
from touchpoints.rules.outcome import CREATED
from touchpoints.services.recompute.checkpoint import HANDOFF_MARGIN_SECONDS, QUERY, WALK, Run
from touchpoints.services.recompute.state_records import Failures, StateRecords

QUERY_ATTEMPTS = 3  # Bulk query jobs a run may find beyond saving (failed, aborted, gone)
STATE_BATCH = 1000  # states recorded per call to the state store
MEMBER_STATUS_UPDATE = "update"  # a run's only update jobs write back member statuses


class Collecting(Enum):
    """What one look at a run's ingest jobs came to."""

    RUNNING = "running"  # some job is not over: wait
    DONE = "done"  # every outcome is recorded
    OUT_OF_TIME = "out of time"  # recording goes on in a continuation


class BulkQueryFailedError(RuntimeError):
    """Every Bulk query job the run submitted was beyond saving; the run was dropped."""


@dataclass(frozen=True, slots=True)
class Collected:
    """What one look at a run's ingest jobs came to, and the persons (contact, else lead) whose
    touchpoints the upsert jobs recorded so far wrote (for their attribution)."""

    state: Collecting
    touched_persons: frozenset[str] = frozenset()


class BulkPhase:
    """Looks once at a run's Bulk jobs and records what the finished ones did."""

    def __init__(
        self, salesforce: RecomputeSalesforcePort, state: StatePort, records: StateRecords
    ) -> None:
        self._sf = salesforce
        self._state = state
        self._records = records

    def query_done(self, campaign_id: str, run: Run) -> bool:
        """One poll of each query job (members; a full run's touchpoints too); a job Salesforce
        failed, aborted or no longer has is submitted again."""
        assert run.query_job is not None
        jobs = {"member": run.query_job, "touchpoint": run.touchpoint_job}
        done = True
        for name, job in jobs.items():
            if job is None:
                continue
            try:
                status = self._sf.bulk_status(job)
            except SalesforceBulkJobGoneError as gone:
                done = False
                self.query_again(campaign_id, run, [name], str(gone))
                continue
            if status.succeeded:
                continue
            done = False
            if not status.running:
                cause = f"Bulk query job {job.id} ended: {status.message}"
                self.query_again(campaign_id, run, [name], cause)
        if done:
            run.phase, run.polls = WALK, 0
        return done

    def query_again(self, campaign_id: str, run: Run, names: list[str], cause: str) -> None:
        """A query job beyond saving is replaced by a fresh one (the walk goes on from its
        cursor), up to QUERY_ATTEMPTS jobs a run. Then the run is dropped, checkpoint and all,
        so the next request starts over instead of meeting the dead job."""
        run.query_attempts += 1
        if run.query_attempts >= QUERY_ATTEMPTS:
            self._state.clear_checkpoint(campaign_id)
            run.checkpointed = False
            raise BulkQueryFailedError(
                f"Salesforce failed the {names[0]} query {QUERY_ATTEMPTS} times ({cause}); "
                "the run is dropped and the next request starts over"
            )
        if "member" in names:
            run.query_job = self._sf.submit_member_query(campaign_id)
        if "touchpoint" in names:
            run.touchpoint_job = self._sf.submit_touchpoint_query(campaign_id)
        run.phase, run.polls = QUERY, 0

    def ingest_collected(
        self, campaign_id: str, run: Run, seconds_left: Callable[[], float]
    ) -> Collected:
        """One poll of each ingest job; once all are over, their outcomes are recorded, a job at
        a time (a job recorded is dropped from the run, and a long one resumes at the row it
        reached)."""
        statuses = [self._sf.bulk_status(job) for job in run.ingest_jobs]
        if any(status.running for status in statuses):
            return Collected(Collecting.RUNNING)
        touched: set[str] = set()
        for status in statuses:
            if status.job.operation == MEMBER_STATUS_UPDATE:  # refusals counted, never fatal
                run.totals.failed += len(self._sf.member_status_failures(status))
                run.ingest_jobs.remove(status.job)
                continue
            if status.job.operation == "upsert" and status.processed > status.failed:
                done, persons = self._record_upserted(campaign_id, status, run, seconds_left)
                touched |= persons
                if not done:
                    return Collected(Collecting.OUT_OF_TIME, frozenset(touched))
            failures = Failures()
            for result, touchpoint in self._sf.ingest_failures(status):
                if touchpoint is None:
                    failures.by_record_id.append(result)
                else:
                    failures.by_key.append(result)
                    failures.attempted[result.ref] = touchpoint
            self._records.record_refusals(campaign_id, failures, run.totals)
            run.ingest_jobs.remove(status.job)
            run.rows_recorded = 0
        run.phase, run.polls = WALK, 0
        return Collected(Collecting.DONE, frozenset(touched))

    def _record_upserted(
        self,
        campaign_id: str,
        status: BulkJobStatus,
        run: Run,
        seconds_left: Callable[[], float],
    ) -> tuple[bool, set[str]]:
        """The members whose touchpoint an upsert job created: their state, with its record id,
        as Salesforce confirmed it (read from the job's successful rows, a batch at a time);
        and the persons every successful row names. False when time ran short:
        `run.rows_recorded` says how many created rows are recorded."""
        batch: list[StoredMember] = []
        touched: set[str] = set()
        created_rows = 0
        for upserted in self._sf.upserted_touchpoints(status):
            touchpoint, record_id = upserted.touchpoint, upserted.record_id
            person_id = touchpoint.contact_id or touchpoint.lead_id
            if person_id:
                touched.add(person_id)
            if not upserted.created:
                continue
            row, created_rows = created_rows, created_rows + 1
            if row < run.rows_recorded:
                continue
            batch.append(
                StoredMember(
                    touchpoint.member_id or touchpoint.key.removeprefix(KEY_PREFIX),
                    CREATED,
                    touchpoint,
                    record_id,
                    person_id,
                    touchpoint.email,
                )
            )
            if len(batch) == STATE_BATCH:
                run.totals.state_writes += self._state.save_members(campaign_id, batch)
                run.rows_recorded, batch = row + 1, []
                if seconds_left() < HANDOFF_MARGIN_SECONDS:
                    return False, touched
        run.totals.state_writes += self._state.save_members(campaign_id, batch)
        return True, touched
