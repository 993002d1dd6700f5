"""Use case: bring one campaign's touchpoints in Salesforce in line with the rules.

Reads fresh data every time (so the order of notifications never matters), diffs against the
state DynamoDB recorded and writes only the difference.

Members are walked in Id order, a chunk at a time, beside the stored state for the same Id range
(a merge of two sorted streams): memory holds one chunk, members removed from the campaign show up
as stored members missing from their range, and a run that runs short of time saves its cursor
and continues in a new invocation (time is checked before every chunk, the first included). A
large campaign is read through one Bulk API 2.0 query job with no ORDER BY (which would disable
Salesforce's PK chunking): its pages are sorted on ephemeral storage and merged into Id order.

Writes are gathered across chunks: up to the Bulk threshold they go through sObject collections,
full 200-record calls; above it they are staged on ephemeral storage and sent as one Bulk ingest
job per operation (per ~100 MB). Nothing waits on Salesforce: a run that submitted a Bulk job
saves where it is and asks to be woken later (`wait_seconds`); a later invocation polls once and
goes on. The new state is recorded as the writes are planned, under a write intent that stays
until every outcome is known; a record Salesforce refused is then recorded as what Salesforce
holds, with its error, so the next run retries exactly that.

The state is trusted only while it can be: a write intent that no saved run accounts for (a crash
between planning and collecting, or a lost response, or the API limit mid-write) or a synced
campaign with touchpoints in Salesforce and no state at all (a lost table) make the run compare
with what Salesforce holds instead, as the daily full reconciliation does: touchpoints of excluded
or removed members are deleted in that very run. An ordinary run costs no extra Salesforce call.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import Enum
from typing import Any

from touchpoints.errors import SalesforceBulkJobGoneError
from touchpoints.ports.salesforce import (
    BulkJob,
    BulkJobStatus,
    RecomputeSalesforcePort,
    RecordResult,
    StagedTouchpointWrites,
    TouchpointRecord,
)
from touchpoints.ports.state import ChannelMappingPort, StatePort, StoredMember
from touchpoints.rules.bulk_wait import bulk_wait_seconds
from touchpoints.rules.diff import diff_touchpoints
from touchpoints.rules.eligibility import evaluate_member
from touchpoints.rules.keys import KEY_PREFIX, touchpoint_key
from touchpoints.rules.models import (
    Campaign,
    Channel,
    Member,
    MemberOutcome,
    SyncMode,
    Touchpoint,
)
from touchpoints.rules.sync_mode import UnknownSyncModeError
from touchpoints.services.run_history import carried_history, finished_run, with_history

CREATED = "Touchpoint Created"
UPDATED = "Touchpoint Updated"
COLLECTION_SIZE = 200  # records an sObject collection call takes
REST_CHUNK = 2000  # one REST query page; also the chunk a Bulk query's sorted rows are walked in
HANDOFF_MARGIN_SECONDS = 120.0  # a chunk (or a record) starts only with this much time left
CHECKPOINT_TTL_SECONDS = 7 * 24 * 3600
STATE_BATCH = 1000  # states recorded per call to the state store
QUERY_ATTEMPTS = 3  # Bulk query jobs a run may find beyond saving (failed, aborted, gone)

# Where a run saved itself: walking members, or waiting on a Bulk query or ingest job.
WALK, QUERY, INGEST = "walk", "query", "ingest"
WAITING = (QUERY, INGEST)
# What the sync status tells an admin whose campaign holds a value the product does not know.
UNKNOWN_SYNC_ACTION = (
    "Nothing was written for this campaign: set Enable_Buyer_Touchpoints__c to a known value, or "
    "add this value to the SyncSettingValues parameter (include_all, include_responded or "
    "exclude_all) and redeploy."
)


class _Collecting(Enum):
    """What one look at a run's ingest jobs came to."""

    RUNNING = "running"  # some job is not over: wait
    DONE = "done"  # every outcome is recorded
    OUT_OF_TIME = "out of time"  # recording goes on in a continuation


class MemberOrderError(RuntimeError):
    """Members came out of Id order; the range merge would misread removals."""


class BulkQueryFailedError(RuntimeError):
    """Every Bulk query job the run submitted was beyond saving; the run was dropped."""


