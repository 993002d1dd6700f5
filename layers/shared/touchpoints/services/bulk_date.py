"""Use case: set the real event date on the campaign members that match a filter.

Preview changes nothing. Apply creates a job that keeps every member's previous date (so undo can
restore it, blank included), writes it with sObject collections (small jobs, inside the API
request) or one Bulk API 2.0 ingest job (large ones, in later invocations), and when it finishes
enqueues a recompute so existing touchpoints move, and writes an audit entry.

Every step of a job may run twice (a redelivered continuation, the watchdog): writing the same
date again is harmless, a chunk is counted once (see adapters/job_store.py), and finishing is
conditional.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, tzinfo

from aws_lambda_powertools import Logger

from touchpoints.errors import SalesforceLimitExceededError, SalesforceUnavailableError
from touchpoints.ports.jobs import ClaimedRequest, JobStorePort
from touchpoints.ports.queues import ContinuationPort, RecomputeQueuePort
from touchpoints.ports.salesforce import BulkSalesforcePort, RecordResult
from touchpoints.rules.bulk_jobs import (
    DateChange,
    Job,
    JobKind,
    JobState,
    MemberFailure,
    WritePath,
    choose_write_path,
    finished_state,
    needs_recompute,
    plan_undo,
)
from touchpoints.rules.member_filter import (
    MemberFilter,
    filter_to_dict,
    member_matches,
    unknown_member_ids,
)
from touchpoints.rules.models import Campaign, Member
from touchpoints.rules.touchpoint_date import (
    EARLIEST_MOMENT,
    LATEST_MOMENT,
    is_too_far_in_future,
    is_within_accepted_range,
    touchpoint_moment,
)

logger = Logger(child=True)

SAMPLE_SIZE = 10
DATED_LIST_LIMIT = 100
# Time to keep in hand before writing a chunk: one collection call with its retries, the lock
# retry and the DynamoDB transaction. Below it, the job carries on in the next invocation.
SECONDS_PER_CHUNK = 10.0
UNPROCESSED = "UNPROCESSED"
STALLED_AFTER = timedelta(minutes=5)


# -- refused requests: nothing is changed; the handler maps each class to an HTTP status -------


class BulkDateError(Exception):
    """A refused request. `field` names the request field at fault, when there is one."""

    field: str | None = None

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class CampaignNotFoundError(BulkDateError):
    """The campaign does not exist in Salesforce."""

    field = "campaign_id"


class DateInFutureError(BulkDateError):
    """The date is more than a day ahead and the caller did not allow future dates."""

    field = "date"


class DateOutOfRangeError(BulkDateError):
    """The date is before 1900 or after the latest date Salesforce stores."""

    field = "date"


class FilterTooLargeError(BulkDateError):
    """The filter makes a Salesforce query longer than one request may carry."""

    field = "filter"

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


class UnknownMembersError(BulkDateError):
    """The filter names member ids that are not members of the campaign."""

    field = "filter.member_ids"


class NoMatchingMembersError(BulkDateError):
    """The filter matches no member of the campaign: nothing to apply."""

    field = "filter"


class IdempotencyKeyReusedError(BulkDateError):
    """The Idempotency-Key already started a job for a different request."""

    field = "Idempotency-Key"


class JobNotFoundError(BulkDateError):
    """No such job (or it expired)."""

    field = "job_id"


class JobNotFinishedError(BulkDateError):
    """The job is still running: undo waits until it has finished."""

    field = "job_id"


class NothingToUndoError(BulkDateError):
    """The job changed no member."""

    field = "job_id"


# -- ports --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BulkDatePorts:
    """What the bulk date use cases need; `continue_delay_seconds` paces the watchdog and Bulk
    API polling."""

    salesforce: BulkSalesforcePort
    jobs: JobStorePort
    continuation: ContinuationPort
    recompute: RecomputeQueuePort
    bulk_threshold: int = 2000
    continue_delay_seconds: int = 60
    new_id: Callable[[], str] = lambda: str(uuid.uuid4())


Budget = Callable[[], float]  # seconds this invocation may still spend on the job


# -- requests and results -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DateRequest:
    campaign_id: str
    moment: datetime
    criteria: MemberFilter
    allow_future: bool = False

    def fingerprint(self) -> str:
        canonical = json.dumps(
            {
                "campaign_id": self.campaign_id,
                "date": self.moment.isoformat(),
                "filter": filter_to_dict(self.criteria),
                "allow_future": self.allow_future,
            },
            sort_keys=True,
        )
        return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Preview:
    campaign: Campaign
    moment: datetime
    matched: int
    already_dated: tuple[Member, ...]
    sample: tuple[Member, ...]
    write_path: WritePath


@dataclass(frozen=True, slots=True)
class Submitted:
    """The job a request started (`created`), or the one an earlier identical request started."""

    job: Job
    created: bool


@dataclass(frozen=True, slots=True)
class JobReport:
    job: Job
    failures: tuple[MemberFailure, ...]
    next_page: str | None


# -- use cases ----------------------------------------------------------------------------------


def requested_moment(value: date | datetime, zone: tzinfo | None = None) -> datetime:
    """The moment a requested date means (00:00 in `zone` for a plain date), in UTC; a date
    outside the accepted range is refused before anything converts it."""
    if not is_within_accepted_range(value, zone):
        raise DateOutOfRangeError(
            f"date {value.isoformat()} is outside the accepted range "
            f"{_utc_text(EARLIEST_MOMENT)} to {_utc_text(LATEST_MOMENT)} (the latest date "
            "Salesforce stores)"
        )
    return touchpoint_moment(value, zone)


def preview_touchpoint_date(ports: BulkDatePorts, request: DateRequest, now: datetime) -> Preview:
    """What an apply would change, changing nothing; refuses what apply would refuse."""
    campaign, members = _select(ports.salesforce, request, now)
    dated = tuple(m for m in members if m.touchpoint_date is not None)
    return Preview(
        campaign=campaign,
        moment=request.moment,
        matched=len(members),
        already_dated=dated,
        sample=tuple(members[:SAMPLE_SIZE]),
        write_path=choose_write_path(len(members), ports.bulk_threshold),
    )


def apply_touchpoint_date(
    ports: BulkDatePorts,
    request: DateRequest,
    idempotency_key: str,
    requested_by: str,
    now: datetime,
    budget: Budget,
    salesforce_user: str | None = None,
) -> Submitted:
    """Create the job and do what fits in this invocation. A repeat with the same key returns
    the first job (never applies twice); the same key with another request is refused."""
    fingerprint = request.fingerprint()
    claimed = ports.jobs.find_request(idempotency_key)
    if claimed is not None:
        return _replay(ports, claimed, fingerprint, now)
    campaign, members = _select(ports.salesforce, request, now)
    changes = [DateChange(m.id, m.touchpoint_date, request.moment) for m in members]
    job = Job(
        id=ports.new_id(),
        kind=JobKind.APPLY,
        campaign_id=campaign.id,
        requested_by=requested_by,
        created_at=now,
        matched=len(changes),
        write_path=choose_write_path(len(changes), ports.bulk_threshold),
        sync_mode=campaign.sync_mode,
        date=request.moment,
        criteria=request.criteria,
        salesforce_user=salesforce_user,
    )
    ports.jobs.create(job, changes)
    claimed = ports.jobs.claim_request(idempotency_key, fingerprint, job.id, now)
    if claimed is not None:  # an identical request raced us and won
        ports.jobs.delete(job.id)
        return _replay(ports, claimed, fingerprint, now)
    logger.info("bulk date job created", extra={"job": _job_log(job)})
    return Submitted(_start(ports, job, now, budget), created=True)


def undo_job(
    ports: BulkDatePorts,
    job_id: str,
    requested_by: str,
    now: datetime,
    budget: Budget,
    salesforce_user: str | None = None,
) -> Submitted:
    """Restore every member the job changed to its previous date, as a new job. Asking again
    returns the same undo job."""
    job = ports.jobs.load(job_id)
    if job is None:
        raise JobNotFoundError(f"job {job_id} was not found")
    if job.undone_by:
        return Submitted(_resumed(ports, _existing(ports, job.undone_by), now), created=False)
    if not job.state.finished:
        raise JobNotFinishedError(
            f"job {job_id} is still {job.state}; undo it once it has finished"
        )
    campaign = ports.salesforce.read_campaign(job.campaign_id)
    if campaign is None:
        raise CampaignNotFoundError(f"campaign {job.campaign_id} was not found")
    every_member = ports.salesforce.read_members_matching(campaign.id, MemberFilter())
    current = {m.id: m.touchpoint_date for m in every_member}
    plan = plan_undo(ports.jobs.changes(job.id), ports.jobs.failed_ids(job.id), current)
    if not plan.restores and not plan.skipped:
        raise NothingToUndoError(f"job {job_id} changed no member: nothing to undo")
    undo = Job(
        id=ports.new_id(),
        kind=JobKind.UNDO,
        campaign_id=campaign.id,
        requested_by=requested_by,
        created_at=now,
        matched=len(plan.restores) + len(plan.skipped),
        write_path=choose_write_path(len(plan.restores), ports.bulk_threshold),
        sync_mode=campaign.sync_mode,
        failed=len(plan.skipped),
        undo_of=job.id,
        salesforce_user=salesforce_user,
    )
    ports.jobs.create(undo, plan.restores, plan.skipped)
    earlier = ports.jobs.link_undo(job.id, undo.id)
    if earlier is not None:  # a concurrent undo won
        ports.jobs.delete(undo.id)
        return Submitted(_existing(ports, earlier), created=False)
    logger.info("bulk date undo job created", extra={"job": _job_log(undo)})
    return Submitted(_start(ports, undo, now, budget), created=True)


def run_job(ports: BulkDatePorts, job_id: str, now: datetime, budget: Budget) -> Job | None:
    """Carry a job forward as far as the budget allows, then ask to continue later or finish it.
    Safe to run again for the same job at any point; None when there was nothing to do (the job
    had finished, e.g. a watchdog after an inline run, or expired)."""
    job = ports.jobs.load(job_id)
    if job is None or job.state.finished:
        return None
    ports.jobs.mark_running(job.id, now)
    if job.write_path is WritePath.COLLECTIONS:
        done = _write_with_collections(ports, job, budget)
    else:
        done = _write_with_bulk_api(ports, job)
    return _finish(ports, job.id, now) if done else ports.jobs.load(job.id)


def job_report(ports: BulkDatePorts, job_id: str, limit: int, after: str | None) -> JobReport:
    job = ports.jobs.load(job_id)
    if job is None:
        raise JobNotFoundError(f"job {job_id} was not found")
    failures, next_page = ports.jobs.failures(job_id, limit, after)
    return JobReport(job, tuple(failures), next_page)


# -- steps --------------------------------------------------------------------------------------


def _select(
    salesforce: BulkSalesforcePort, request: DateRequest, now: datetime
) -> tuple[Campaign, list[Member]]:
    if not request.allow_future and is_too_far_in_future(request.moment, now):
        raise DateInFutureError(
            f"date {request.moment.isoformat()} is more than one day in the future; "
            "set allow_future to apply it anyway"
        )
    criteria = request.criteria
    if not salesforce.member_filter_fits(request.campaign_id, criteria):
        field = "filter.statuses" if criteria.statuses else "filter"
        raise FilterTooLargeError(
            f"the filter makes a Salesforce query longer than one request may carry; "
            f"narrow {field} (fewer or shorter values)",
            field,
        )
    campaign = salesforce.read_campaign(request.campaign_id)
    if campaign is None:
        raise CampaignNotFoundError(f"campaign {request.campaign_id} was not found")
    if criteria.member_ids is not None:
        # named members are read whatever else the filter says, so a typo is told apart
        named = list(
            salesforce.read_members_matching(
                campaign.id, MemberFilter(member_ids=criteria.member_ids)
            )
        )
        unknown = unknown_member_ids(criteria, named)
        if unknown:
            shown = ", ".join(sorted(unknown)[:10])
            raise UnknownMembersError(
                f"{len(unknown)} member id(s) are not members of campaign {campaign.id}: {shown}"
            )
        candidates: Iterable[Member] = named
    else:
        candidates = salesforce.read_members_matching(campaign.id, criteria)
    matching = [m for m in candidates if member_matches(m, criteria)]
    if not matching:
        raise NoMatchingMembersError(f"the filter matches no member of campaign {campaign.id}")
    return campaign, matching


def _replay(
    ports: BulkDatePorts, claimed: ClaimedRequest, fingerprint: str, now: datetime
) -> Submitted:
    if claimed.fingerprint != fingerprint:
        raise IdempotencyKeyReusedError(
            "this Idempotency-Key was already used for a different request; use a new key"
        )
    return Submitted(_resumed(ports, _existing(ports, claimed.job_id), now), created=False)


def _resumed(ports: BulkDatePorts, job: Job, now: datetime) -> Job:
    """A job still pending well after it was created lost its first continuation (the
    invocation ended between recording it and sending it on): a repeated request sends it on."""
    if job.state is JobState.PENDING and now - job.created_at > STALLED_AFTER:
        logger.warning("stalled bulk date job sent on again", extra={"job": _job_log(job)})
        ports.continuation.continue_later(job.id)
    return job


def _existing(ports: BulkDatePorts, job_id: str) -> Job:
    job = ports.jobs.load(job_id)
    if job is None:
        raise JobNotFoundError(f"job {job_id} was not found (expired)")
    return job


def _start(ports: BulkDatePorts, job: Job, now: datetime, budget: Budget) -> Job:
    """Large jobs start in the function's own invocation, away from API Gateway's 29 s. Small
    ones run here; the delayed continuation sent first is a watchdog: if this invocation dies
    mid-way, the job is picked up (and if it finished, the continuation does nothing)."""
    if job.write_path is WritePath.BULK:
        ports.continuation.continue_later(job.id)
        return job
    ports.continuation.continue_later(job.id, ports.continue_delay_seconds)
    try:
        return run_job(ports, job.id, now, budget) or job
    except (SalesforceUnavailableError, SalesforceLimitExceededError) as error:
        logger.warning(
            "bulk date job left to its continuation",
            extra={"job": {"job_id": job.id, "reason": type(error).__name__}},
        )
        return ports.jobs.load(job.id) or job


def _write_with_collections(ports: BulkDatePorts, job: Job, budget: Budget) -> bool:
    """Write the chunks not yet written; False when the budget ran out first."""
    for chunk in ports.jobs.chunks(job.id):
        if chunk.done:
            continue
        if budget() < SECONDS_PER_CHUNK:
            ports.continuation.continue_later(job.id)
            return False
        updated, failures = _write_chunk(ports.salesforce, chunk.changes)
        ports.jobs.complete_chunk(job, chunk.index, updated, failures)
    return True


def _write_chunk(
    salesforce: BulkSalesforcePort, changes: Sequence[DateChange]
) -> tuple[int, list[MemberFailure]]:
    dates = {change.member_id: change.new for change in changes}
    results = {r.ref: r for r in salesforce.update_member_dates(dates)}
    failures = [_failure(r) for r in results.values() if not r.success]
    return len(results) - len(failures), failures


def _write_with_bulk_api(ports: BulkDatePorts, job: Job) -> bool:
    """Start one ingest job, then poll it from later invocations; True once it is over."""
    if job.bulk_job_id is None:
        dates = {change.member_id: change.new for change in ports.jobs.changes(job.id)}
        ingest_id = ports.salesforce.start_member_date_ingest(dates)
        ports.jobs.set_bulk_job(job.id, ingest_id)
        ports.continuation.continue_later(job.id, ports.continue_delay_seconds)
        return False
    outcome = ports.salesforce.member_date_ingest_outcome(job.bulk_job_id)
    if outcome is None:
        ports.continuation.continue_later(job.id, ports.continue_delay_seconds)
        return False
    message = outcome.error_message or "not processed by the Bulk API job"
    failures = [_failure(r) for r in outcome.failures] + [
        MemberFailure(member_id, UNPROCESSED, message)
        for member_id in sorted(outcome.unprocessed_ids)
    ]
    ports.jobs.record_failures(job, failures)
    ports.jobs.set_counts(job.id, outcome.updated, len(failures), outcome.error_message)
    return True


def _finish(ports: BulkDatePorts, job_id: str, now: datetime) -> Job | None:
    job = ports.jobs.load(job_id)
    if job is None or job.state.finished:
        return job
    recompute = needs_recompute(job.sync_mode, job.updated)
    if recompute:
        ports.recompute.enqueue(job.campaign_id, "bulk_touchpoint_date", f"bulk-date:{job.id}")
    final = replace(
        job,
        state=finished_state(job.matched, job.updated),
        finished_at=now,
        recompute_enqueued=recompute,
    )
    ports.jobs.write_audit(final)
    ports.jobs.finish(job.id, final.state, now, recompute)
    logger.info("bulk date job finished", extra={"job": _job_log(final)})
    return final


def _utc_text(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _failure(result: RecordResult) -> MemberFailure:
    return MemberFailure(result.ref, result.error_code or "UNKNOWN", result.message or "")


def _job_log(job: Job) -> dict[str, object]:
    return {
        "job_id": job.id,
        "kind": job.kind.value,
        "campaign_id": job.campaign_id,
        "requested_by": job.requested_by,
        "state": job.state.value,
        "matched": job.matched,
        "updated": job.updated,
        "failed": job.failed,
        "write_path": job.write_path.value,
    }
