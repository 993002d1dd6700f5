"""Use case: bring one campaign's touchpoints in Salesforce in line with the rules.

Reads fresh data every time (so the order of notifications never matters), diffs against the
state DynamoDB recorded, writes only the difference, and records only what Salesforce confirmed:
a crash or a refused record leaves the old state, so the next run retries exactly that.

Members are walked in Id order, a chunk at a time, beside the stored state for the same Id range
(a merge of two sorted streams): memory holds one chunk, members removed from the campaign show up
as stored members missing from their range, and a run that runs short of time saves its cursor
and continues in a new invocation (time is checked before every chunk, the first included).

The state is trusted only while it can be: a write intent is recorded before touchpoints are
written and cleared once their outcomes are saved, so a crash in between (or a lost response, or
the API limit mid-write) leaves it behind. A run that finds one, or that finds no state at all for
a synced campaign whose touchpoints exist in Salesforce (a lost table), compares with what
Salesforce holds instead, as the daily full reconciliation does: touchpoints of excluded or
removed members are deleted in that very run. An ordinary run costs no extra Salesforce call.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from touchpoints.ports.salesforce import RecomputeSalesforcePort, RecordResult, TouchpointRecord
from touchpoints.ports.state import ChannelMappingPort, StatePort, StoredMember
from touchpoints.rules.diff import diff_touchpoints
from touchpoints.rules.eligibility import evaluate_member
from touchpoints.rules.keys import touchpoint_key
from touchpoints.rules.models import (
    Campaign,
    Channel,
    Member,
    MemberOutcome,
    SyncMode,
    Touchpoint,
)

CREATED = "Touchpoint Created"
UPDATED = "Touchpoint Updated"
REST_CHUNK = 2000  # one REST query page
BULK_PAGE = 10_000  # one Bulk API 2.0 result page
HANDOFF_MARGIN_SECONDS = 120.0  # a chunk (or a record) starts only with this much time left
CHECKPOINT_TTL_SECONDS = 7 * 24 * 3600


class MemberOrderError(RuntimeError):
    """Salesforce returned members out of Id order; the range merge would misread removals."""


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

    def as_dict(self) -> dict[str, Any]:
        return {
            "members": self.members,
            "created": self.created,
            "updated": self.updated,
            "deleted": self.deleted,
            "failed": self.failed,
            "state_writes": self.state_writes,
            "statuses": dict(self.statuses),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunTotals:
        return cls(**{**data, "statuses": Counter(data.get("statuses", {}))})


@dataclass(frozen=True, slots=True)
class RecomputeRequest:
    campaign_id: str
    full_reconciliation: bool = False
    run_id: str | None = None  # set on a continuation


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
    api_calls: Counter[str] = field(default_factory=Counter)

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
class _WriteIntent:
    """Touchpoint writes whose outcomes may not be in the state yet: marked before this
    invocation's first write, cleared once every outcome is saved. `found` is an intent some
    earlier invocation left behind: it stopped between a Salesforce write and its state save."""

    state: StatePort
    campaign_id: str
    run_id: str
    now: datetime
    found: bool
    pending: bool = False

    def __post_init__(self) -> None:
        self.pending = self.found

    def before_write(self) -> None:
        if not self.pending:
            self.state.mark_write_intent(self.campaign_id, self.run_id, self.now)
            self.pending = True

    def clear(self) -> None:
        if self.pending:
            self.state.clear_write_intent(self.campaign_id)
            self.pending = False


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
        bulk_page: int = BULK_PAGE,
        write_back_status: bool = False,
    ) -> None:
        self._write_back_status = write_back_status
        self._sf = salesforce
        self._state = state
        self._channel_mapping = channel_mapping
        self._bulk_threshold = bulk_threshold
        self._rest_chunk = rest_chunk
        self._bulk_page = bulk_page

    def run(
        self, request: RecomputeRequest, now: datetime, seconds_left: Callable[[], float]
    ) -> RecomputeResult:
        campaign_id = request.campaign_id
        calls_before = Counter(self._sf.calls)
        saved = self._state.load_checkpoint(campaign_id)
        if request.run_id and (saved is None or saved["run_id"] != request.run_id):
            # a newer run started meanwhile (or this one finished): it covers everything
            return RecomputeResult(campaign_id, request.run_id, finished=True, superseded=True)
        checkpoint = saved if request.run_id else None  # a fresh run starts over, superseding it
        run_id = request.run_id or uuid.uuid4().hex
        cursor = checkpoint["cursor"] if checkpoint else ""
        full = checkpoint["full"] if checkpoint else request.full_reconciliation
        totals = RunTotals.from_dict(checkpoint["totals"]) if checkpoint else RunTotals()

        campaign = self._sf.read_campaign(campaign_id)
        channels = self._channel_mapping.channels()
        result = RecomputeResult(campaign_id, run_id, finished=False, found=campaign is not None)
        intent = _WriteIntent(
            self._state,
            campaign_id,
            run_id,
            now,
            found=self._state.load_write_intent(campaign_id) is not None,
        )
        summary = None if checkpoint else self._state.load_summary(campaign_id)
        if intent.found:
            result.state_repair = UNCONFIRMED_WRITES
        elif (  # no state at all: a first run (one query finds nothing) or a lost table
            checkpoint is None
            and summary is None
            and self._may_hold_touchpoints(campaign)
            and self._sf.has_campaign_touchpoints(campaign_id)
        ):
            result.state_repair = NO_RECORDED_STATE
        full = full or result.state_repair is not None
        result.full_reconciliation = full
        if campaign is None:
            chunks: Iterable[list[Member]] = []
        else:
            bulk = (
                checkpoint["bulk"]
                if checkpoint
                else self._size(campaign_id, summary) >= self._bulk_threshold
            )
            result.bulk = bulk
            chunks = self._member_chunks(campaign_id, cursor, bulk)
            if campaign.type not in channels:
                result.unmapped_type = campaign.type or "(blank)"

        slowest_chunk = 0.0
        for members, is_last in _with_last(chunks):
            if seconds_left() < max(HANDOFF_MARGIN_SECONDS, 2 * slowest_chunk):
                self._state.save_checkpoint(
                    campaign_id,
                    {
                        "run_id": run_id,
                        "cursor": cursor,
                        "full": full,
                        "bulk": result.bulk,
                        "totals": totals.as_dict(),
                    },
                    int(now.timestamp()) + CHECKPOINT_TTL_SECONDS,
                )
                if not full:  # every outcome so far is saved; a repair keeps it until its end
                    intent.clear()
                result.totals = totals
                result.api_calls = Counter(self._sf.calls) - calls_before
                return result
            chunk_started = time.monotonic()
            _check_order(members, cursor)
            upper = None if is_last else members[-1].id
            self._reconcile(
                campaign_id, campaign, members, cursor, upper, channels, full, totals, intent
            )
            slowest_chunk = max(slowest_chunk, time.monotonic() - chunk_started)
            if is_last:
                break
            cursor = upper

        if full:
            totals.deleted += self._delete_strays(campaign_id, totals)
        intent.clear()
        if saved:
            self._state.clear_checkpoint(campaign_id)
        result.finished = True
        result.totals = totals
        result.api_calls = Counter(self._sf.calls) - calls_before
        if not _campaign_recorded(summary, campaign):  # its Type, for the channel mapping API
            self._channel_mapping.record_campaign(campaign_id, campaign)
        self._state.save_summary(campaign_id, _summary(result, campaign, now))
        return result

    # -- reading members -----------------------------------------------------------------------

    @staticmethod
    def _may_hold_touchpoints(campaign: Campaign | None) -> bool:
        """A campaign not synced keeps whatever it has; a deleted one has no lookup to query."""
        return campaign is not None and campaign.sync_mode is not SyncMode.NOT_SYNCED

    def _size(self, campaign_id: str, summary: Mapping[str, Any] | None) -> int:
        """The campaign's member count as of the last run (free), else counted (one query)."""
        if summary and summary.get("campaign_found"):
            return int(summary["members"])
        return self._sf.count_members(campaign_id)

    def _member_chunks(self, campaign_id: str, after_id: str, bulk: bool) -> Iterator[list[Member]]:
        if bulk:
            yield from self._sf.bulk_member_pages(campaign_id, after_id, self._bulk_page)
            return
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
        after_id: str,
        upto_id: str | None,
        channels: Mapping[str, Channel],
        full: bool,
        totals: RunTotals,
        intent: _WriteIntent,
    ) -> None:
        stored = self._state.load_members_range(campaign_id, after_id, upto_id)
        outcomes = (
            {m.id: evaluate_member(campaign, m, channels) for m in members} if campaign else {}
        )
        if full:  # drift repair: compare with what Salesforce holds, not with what we recorded
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

        if diff.creates or diff.updates or diff.deletes:
            intent.before_write()
        written = self._write([*diff.creates, *diff.updates])
        to_delete = {tp.key: baseline[tp.key][1] for tp in diff.deletes}
        unknown = [key for key, record_id in to_delete.items() if not record_id]
        if unknown:  # state written before its record id was known: look the ids up once
            found = self._sf.read_touchpoints_by_keys(unknown)
            to_delete.update({key: found[key][1] for key in unknown if key in found})
        removed = self._delete({key: rid for key, rid in to_delete.items() if rid})
        for key in to_delete:  # never reached Salesforce: nothing to delete
            removed.setdefault(key, RecordResult(key, True))

        changed: list[StoredMember] = []
        people = {m.id: (m.contact_id or m.lead_id, m.email) for m in members}
        for member_id, outcome in outcomes.items():
            previous = stored.get(member_id)
            new_state = _next_state(
                outcome, previous, baseline.get(touchpoint_key(member_id)), written, removed
            )
            person_id, email = people[member_id]
            new_state = replace(new_state, person_id=person_id, email=email)
            if new_state != previous:
                changed.append(new_state)
            totals.statuses[new_state.status] += 1
        gone = [
            member_id
            for member_id in stored
            if member_id not in outcomes
            and removed.get(touchpoint_key(member_id), RecordResult("", True)).success
        ]
        if self._write_back_status:
            self._write_back(stored, changed, totals)
        totals.state_writes += self._state.save_members(campaign_id, changed)
        totals.state_writes += self._state.forget_members(campaign_id, gone)

        totals.members += len(members)
        create_keys = {tp.key for tp in diff.creates}
        for key, record in written.items():
            if not record.success:
                totals.failed += 1
            elif key in create_keys:
                totals.created += 1
            else:
                totals.updated += 1
        for record in removed.values():
            if record.success:
                totals.deleted += 1
            else:
                totals.failed += 1

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

    def _write(self, touchpoints: list[Touchpoint]) -> dict[str, RecordResult]:
        if not touchpoints:
            return {}
        if len(touchpoints) >= self._bulk_threshold:
            results = self._sf.bulk_upsert_touchpoints(touchpoints)
        else:
            results = self._sf.upsert_touchpoints(touchpoints)
        return {r.ref: r for r in results}

    def _delete(self, keys_to_ids: dict[str, str]) -> dict[str, RecordResult]:
        if not keys_to_ids:
            return {}
        if len(keys_to_ids) >= self._bulk_threshold:
            results = self._sf.bulk_delete_records(keys_to_ids)
        else:
            results = self._sf.delete_records(keys_to_ids)
        return {r.ref: r for r in results}

    def _delete_strays(self, campaign_id: str, totals: RunTotals) -> int:
        """Touchpoints with our key on this campaign that no member's recorded state accounts for
        (made by hand, or left by a member whose state was lost) are deleted."""
        deleted = 0
        for page in self._sf.campaign_touchpoint_pages(campaign_id):
            stored = self._state.load_members_by_ids(
                campaign_id, [record.member_id for record in page if record.member_id]
            )
            strays = {
                record.key: record.record_id
                for record in page
                if not _accounted_for(record, stored)
            }
            for result in self._delete(strays).values():
                if result.success:
                    deleted += 1
                else:
                    totals.failed += 1
        return deleted


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
        "api_calls": dict(result.api_calls),
    }
