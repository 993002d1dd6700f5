"""Use case: bring one campaign's touchpoints in Salesforce in line with the rules.

Reads fresh data every time (so the order of notifications never matters), diffs against the
state DynamoDB recorded, writes only the difference, and records only what Salesforce confirmed:
a crash or a refused record leaves the old state, so the next run retries exactly that.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from touchpoints.adapters.salesforce import RecordResult
from touchpoints.adapters.state_store import StoredMember
from touchpoints.rules.diff import diff_touchpoints
from touchpoints.rules.eligibility import evaluate_campaign
from touchpoints.rules.models import Campaign, Channel, Member, MemberOutcome, Touchpoint

CREATED = "Touchpoint Created"
UPDATED = "Touchpoint Updated"


class SalesforcePort(Protocol):
    calls: Counter[str]

    def read_campaign(self, campaign_id: str) -> Campaign | None: ...
    def read_members(self, campaign_id: str) -> object: ...
    def upsert_touchpoints(self, touchpoints: list[Touchpoint]) -> list[RecordResult]: ...
    def delete_records(self, refs_to_ids: Mapping[str, str]) -> list[RecordResult]: ...
    def find_touchpoint_ids(self, keys: list[str]) -> dict[str, str]: ...


class StatePort(Protocol):
    def load_members(self, campaign_id: str) -> dict[str, StoredMember]: ...
    def save_members(self, campaign_id: str, members: list[StoredMember]) -> int: ...
    def forget_members(self, campaign_id: str, member_ids: list[str]) -> int: ...
    def save_summary(self, campaign_id: str, summary: Mapping[str, object]) -> None: ...
    def load_channel_mapping(self) -> dict[str, Channel]: ...


@dataclass
class RecomputeResult:
    campaign_id: str
    found: bool
    created: int = 0
    updated: int = 0
    deleted: int = 0
    failed: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    unmapped_type: str | None = None
    api_calls: Counter[str] = field(default_factory=Counter)

    def as_summary(self, finished_at: datetime) -> dict[str, object]:
        return {
            "campaign_id": self.campaign_id,
            "campaign_found": self.found,
            "last_run": finished_at.isoformat(),
            "created": self.created,
            "updated": self.updated,
            "deleted": self.deleted,
            "failed": self.failed,
            "statuses": dict(self.statuses),
            "unmapped_campaign_type": self.unmapped_type,
            "api_calls": dict(self.api_calls),
        }


def _error_status(result: RecordResult) -> str:
    return f"Error: {result.error_code or 'UNKNOWN'}"


def recompute_campaign(
    campaign_id: str, salesforce: SalesforcePort, state: StatePort, now: datetime
) -> RecomputeResult:
    calls_before = Counter(salesforce.calls)
    campaign = salesforce.read_campaign(campaign_id)
    stored = state.load_members(campaign_id)
    outcomes: dict[str, MemberOutcome] = {}
    result = RecomputeResult(campaign_id, found=campaign is not None)
    if campaign is not None:
        channels = state.load_channel_mapping()
        members: list[Member] = list(salesforce.read_members(campaign_id))
        outcomes = {o.member_id: o for o in evaluate_campaign(campaign, members, channels)}
        if campaign.type not in channels and any(o.touchpoint for o in outcomes.values()):
            result.unmapped_type = campaign.type or "(blank)"

    existing = {s.touchpoint.key: s.touchpoint for s in stored.values() if s.touchpoint}
    desired = {o.touchpoint.key: o.touchpoint for o in outcomes.values() if o.touchpoint}
    diff = diff_touchpoints(desired, existing)

    written = {r.ref: r for r in salesforce.upsert_touchpoints([*diff.creates, *diff.updates])}
    removed = _delete(salesforce, stored, [tp.member_id for tp in diff.deletes])

    new_states: list[StoredMember] = []
    for member_id, outcome in outcomes.items():
        previous = stored.get(member_id)
        new_state = _next_state(outcome, previous, written, removed)
        if new_state != previous:
            new_states.append(new_state)
        result.statuses[new_state.status] += 1
    state.save_members(campaign_id, new_states)

    gone = [m for m in stored if m not in outcomes and (m not in removed or removed[m].success)]
    state.forget_members(campaign_id, gone)

    create_keys = {tp.key for tp in diff.creates}
    for key, record in written.items():
        if not record.success:
            result.failed += 1
        elif key in create_keys:
            result.created += 1
        else:
            result.updated += 1
    for record in removed.values():
        if record.success:
            result.deleted += 1
        else:
            result.failed += 1
    result.api_calls = Counter(salesforce.calls) - calls_before
    state.save_summary(campaign_id, result.as_summary(now))
    return result


def _delete(
    salesforce: SalesforcePort, stored: Mapping[str, StoredMember], member_ids: list[str]
) -> dict[str, RecordResult]:
    """Delete the touchpoints of these members; results keyed by member id."""
    if not member_ids:
        return {}
    record_ids = {m: stored[m].record_id for m in member_ids if stored[m].record_id}
    missing = [stored[m].touchpoint.key for m in member_ids if m not in record_ids]
    if missing:  # state written before record ids were known: look them up once
        by_key = salesforce.find_touchpoint_ids(missing)
        for m in member_ids:
            if m not in record_ids and stored[m].touchpoint.key in by_key:
                record_ids[m] = by_key[stored[m].touchpoint.key]
    results = {r.ref: r for r in salesforce.delete_records(record_ids)}
    for m in member_ids:  # never written to Salesforce: nothing to delete
        results.setdefault(m, RecordResult(m, True))
    return results


def _next_state(
    outcome: MemberOutcome,
    previous: StoredMember | None,
    written: Mapping[str, RecordResult],
    removed: Mapping[str, RecordResult],
) -> StoredMember:
    """The member's new recorded state: only what Salesforce confirmed moves the state forward."""
    member_id = outcome.member_id
    touchpoint = outcome.touchpoint
    if touchpoint is not None:
        record = written.get(touchpoint.key)
        if record is None:  # unchanged
            return previous
        if record.success:
            status = CREATED if previous is None or previous.touchpoint is None else UPDATED
            return StoredMember(member_id, status, touchpoint, record.record_id)
        return _failed(member_id, previous, record)
    record = removed.get(member_id)
    if record is not None and not record.success:
        return _failed(member_id, previous, record)
    return StoredMember(member_id, outcome.reason.value)


def _failed(member_id: str, previous: StoredMember | None, record: RecordResult) -> StoredMember:
    """Keep the confirmed touchpoint (if any) so the next run retries the change."""
    return StoredMember(
        member_id,
        _error_status(record),
        previous.touchpoint if previous else None,
        previous.record_id if previous else None,
    )