@dataclass
class RunTotals:
    """What a run did, added up over its chunks (and carried across continuations)."""

    members: int = 0
    created: int = 0
    updated: int = 0
    deleted: int = 0
    failed: int = 0
    state_writes: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    api_calls: Counter[str] = field(default_factory=Counter)  # Salesforce calls, all invocations
    aws_calls: int = 0  # AWS calls through the state store, all invocations

    def as_dict(self) -> dict[str, Any]:
        return {
            "members": self.members,
            "created": self.created,
            "updated": self.updated,
            "deleted": self.deleted,
            "failed": self.failed,
            "state_writes": self.state_writes,
            "statuses": dict(self.statuses),
            "api_calls": dict(self.api_calls),
            "aws_calls": self.aws_calls,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunTotals:
        return cls(
            **{
                **data,
                "statuses": Counter(data.get("statuses", {})),
                "api_calls": Counter(data.get("api_calls", {})),
            }
        )


@dataclass(frozen=True, slots=True)
class RecomputeRequest:
    campaign_id: str
    full_reconciliation: bool = False
    run_id: str | None = None  # set on a continuation
    message_id: str | None = None  # the queue message carrying it (held through a Bulk wait)
    cause: str | None = None  # why it was asked for (the run history keeps it)


@dataclass
class RecomputeResult:
    campaign_id: str
    run_id: str
    finished: bool
    found: bool = True
    superseded: bool = False
    bulk: bool = False
    full_reconciliation: bool = False
    state_repair: str | None = None  # why the recorded state was not trusted, if it was not
    totals: RunTotals = field(default_factory=RunTotals)
    unmapped_type: str | None = None
    api_calls: Counter[str] = field(default_factory=Counter)  # this invocation's calls
    message_id: str | None = None  # the request's queue message
    wait_seconds: int | None = None  # waiting on a Bulk job: wake the run again after this long
    rerun: bool = False  # a request came in while the run waited: run again once it is over
    # The campaign's sync setting is a value the product does not know: nothing was written;
    # `unknown_sync_first_seen` when the last run did not already report this value.
    unknown_sync_value: str | None = None
    unknown_sync_first_seen: bool = False
    # persons (contact, else lead) whose touchpoints this invocation's collection writes changed,
    # for their attribution (services/attribution.py); a Bulk run's are left to the daily pass
    touched_persons: frozenset[str] = frozenset()

    # shorthands for logs and tests
    @property
    def created(self) -> int:
        return self.totals.created

    @property
    def updated(self) -> int:
        return self.totals.updated

    @property
    def deleted(self) -> int:
        return self.totals.deleted

    @property
    def failed(self) -> int:
        return self.totals.failed

    @property
    def statuses(self) -> Counter[str]:
        return self.totals.statuses


UNCONFIRMED_WRITES = "unconfirmed writes"
NO_RECORDED_STATE = "no recorded state"


@dataclass
class _Run:
    """A run as a checkpoint saves it between invocations."""

    run_id: str
    full: bool
    phase: str = WALK
    cursor: str = ""
    bulk: bool = False
    walk_done: bool = False  # every member was walked; only the last writes are outstanding
    query_job: BulkJob | None = None
    touchpoint_job: BulkJob | None = None  # a full reconciliation's read of what Salesforce holds
    query_attempts: int = 0
    ingest_jobs: list[BulkJob] = field(default_factory=list)
    polls: int = 0  # polls of the job(s) waited on now
    rows_recorded: int = 0  # created rows of the first ingest job already recorded
    rerun: bool = False
    holder: str | None = None  # the message held on the queue while the run waits
    state_repair: str | None = None
    totals: RunTotals = field(default_factory=RunTotals)
    calls_seen: Counter[str] = field(default_factory=Counter)  # the client's count, last tallied
    resumed: bool = False  # carried on from a checkpoint
    checkpointed: bool = False  # a checkpoint is saved for the campaign (to clear at the end)
    cause: str | None = None  # of the request that started the run
    started_at: str = ""
    invocations: int = 0
    aws_seen: int = 0  # the state store's AWS call count, last tallied

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "full": self.full,
            "phase": self.phase,
            "cursor": self.cursor,
            "bulk": self.bulk,
            "walk_done": self.walk_done,
            "query_job": self.query_job.as_dict() if self.query_job else None,
            "touchpoint_job": self.touchpoint_job.as_dict() if self.touchpoint_job else None,
            "query_attempts": self.query_attempts,
            "ingest_jobs": [job.as_dict() for job in self.ingest_jobs],
            "polls": self.polls,
            "rows_recorded": self.rows_recorded,
            "rerun": self.rerun,
            "holder": self.holder,
            "state_repair": self.state_repair,
            "totals": self.totals.as_dict(),
            "cause": self.cause,
            "started_at": self.started_at,
            "invocations": self.invocations,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> _Run:
        query_job, touchpoint_job = data.get("query_job"), data.get("touchpoint_job")
        return cls(
            run_id=data["run_id"],
            full=bool(data["full"]),
            phase=data.get("phase") or WALK,
            cursor=data.get("cursor") or "",
            bulk=bool(data.get("bulk")),
            walk_done=bool(data.get("walk_done")),
            query_job=BulkJob.from_dict(query_job) if query_job else None,
            touchpoint_job=BulkJob.from_dict(touchpoint_job) if touchpoint_job else None,
            query_attempts=int(data.get("query_attempts") or 0),
            ingest_jobs=[BulkJob.from_dict(job) for job in data.get("ingest_jobs") or []],
            polls=int(data.get("polls") or 0),
            rows_recorded=int(data.get("rows_recorded") or 0),
            rerun=bool(data.get("rerun")),
            holder=data.get("holder"),
            state_repair=data.get("state_repair"),
            totals=RunTotals.from_dict(data["totals"]),
            resumed=True,
            checkpointed=True,
            cause=data.get("cause"),
            started_at=data.get("started_at") or "",
            invocations=int(data.get("invocations") or 0),
        )


@dataclass
class _WriteIntent:
    """Touchpoint writes whose outcomes may not be in the state yet: marked before the state of
    a planned write is saved, cleared once every outcome is known. `pending` starts true when the
    run finds an intent: its own (its ingest jobs account for it) or a crashed one's."""

    state: StatePort
    campaign_id: str
    run_id: str
    now: datetime
    pending: bool = False

    def before_write(self) -> None:
        if not self.pending:
            self.state.mark_write_intent(self.campaign_id, self.run_id, self.now)
            self.pending = True

    def clear(self) -> None:
        if self.pending:
            self.state.clear_write_intent(self.campaign_id)
            self.pending = False


@dataclass
class _Failures:
    """Writes Salesforce refused: by touchpoint key (collections, upsert jobs) or by record id
    (delete jobs, whose rows carry only the Id)."""

    by_key: list[RecordResult] = field(default_factory=list)
    by_record_id: list[RecordResult] = field(default_factory=list)
    attempted: dict[str, Touchpoint] = field(default_factory=dict)  # refused upserts, by key

    def __bool__(self) -> bool:
        return bool(self.by_key or self.by_record_id)


@dataclass(frozen=True, slots=True)
class _Pending:
    """A member whose new state waits on its touchpoint's write: the state it gets if the write
    succeeds (None: forgotten, it left the campaign) and what Salesforce held before (its state if
    the write is refused)."""

    member_id: str
    planned: StoredMember | None
    baseline: tuple[Touchpoint, str | None] | None


class _Writes:
    """The run's touchpoint writes, gathered across chunks: kept in memory up to the Bulk threshold
    (then sent through collections, 200 a call, and each member's state recorded from its
    outcome), staged for Bulk ingest above it (the members' planned states then recorded at once,
    through `record_planned`, and refusals set back once the jobs are over)."""

    def __init__(
        self,
        salesforce: RecomputeSalesforcePort,
        bulk_threshold: int,
        record_planned: Callable[[list[_Pending]], None],
    ) -> None:
        self._sf = salesforce
        self._threshold = bulk_threshold
        self._record_planned = record_planned
        self._upserts: list[Touchpoint] = []
        self._deletes: dict[str, str] = {}  # touchpoint key -> record id
        self._pending: dict[str, _Pending] = {}  # by touchpoint key
        self._staged: StagedTouchpointWrites | None = None
        self.deleting: set[str] = set()  # record ids planned for deletion in this invocation
        self.refused_strays = 0  # deletions of touchpoints no member accounts for, refused

    def add(
        self, upserts: Iterable[Touchpoint], deletes: Mapping[str, str], pending: list[_Pending]
    ) -> None:
        self._upserts.extend(upserts)
        self._deletes.update(deletes)
        self.deleting.update(deletes.values())
        self._pending.update((touchpoint_key(p.member_id), p) for p in pending)
        if self._staged is None and len(self._upserts) + len(self._deletes) >= self._threshold:
            self._staged = self._sf.stage_touchpoint_writes()
        if self._staged is not None:
            self._record_planned(list(self._pending.values()))
            for touchpoint in self._upserts:
                self._staged.add_upsert(touchpoint)
            for record_id in self._deletes.values():
                self._staged.add_delete(record_id)
            self._upserts, self._deletes, self._pending = [], {}, {}

    def flush(
        self, whole_calls_only: bool = False
    ) -> tuple[list[tuple[_Pending, RecordResult]], list[BulkJob]]:
        """Send what is gathered: collections now (each pending member with its outcome),
        staged rows as Bulk ingest jobs (returned, to be followed). `whole_calls_only` sends
        only full 200-record calls and keeps the rest for later chunks."""
        upserts, deletes = self._upserts, list(self._deletes.items())
        if whole_calls_only:
            upserts = upserts[: len(upserts) // COLLECTION_SIZE * COLLECTION_SIZE]
            deletes = deletes[: len(deletes) // COLLECTION_SIZE * COLLECTION_SIZE]
        results: dict[str, RecordResult] = {}
        if upserts:
            results.update((r.ref, r) for r in self._sf.upsert_touchpoints(upserts))
            self._upserts = self._upserts[len(upserts) :]
        if deletes:
            results.update((r.ref, r) for r in self._sf.delete_records(dict(deletes)))
            for key, _ in deletes:
                del self._deletes[key]
        outcomes = [
            (self._pending.pop(key), r) for key, r in results.items() if key in self._pending
        ]
        self.refused_strays += sum(1 for _, r in results.items() if not r.success) - sum(
            1 for _, r in outcomes if not r.success
        )
        if whole_calls_only or self._staged is None:
            return outcomes, []
        jobs = self._staged.submit()
        self._staged = None
        return outcomes, jobs

    def discard(self) -> None:
        if self._staged is not None:
            self._staged.discard()


class _HeldTouchpoints:
    """Our touchpoints on the campaign as Salesforce holds them, in key order (a key is the
    member id behind a prefix, so key order is Id order), taken a member range at a time beside
    the walk; one in no member's range (a stray) falls in the range around its key."""

    def __init__(self, touchpoints: Iterator[tuple[Touchpoint, str]]) -> None:
        self._touchpoints = touchpoints
        self._next = next(touchpoints, None)

    def upto(self, member_id: str | None) -> dict[str, tuple[Touchpoint, str | None]]:
        """Those up to the member's key (all the rest when None), by key."""
        limit = touchpoint_key(member_id) if member_id else None
        found: dict[str, tuple[Touchpoint, str | None]] = {}
        while self._next is not None and (limit is None or self._next[0].key <= limit):
            touchpoint, record_id = self._next
            found[touchpoint.key] = (touchpoint, record_id)
            self._next = next(self._touchpoints, None)
        return found


def _with_last[T](items: Iterable[list[T]]) -> Iterator[tuple[list[T], bool]]:
    """Each chunk with whether it is the last; no chunks at all reads as one empty last chunk."""
    iterator = iter(items)
    previous = next(iterator, None)
    if previous is None:
        yield [], True
        return
    for item in iterator:
        yield previous, False
        previous = item
    yield previous, True


def _check_order(members: list[Member], after_id: str) -> None:
    last = after_id[:15]
    for member in members:
        if member.id[:15] <= last:
            raise MemberOrderError(f"member {member.id} came after {last} in an Id-ordered read")
        last = member.id[:15]


class Recompute:
    def __init__(
        self,
        salesforce: RecomputeSalesforcePort,
        state: StatePort,
        *,
        channel_mapping: ChannelMappingPort,
        bulk_threshold: int,
        rest_chunk: int = REST_CHUNK,
        write_back_status: bool = False,
    ) -> None:
        self._write_back_status = write_back_status
        self._sf = salesforce
        self._state = state
        self._channel_mapping = channel_mapping
        self._bulk_threshold = bulk_threshold
        self._rest_chunk = rest_chunk
        self._touched_persons: set[str] = set()

    def run(
        self, request: RecomputeRequest, now: datetime, seconds_left: Callable[[], float]
    ) -> RecomputeResult:
        campaign_id = request.campaign_id
        calls_before, aws_before = Counter(self._sf.calls), self._state.aws_calls
        saved = self._state.load_checkpoint(campaign_id)
        if request.run_id and (saved is None or saved["run_id"] != request.run_id):
            # a newer run started meanwhile (or this one finished): it covers everything
            return RecomputeResult(campaign_id, request.run_id, finished=True, superseded=True)
        # A fresh request that meets a run waiting on its Bulk jobs joins it (the jobs are in
        # flight in Salesforce) and has it run again once it is over.
        joins = request.run_id is None and saved is not None and saved.get("phase") in WAITING
        run = _Run.from_dict(saved) if saved and (request.run_id or joins) else None
        if run is None:  # a fresh run; it supersedes a run saved mid-walk
            run = _Run(
                uuid.uuid4().hex,
                request.full_reconciliation,
                checkpointed=saved is not None,
                cause=request.cause,
                started_at=now.isoformat(),
            )
        elif joins and request.message_id != run.holder:
            run.rerun = True  # not the held message itself, delivered again for its next poll
        found_intent = self._state.load_write_intent(campaign_id)
        # an intent of this run while its ingest jobs are out is accounted for by those jobs
        own_intent = found_intent is not None and run.phase == INGEST and saved is not None
        intent = _WriteIntent(
            self._state, campaign_id, run.run_id, now, pending=found_intent is not None
        )
        result = RecomputeResult(
            campaign_id, run.run_id, finished=False, message_id=request.message_id
        )
        run.calls_seen, run.aws_seen = calls_before, aws_before
        run.invocations += 1
        try:
            crashed = found_intent is not None and not own_intent
            return self._go(run, crashed, intent, now, seconds_left, result)
        except UnknownSyncModeError as error:
            return self._unknown_sync_value(run, error.value, now, result)
        finally:
            result.api_calls = Counter(self._sf.calls) - calls_before
            result.totals = run.totals
            result.touched_persons = frozenset(self._touched_persons)

    def _go(
        self,
        run: _Run,
        crashed: bool,
        intent: _WriteIntent,
        now: datetime,
        seconds_left: Callable[[], float],
        result: RecomputeResult,
    ) -> RecomputeResult:
        campaign_id = result.campaign_id
        result.bulk, result.rerun = run.bulk, run.rerun
        if run.phase == QUERY:
            if not self._query_done(campaign_id, run):
                return self._wait(run, now, result)
        elif run.phase == INGEST:
            collected = self._ingest_collected(campaign_id, run, seconds_left)
            if collected is _Collecting.RUNNING:
                return self._wait(run, now, result)
            if collected is _Collecting.OUT_OF_TIME:  # goes on in a continuation, where it left off
                self._save_checkpoint(campaign_id, run, now)
                return result
            if run.walk_done:
                campaign = self._sf.read_campaign(campaign_id)  # for its summary
                result.found = campaign is not None
                return self._finish(run, campaign, intent, now, result)

        campaign = self._sf.read_campaign(campaign_id)
        result.found = campaign is not None
        channels = self._channel_mapping.channels()
        summary = None if run.resumed else self._state.load_summary(campaign_id)
        if crashed:
            run.state_repair = UNCONFIRMED_WRITES
        elif (  # no state at all: a first run (one query finds nothing) or a lost table
            not run.resumed
            and summary is None
            and self._may_hold_touchpoints(campaign)
            and self._sf.has_campaign_touchpoints(campaign_id)
        ):
            run.state_repair = NO_RECORDED_STATE
        run.full = run.full or run.state_repair is not None
        result.state_repair, result.full_reconciliation = run.state_repair, run.full
        if campaign is not None and campaign.type not in channels:
            result.unmapped_type = campaign.type or "(blank)"
        if not run.resumed and not _campaign_recorded(summary, campaign):
            # its Type, for the channel mapping API, recorded as the run starts: a mapping change
            # while the run waits on its Bulk jobs then re-maps it (its recompute joins the run)
            self._channel_mapping.record_campaign(campaign_id, campaign)
        if campaign is not None and not run.resumed:
            run.bulk = result.bulk = self._size(campaign_id, summary) >= self._bulk_threshold
            if run.bulk:  # submitted now, read once Salesforce has run it
                run.query_job, run.phase = self._sf.submit_member_query(campaign_id), QUERY
                if run.full:  # what Salesforce holds, read the same way (not key by key)
                    run.touchpoint_job = self._sf.submit_touchpoint_query(campaign_id)
                return self._wait(run, now, result)
        try:
            return self._walk(run, campaign, channels, intent, now, seconds_left, result)
        except SalesforceBulkJobGoneError as gone:  # its results went before the walk read them
            queries = ["member", "touchpoint"] if run.touchpoint_job else ["member"]
            self._query_again(campaign_id, run, queries, str(gone))
            return self._wait(run, now, result)

    # -- waiting on Bulk jobs ------------------------------------------------------------------

    def _wait(self, run: _Run, now: datetime, result: RecomputeResult) -> RecomputeResult:
        run.holder = result.message_id
        result.wait_seconds = bulk_wait_seconds(run.polls)
        run.polls += 1
        self._save_checkpoint(result.campaign_id, run, now)
        return result

    def _query_done(self, campaign_id: str, run: _Run) -> bool:
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
                self._query_again(campaign_id, run, [name], str(gone))
                continue
            if status.succeeded:
                continue
            done = False
            if not status.running:
                cause = f"Bulk query job {job.id} ended: {status.message}"
                self._query_again(campaign_id, run, [name], cause)
        if done:
            run.phase, run.polls = WALK, 0
        return done

    def _query_again(self, campaign_id: str, run: _Run, names: list[str], cause: str) -> None:
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

    def _ingest_collected(
        self, campaign_id: str, run: _Run, seconds_left: Callable[[], float]
    ) -> _Collecting:
        """One poll of each ingest job; once all are over, their outcomes are recorded, a job at
        a time (a job recorded is dropped from the run, and a long one resumes at the row it
        reached)."""
        statuses = [self._sf.bulk_status(job) for job in run.ingest_jobs]
        if any(status.running for status in statuses):
            return _Collecting.RUNNING
        for status in statuses:
            has_created = status.job.operation == "upsert" and status.processed > status.failed
            if has_created and not self._record_created(campaign_id, status, run, seconds_left):
                return _Collecting.OUT_OF_TIME
            failures = _Failures()
            for result, touchpoint in self._sf.ingest_failures(status):
                if touchpoint is None:
                    failures.by_record_id.append(result)
                else:
                    failures.by_key.append(result)
                    failures.attempted[result.ref] = touchpoint
            self._record_refusals(campaign_id, failures, run.totals)
            run.ingest_jobs.remove(status.job)
            run.rows_recorded = 0
        run.phase, run.polls = WALK, 0
        return _Collecting.DONE

    # -- walking members -----------------------------------------------------------------------

    def _walk(
        self,
        run: _Run,
        campaign: Campaign | None,
        channels: Mapping[str, Channel],
        intent: _WriteIntent,
        now: datetime,
        seconds_left: Callable[[], float],
        result: RecomputeResult,
    ) -> RecomputeResult:
        campaign_id = result.campaign_id
        writes = _Writes(
            self._sf,
            self._bulk_threshold,
            lambda pending: self._record_planned(campaign_id, pending, run.totals),
        )
        chunks = self._member_chunks(campaign_id, run) if campaign else iter(())
        held = (
            _HeldTouchpoints(self._sf.sorted_touchpoints(run.touchpoint_job, run.cursor))
            if run.touchpoint_job is not None
            else None
        )
        slowest_chunk = 0.0
        try:
            for members, is_last in _with_last(chunks):
                if seconds_left() < max(HANDOFF_MARGIN_SECONDS, 2 * slowest_chunk):
                    return self._hand_over(run, writes, intent, now, result)
                chunk_started = time.monotonic()
                _check_order(members, run.cursor)
                upper = None if is_last else members[-1].id
                self._reconcile(
                    campaign_id, campaign, members, run, upper, channels, intent, writes, held
                )
                if not run.bulk:  # a small campaign's writes: full calls as soon as they fill
                    self._send(campaign_id, run, writes, whole_calls_only=True)
                slowest_chunk = max(slowest_chunk, time.monotonic() - chunk_started)
                if is_last:
                    break
                run.cursor = members[-1].id
            if run.full and held is None:  # (read beside the walk, strays were in its ranges)
                self._delete_strays(campaign_id, writes, run.totals)
            run.walk_done = True
            if self._send(campaign_id, run, writes):
                return self._wait(run, now, result)
        finally:
            writes.discard()
        return self._finish(run, campaign, intent, now, result)

    def _hand_over(
        self,
        run: _Run,
        writes: _Writes,
        intent: _WriteIntent,
        now: datetime,
        result: RecomputeResult,
    ) -> RecomputeResult:
        """Out of time: what is gathered is sent, and the run goes on in a new invocation (or,
        when Bulk jobs are out, once they are over)."""
        if self._send(result.campaign_id, run, writes):
            return self._wait(run, now, result)
        self._save_checkpoint(result.campaign_id, run, now)
        if not run.full:  # every outcome so far is recorded; a repair keeps it until its end
            intent.clear()
        return result

    def _send(
        self, campaign_id: str, run: _Run, writes: _Writes, whole_calls_only: bool = False
    ) -> bool:
        """Send the gathered writes; True when Bulk ingest jobs are now out to be waited on."""
        outcomes, jobs = writes.flush(whole_calls_only)
        self._record_outcomes(campaign_id, outcomes, run.totals)
        run.totals.failed += writes.refused_strays
        run.totals.deleted -= writes.refused_strays
        writes.refused_strays = 0
        if jobs:
            run.phase, run.ingest_jobs, run.polls = INGEST, jobs, 0
        return bool(jobs)

    def _record_created(
        self,
        campaign_id: str,
        status: BulkJobStatus,
        run: _Run,
        seconds_left: Callable[[], float],
    ) -> bool:
        """The members whose touchpoint an upsert job created: their state, with its record id,
        as Salesforce confirmed it (read from the job's successful rows, a batch at a time).
        False when time ran short: `run.rows_recorded` says how far it got."""
        batch: list[StoredMember] = []
        for row, (touchpoint, record_id) in enumerate(self._sf.created_touchpoints(status)):
            if row < run.rows_recorded:
                continue
            person_id = touchpoint.contact_id or touchpoint.lead_id
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
                    return False
        run.totals.state_writes += self._state.save_members(campaign_id, batch)
        return True

    def _record_planned(self, campaign_id: str, pending: list[_Pending], totals: RunTotals) -> None:
        """Staged writes: the planned states of updated and cleared touchpoints are recorded now
        (under the write intent); a created touchpoint's state is recorded from the job's
        results, with its record id (`_record_created`)."""
        planned = [p.planned for p in pending if p.planned is not None and not _creates(p)]
        totals.state_writes += self._state.save_members(campaign_id, planned)
        gone = [p.member_id for p in pending if p.planned is None]
        totals.state_writes += self._state.forget_members(campaign_id, gone)

    def _record_outcomes(
        self,
        campaign_id: str,
        outcomes: list[tuple[_Pending, RecordResult]],
        totals: RunTotals,
    ) -> None:
        """Collection writes are over: each member's state is what Salesforce confirmed (a new
        touchpoint with its record id), or, for a refused write, what it still holds."""
        states: list[StoredMember] = []
        gone: list[str] = []
        for pending, result in outcomes:
            planned = pending.planned
            if result.success:
                self._touched_persons.update(_persons(pending))
            if result.success and planned is None:
                gone.append(pending.member_id)
            elif result.success and planned is not None:
                if planned.touchpoint is not None and planned.record_id is None:
                    planned = replace(planned, record_id=result.record_id)
                states.append(planned)
            else:
                upsert = planned is not None and planned.touchpoint is not None
                states.append(
                    self._refused_state(
                        pending.member_id,
                        pending.baseline,
                        result,
                        totals,
                        counted=planned,
                        upsert=upsert,
                    )
                )
        totals.statuses = +totals.statuses  # drop counts that went to zero
        totals.state_writes += self._state.save_members(campaign_id, states)
        totals.state_writes += self._state.forget_members(campaign_id, gone)

    @staticmethod
    def _refused_state(
        member_id: str,
        held: tuple[Touchpoint, str | None] | None,
        result: RecordResult,
        totals: RunTotals,
        *,
        counted: StoredMember | None,
        upsert: bool,
    ) -> StoredMember:
        """A refused write: the member keeps what Salesforce holds, with the error (the next run
        retries it), and the counts take back the write and the state it was counted as."""
        state = _failed(member_id, held, result)
        if counted is not None:
            # the history the planned state had: what the member had before this run
            state = carried_history(
                replace(state, person_id=counted.person_id, email=counted.email), counted
            )
            totals.statuses[counted.status] -= 1
            totals.statuses[state.status] += 1
        if not upsert:
            totals.deleted -= 1
        elif held is None:
            totals.created -= 1
        else:
            totals.updated -= 1
        totals.failed += 1
        return state

    def _finish(
        self,
        run: _Run,
        campaign: Campaign | None,
        intent: _WriteIntent,
        now: datetime,
        result: RecomputeResult,
    ) -> RecomputeResult:
        campaign_id = result.campaign_id
        intent.clear()
        if run.checkpointed:
            self._state.clear_checkpoint(campaign_id)
        result.finished = True
        result.full_reconciliation, result.state_repair = run.full, run.state_repair
        if run.resumed:  # read again in a later invocation: what it holds now
            self._channel_mapping.record_campaign(campaign_id, campaign)
        self._tally_calls(run)
        result.totals = run.totals
        report = _summary(result, campaign, now)
        self._state.save_summary(campaign_id, report)
        history = finished_run(run.cause, run.started_at, run.invocations, run.totals.statuses, now)
        self._state.save_run(campaign_id, {**report, **history.record}, history.expires_at)
        return result

    def _unknown_sync_value(
        self, run: _Run, value: str, now: datetime, result: RecomputeResult
    ) -> RecomputeResult:
        """A sync setting the product does not know: nothing is written or removed, the run is
        over (a retry would meet the same value), and the summary says which value and why."""
        campaign_id = result.campaign_id
        if run.checkpointed:
            self._state.clear_checkpoint(campaign_id)
        previous = self._state.load_summary(campaign_id) or {}
        result.finished = True
        result.unknown_sync_value = value
        result.unknown_sync_first_seen = previous.get("unknown_sync_value") != value
        self._tally_calls(run)
        result.totals = run.totals
        self._state.save_summary(
            campaign_id,
            {
                **_summary(result, None, now),
                "unknown_sync_value": value,
                "unknown_sync_action": UNKNOWN_SYNC_ACTION,
            },
        )
        return result

    def _tally_calls(self, run: _Run) -> None:
        """Add the Salesforce calls made since the last tally to the run's totals."""
        calls, aws_calls = Counter(self._sf.calls), self._state.aws_calls
        run.totals.api_calls.update(calls - run.calls_seen)
        run.totals.aws_calls += aws_calls - run.aws_seen
        run.calls_seen, run.aws_seen = calls, aws_calls

    def _save_checkpoint(self, campaign_id: str, run: _Run, now: datetime) -> None:
        self._tally_calls(run)
        run.checkpointed = True
        self._state.save_checkpoint(
            campaign_id, run.as_dict(), int(now.timestamp()) + CHECKPOINT_TTL_SECONDS
        )

    @staticmethod
    def _may_hold_touchpoints(campaign: Campaign | None) -> bool:
        """A campaign not synced keeps whatever it has; a deleted one has no lookup to query."""
        return campaign is not None and campaign.sync_mode is not SyncMode.NOT_SYNCED

    def _size(self, campaign_id: str, summary: Mapping[str, Any] | None) -> int:
        """The campaign's member count as of the last run (free), else counted (one query)."""
        if summary and summary.get("campaign_found"):
            return int(summary["members"])
        return self._sf.count_members(campaign_id)

    def _member_chunks(self, campaign_id: str, run: _Run) -> Iterator[list[Member]]:
        if run.bulk:
            assert run.query_job is not None
            yield from self._sf.sorted_member_chunks(run.query_job, run.cursor, self._rest_chunk)
            return
        after_id = run.cursor
        while True:
            chunk = self._sf.member_chunk(campaign_id, after_id, self._rest_chunk)
            yield chunk
            if len(chunk) < self._rest_chunk:
                return
            after_id = chunk[-1].id

    # -- one chunk -----------------------------------------------------------------------------

    def _reconcile(
        self,
        campaign_id: str,
        campaign: Campaign | None,
        members: list[Member],
        run: _Run,
        upto_id: str | None,
        channels: Mapping[str, Channel],
        intent: _WriteIntent,
        writes: _Writes,
        held: _HeldTouchpoints | None = None,
    ) -> None:
        totals = run.totals
        stored = self._state.load_members_range(campaign_id, run.cursor, upto_id)
        outcomes = (
            {m.id: evaluate_member(campaign, m, channels) for m in members} if campaign else {}
        )
        baseline: Mapping[str, tuple[Touchpoint, str | None]]
        if held is not None:  # drift repair, Bulk: what Salesforce holds in this Id range
            baseline = held.upto(upto_id)
        elif (
            run.full
        ):  # drift repair: compare with what Salesforce holds, not with what we recorded
            baseline = self._sf.read_touchpoints_by_keys(
                touchpoint_key(m) for m in {*outcomes, *stored}
            )
        else:
            baseline = {
                s.touchpoint.key: (s.touchpoint, s.record_id)
                for s in stored.values()
                if s.touchpoint is not None
            }
        desired = {o.touchpoint.key: o.touchpoint for o in outcomes.values() if o.touchpoint}
        diff = diff_touchpoints(desired, {key: tp for key, (tp, _) in baseline.items()})
        to_delete = {tp.key: baseline[tp.key][1] for tp in diff.deletes}
        unknown = [key for key, record_id in to_delete.items() if not record_id]
        if unknown:  # state recorded before its record id was known: look the ids up once
            found = self._sf.read_touchpoints_by_keys(unknown)
            to_delete.update({key: found[key][1] for key in unknown if key in found})
        deletes = {key: record_id for key, record_id in to_delete.items() if record_id}
        upserts = [*diff.creates, *diff.updates]
        if upserts or deletes:
            intent.before_write()  # before the planned state is saved

        # The state each member will have once its write is done; members without a write get it
        # now, the others once the write's outcome is known (or when it is staged for Bulk).
        planned = {tp.key: RecordResult(tp.key, True) for tp in upserts}
        removed = {key: RecordResult(key, True) for key in to_delete}
        changed: list[StoredMember] = []
        pending: list[_Pending] = []
        people = {m.id: (m.contact_id or m.lead_id, m.email) for m in members}
        for member_id, outcome in outcomes.items():
            key = touchpoint_key(member_id)
            previous = stored.get(member_id)
            new_state = _next_state(outcome, previous, baseline.get(key), planned, removed)
            person_id, email = people[member_id]
            new_state = replace(new_state, person_id=person_id, email=email)
            new_state = with_history(new_state, previous, run.started_at)
            if key in planned or key in deletes:
                pending.append(_Pending(member_id, new_state, baseline.get(key)))
            elif new_state != previous:
                changed.append(new_state)
            totals.statuses[new_state.status] += 1
        gone = []
        for member_id in stored:
            if member_id in outcomes:
                continue
            key = touchpoint_key(member_id)
            if key in deletes:
                pending.append(_Pending(member_id, None, baseline.get(key)))
            else:
                gone.append(member_id)
        if self._write_back_status:
            planned_states = [p.planned for p in pending if p.planned is not None]
            self._write_back(stored, [*changed, *planned_states], totals)
        totals.state_writes += self._state.save_members(campaign_id, changed)
        totals.state_writes += self._state.forget_members(campaign_id, gone)
        writes.add(upserts, deletes, pending)

        totals.members += len(members)
        totals.created += len(diff.creates)
        totals.updated += len(diff.updates)
        totals.deleted += len(to_delete)

    # -- refusals ------------------------------------------------------------------------------

    def _record_refusals(self, campaign_id: str, failures: _Failures, totals: RunTotals) -> None:
        """Writes Salesforce refused: each member's state becomes what Salesforce holds for it,
        with the error, so the next run retries exactly that. The counts are set right."""
        if not failures:
            return
        refused: dict[str, RecordResult] = {r.ref: r for r in failures.by_key}
        held = self._sf.read_touchpoints_by_keys(list(refused))
        if failures.by_record_id:
            by_id = self._sf.read_touchpoints_by_record_ids(r.ref for r in failures.by_record_id)
            for result in failures.by_record_id:
                if result.ref in by_id:  # gone meanwhile: deleted after all
                    touchpoint, key = by_id[result.ref]
                    refused[key] = result
                    held[key] = (touchpoint, result.ref)
        member_ids = {key.removeprefix(KEY_PREFIX): key for key in refused}
        planned = self._state.load_members_by_ids(campaign_id, list(member_ids))
        upserted = {result.ref for result in failures.by_key}
        states = []
        for member_id, key in member_ids.items():
            upsert = key in upserted
            counted = planned.get(member_id)
            if counted is None and upsert:  # a refused create: counted as created, not recorded
                attempted = failures.attempted[key]
                person_id = attempted.contact_id or attempted.lead_id
                counted = StoredMember(member_id, CREATED, None, None, person_id, attempted.email)
            states.append(
                self._refused_state(
                    member_id, held.get(key), refused[key], totals, counted=counted, upsert=upsert
                )
            )
        totals.statuses = +totals.statuses  # drop counts that went to zero
        totals.state_writes += self._state.save_members(campaign_id, states)

    # -- writing -------------------------------------------------------------------------------

    def _write_back(
        self, stored: Mapping[str, StoredMember], changed: list[StoredMember], totals: RunTotals
    ) -> None:
        """Members whose outcome changed get it on their `Touchpoint_Status__c` (an unchanged
        run writes nothing); a refused status write is counted, never fatal."""
        statuses = {
            s.member_id: s.status
            for s in changed
            if s.member_id not in stored or stored[s.member_id].status != s.status
        }
        if statuses:
            results = self._sf.update_member_statuses(statuses)
            totals.failed += sum(1 for result in results if not result.success)

    def _delete_strays(self, campaign_id: str, writes: _Writes, totals: RunTotals) -> None:
        """Touchpoints with our key on this campaign that no member's recorded state accounts for
        (made by hand, or left by a member whose state was lost) are deleted."""
        for page in self._sf.campaign_touchpoint_pages(campaign_id):
            stored = self._state.load_members_by_ids(
                campaign_id, [record.member_id for record in page if record.member_id]
            )
            strays = {
                record.key: record.record_id
                for record in page
                if not _accounted_for(record, stored) and record.record_id not in writes.deleting
            }
            writes.add((), strays, [])
            totals.deleted += len(strays)


def _persons(pending: _Pending) -> set[str]:
    """Whose path a touchpoint write changed: the person it names now, and the one it named."""
    before = pending.baseline[0] if pending.baseline else None
    after = pending.planned.touchpoint if pending.planned else None
    named = (tp.contact_id or tp.lead_id for tp in (before, after) if tp is not None)
    return {person for person in named if person}


def _creates(pending: _Pending) -> bool:
    """The write creates the member's touchpoint (Salesforce held none for it)."""
    return (
        pending.baseline is None
        and pending.planned is not None
        and pending.planned.touchpoint is not None
    )


def _accounted_for(record: TouchpointRecord, stored: Mapping[str, StoredMember]) -> bool:
    """A touchpoint is ours to keep when its member's recorded state holds exactly it."""
    state = stored.get(record.member_id) if record.member_id else None
    return bool(state and state.touchpoint and state.touchpoint.key == record.key)


def _next_state(
    outcome: MemberOutcome,
    previous: StoredMember | None,
    baseline: tuple[Touchpoint, str | None] | None,
    written: Mapping[str, RecordResult],
    removed: Mapping[str, RecordResult],
) -> StoredMember:
    """The member's new recorded state: only what Salesforce confirmed moves the state forward.
    `baseline` is the touchpoint Salesforce is known to hold for the member, with its record id."""
    member_id, touchpoint = outcome.member_id, outcome.touchpoint
    key = touchpoint_key(member_id)
    if touchpoint is not None:
        record = written.get(key)
        if record is None:  # Salesforce already holds exactly this touchpoint
            record_id = baseline[1] if baseline else None
            if previous and previous.touchpoint == touchpoint and previous.record_id == record_id:
                return previous
            status = previous.status if previous and previous.touchpoint else CREATED
            return StoredMember(member_id, status, touchpoint, record_id)
        if record.success:
            status = UPDATED if baseline else CREATED
            return StoredMember(
                member_id, status, touchpoint, record.record_id or (baseline and baseline[1])
            )
        return _failed(member_id, baseline, record)
    record = removed.get(key)
    if record is not None and not record.success:
        return _failed(member_id, baseline, record)
    return StoredMember(member_id, outcome.reason.value)


def _failed(
    member_id: str, baseline: tuple[Touchpoint, str | None] | None, record: RecordResult
) -> StoredMember:
    """Record what Salesforce still holds, so the next run retries the change."""
    touchpoint, record_id = baseline if baseline else (None, None)
    return StoredMember(
        member_id, f"Error: {record.error_code or 'UNKNOWN'}", touchpoint, record_id
    )


def _campaign_fields(campaign: Campaign | None) -> dict[str, str | None]:
    return {
        "campaign_type": campaign.type if campaign else None,
        "sync_mode": campaign.sync_mode.value if campaign else None,
    }


def _campaign_recorded(summary: Mapping[str, Any] | None, campaign: Campaign | None) -> bool:
    """The last run's summary already holds this campaign's Type and mode (nothing to record)."""
    fields = _campaign_fields(campaign)
    return summary is not None and all(
        name in summary and summary[name] == value for name, value in fields.items()
    )


def _summary(
    result: RecomputeResult, campaign: Campaign | None, finished_at: datetime
) -> dict[str, Any]:
    return {
        "campaign_id": result.campaign_id,
        "campaign_found": result.found,
        **_campaign_fields(campaign),
        "last_run": finished_at.isoformat(),
        "run_id": result.run_id,
        "read_path": "bulk" if result.bulk else "rest",
        "full_reconciliation": result.full_reconciliation,
        "state_repair": result.state_repair,
        **result.totals.as_dict(),
        "unmapped_campaign_type": result.unmapped_type,
    }
