"""The recompute's orchestration: one invocation of a run, from its checkpoint (or a fresh
start) through the walk or a look at its Bulk jobs, to a wait, a hand-over or the finish."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from touchpoints.errors import SalesforceBulkJobGoneError
from touchpoints.ports.channel_mapping import RecomputeChannelsPort
from touchpoints.ports.salesforce import RecomputeSalesforcePort
from touchpoints.ports.state import StatePort
from touchpoints.rules.bulk_wait import bulk_wait_seconds
from touchpoints.rules.models import Campaign, Channel, SyncMode
from touchpoints.rules.sync_mode import UnknownSyncModeError
from touchpoints.services.recompute.bulk_phase import BulkPhase, Collecting
from touchpoints.services.recompute.checkpoint import (
    HANDOFF_MARGIN_SECONDS,
    INGEST,
    QUERY,
    WAITING,
    Checkpoints,
    Run,
)
from touchpoints.services.recompute.chunk import ChunkReconciler
from touchpoints.services.recompute.gathered_statuses import GatheredStatuses
from touchpoints.services.recompute.gathered_writes import GatheredWrites
from touchpoints.services.recompute.results import (
    NO_RECORDED_STATE,
    UNCONFIRMED_WRITES,
    UNKNOWN_SYNC_ACTION,
    RecomputeRequest,
    RecomputeResult,
    campaign_recorded,
    summary_record,
)
from touchpoints.services.recompute.state_records import StateRecords
from touchpoints.services.recompute.walk import (
    REST_CHUNK,
    HeldTouchpoints,
    check_order,
    member_chunks,
    with_last,
)
from touchpoints.services.recompute.write_intent import WriteIntent
from touchpoints.services.run_history import finished_run


class Recompute:
    def __init__(
        self,
        salesforce: RecomputeSalesforcePort,
        state: StatePort,
        *,
        channel_mapping: RecomputeChannelsPort,
        bulk_threshold: int,
        rest_chunk: int = REST_CHUNK,
        write_back_status: bool = False,
    ) -> None:
        self._sf = salesforce
        self._state = state
        self._channel_mapping = channel_mapping
        self._bulk_threshold = bulk_threshold
        self._rest_chunk = rest_chunk
        self._checkpoints = Checkpoints(salesforce, state)
        self._records = StateRecords(salesforce, state)
        self._bulk = BulkPhase(salesforce, state, self._records)
        self._chunks = ChunkReconciler(salesforce, state, write_back_status=write_back_status)

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
        run = Run.from_dict(saved) if saved and (request.run_id or joins) else None
        if run is None:  # a fresh run; it supersedes a run saved mid-walk
            run = Run(
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
        intent = WriteIntent(
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

    def _go(
        self,
        run: Run,
        crashed: bool,
        intent: WriteIntent,
        now: datetime,
        seconds_left: Callable[[], float],
        result: RecomputeResult,
    ) -> RecomputeResult:
        campaign_id = result.campaign_id
        result.bulk, result.rerun = run.bulk, run.rerun
        if run.phase == QUERY:
            if not self._bulk.query_done(campaign_id, run):
                return self._wait(run, now, result)
        elif run.phase == INGEST:
            collected = self._bulk.ingest_collected(campaign_id, run, seconds_left)
            result.touched_persons |= collected.touched_persons
            if collected.state is Collecting.RUNNING:
                return self._wait(run, now, result)
            if collected.state is Collecting.OUT_OF_TIME:  # a continuation goes on from there
                self._checkpoints.save(campaign_id, run, now)
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
        if not run.resumed and not campaign_recorded(summary, campaign):
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
            self._bulk.query_again(campaign_id, run, queries, str(gone))
            return self._wait(run, now, result)

    # -- waiting on Bulk jobs ------------------------------------------------------------------

    def _wait(self, run: Run, now: datetime, result: RecomputeResult) -> RecomputeResult:
        run.holder = result.message_id
        result.wait_seconds = bulk_wait_seconds(run.polls)
        run.polls += 1
        self._checkpoints.save(result.campaign_id, run, now)
        return result

    # -- walking members -----------------------------------------------------------------------

    def _walk(
        self,
        run: Run,
        campaign: Campaign | None,
        channels: Mapping[str, Channel],
        intent: WriteIntent,
        now: datetime,
        seconds_left: Callable[[], float],
        result: RecomputeResult,
    ) -> RecomputeResult:
        campaign_id = result.campaign_id
        writes = GatheredWrites(self._sf, self._bulk_threshold)
        statuses = GatheredStatuses(self._sf, self._bulk_threshold)
        query_job = run.query_job if run.bulk else None
        assert query_job is not None or not run.bulk
        chunks = (
            member_chunks(self._sf, campaign_id, run.cursor, self._rest_chunk, query_job)
            if campaign
            else iter(())
        )
        held = (
            HeldTouchpoints(self._sf.sorted_touchpoints(run.touchpoint_job, run.cursor))
            if run.touchpoint_job is not None
            else None
        )
        slowest_chunk = 0.0
        try:
            for members, is_last in with_last(chunks):
                if seconds_left() < max(HANDOFF_MARGIN_SECONDS, 2 * slowest_chunk):
                    return self._hand_over(run, writes, statuses, intent, now, result)
                chunk_started = time.monotonic()
                check_order(members, run.cursor)
                upper = None if is_last else members[-1].id
                chunk = self._chunks.reconcile(
                    campaign_id,
                    campaign,
                    members,
                    run,
                    upper,
                    channels,
                    intent,
                    held,
                    staging=writes.staging,
                )
                staged = writes.add(chunk.upserts, chunk.deletes, chunk.pending)
                self._records.record_planned(campaign_id, staged, run.totals)
                statuses.add(chunk.statuses)
                if not run.bulk:  # a small campaign's writes: full calls as soon as they fill
                    self._send(run, writes, statuses, result, whole_calls_only=True)
                slowest_chunk = max(slowest_chunk, time.monotonic() - chunk_started)
                if is_last:
                    break
                run.cursor = members[-1].id
            if run.full and held is None:  # (read beside the walk, strays were in its ranges)
                for strays in self._chunks.strays(campaign_id, writes.deleting):
                    writes.add((), strays, [])
                    run.totals.deleted += len(strays)
            run.walk_done = True
            if self._send(run, writes, statuses, result):
                return self._wait(run, now, result)
        finally:
            writes.discard()
            statuses.discard()
        return self._finish(run, campaign, intent, now, result)

    def _hand_over(
        self,
        run: Run,
        writes: GatheredWrites,
        statuses: GatheredStatuses,
        intent: WriteIntent,
        now: datetime,
        result: RecomputeResult,
    ) -> RecomputeResult:
        """Out of time: what is gathered is sent, and the run goes on in a new invocation (or,
        when Bulk jobs are out, once they are over)."""
        if self._send(run, writes, statuses, result):
            return self._wait(run, now, result)
        self._checkpoints.save(result.campaign_id, run, now)
        if not run.full:  # every outcome so far is recorded; a repair keeps it until its end
            intent.clear()
        return result

    def _send(
        self,
        run: Run,
        writes: GatheredWrites,
        statuses: GatheredStatuses,
        result: RecomputeResult,
        whole_calls_only: bool = False,
    ) -> bool:
        """Send the gathered writes and statuses; True when Bulk ingest jobs are now out to be
        waited on. A refused status write is counted, never fatal."""
        outcomes, jobs = writes.flush(whole_calls_only)
        refused_statuses, status_jobs = statuses.flush(whole_calls_only)
        jobs += status_jobs
        run.totals.failed += refused_statuses
        touched = self._records.record_outcomes(result.campaign_id, outcomes, run.totals)
        result.touched_persons |= touched
        run.totals.failed += writes.refused_strays
        run.totals.deleted -= writes.refused_strays
        writes.refused_strays = 0
        if jobs:
            run.phase, run.ingest_jobs, run.polls = INGEST, jobs, 0
        return bool(jobs)

    # -- the end -------------------------------------------------------------------------------

    def _finish(
        self,
        run: Run,
        campaign: Campaign | None,
        intent: WriteIntent,
        now: datetime,
        result: RecomputeResult,
    ) -> RecomputeResult:
        campaign_id = result.campaign_id
        intent.clear()
        self._checkpoints.clear(campaign_id, run)
        result.finished = True
        result.full_reconciliation, result.state_repair = run.full, run.state_repair
        if run.resumed:  # read again in a later invocation: what it holds now
            self._channel_mapping.record_campaign(campaign_id, campaign)
        self._checkpoints.tally_calls(run)
        result.totals = run.totals
        report = summary_record(result, campaign, now)
        self._state.save_summary(campaign_id, report)
        history = finished_run(run.cause, run.started_at, run.invocations, run.totals.statuses, now)
        self._state.save_run(campaign_id, {**report, **history.record}, history.expires_at)
        return result

    def _unknown_sync_value(
        self, run: Run, value: str, now: datetime, result: RecomputeResult
    ) -> RecomputeResult:
        """A sync setting the product does not know: nothing is written or removed, the run is
        over (a retry would meet the same value), and the summary says which value and why."""
        campaign_id = result.campaign_id
        self._checkpoints.clear(campaign_id, run)
        previous = self._state.load_summary(campaign_id) or {}
        result.finished = True
        result.unknown_sync_value = value
        result.unknown_sync_first_seen = previous.get("unknown_sync_value") != value
        self._checkpoints.tally_calls(run)
        result.totals = run.totals
        self._state.save_summary(
            campaign_id,
            {
                **summary_record(result, None, now),
                "unknown_sync_value": value,
                "unknown_sync_action": UNKNOWN_SYNC_ACTION,
            },
        )
        return result

    @staticmethod
    def _may_hold_touchpoints(campaign: Campaign | None) -> bool:
        """A campaign not synced keeps whatever it has; a deleted one has no lookup to query."""
        return campaign is not None and campaign.sync_mode is not SyncMode.NOT_SYNCED

    def _size(self, campaign_id: str, summary: Mapping[str, Any] | None) -> int:
        """The campaign's member count as of the last run (free), else counted (one query)."""
        if summary and summary.get("campaign_found"):
            return int(summary["members"])
        return self._sf.count_members(campaign_id)
