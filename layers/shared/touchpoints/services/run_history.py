"""What the run history keeps: each finished recompute run of a campaign (why it ran, when, how
many invocations, counts by outcome, Salesforce and AWS calls, errors) for 90 days, and each
member's outcome before its last change."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from touchpoints.ports.state import StoredMember
from touchpoints.rules.outcome import Outcome, OutcomeKind

RUN_HISTORY_DAYS = 90


@dataclass(frozen=True, slots=True)
class FinishedRun:
    record: dict[str, Any]
    expires_at: int  # epoch seconds: DynamoDB's TTL removes the run then


def finished_run(
    cause: str | None,
    started_at: str,
    invocations: int,
    statuses: Mapping[str, int],
    finished_at: datetime,
) -> FinishedRun:
    """A finished run as the history keeps it: `errors` counts the members left with a write
    Salesforce refused, by error code (the next run retries them)."""
    outcomes = ((Outcome.from_status(status), count) for status, count in statuses.items())
    errors = {
        outcome.reason or "UNKNOWN": count
        for outcome, count in outcomes
        if outcome.kind == OutcomeKind.ERROR and count
    }
    record = {
        "cause": cause,
        "started_at": started_at or None,
        "finished_at": finished_at.isoformat(),
        "invocations": invocations,
        "errors": errors,
    }
    expires = finished_at + timedelta(days=RUN_HISTORY_DAYS)
    return FinishedRun(record, int(expires.timestamp()))


def with_history(
    new: StoredMember, previous: StoredMember | None, changed_at: str | None
) -> StoredMember:
    """The member's new state with its outcome history: when what a reader sees (outcome,
    touchpoint date, channel) changed, what it was before and when the change was made; else the
    history it had."""
    if previous is None or new is previous:
        return new
    if _seen_alike(new, previous):
        return carried_history(new, previous)
    status, touchpoint_date, channel = _seen(previous)
    return _with_history(new, status, touchpoint_date, channel, changed_at or new.changed_at)


def carried_history(new: StoredMember, source: StoredMember) -> StoredMember:
    """The new state with `source`'s outcome history, unchanged."""
    if (
        new.previous_status == source.previous_status
        and new.previous_touchpoint_date == source.previous_touchpoint_date
        and new.previous_channel == source.previous_channel
        and new.changed_at == source.changed_at
    ):
        return new  # a state is immutable: sharing it is cheaper than copying it
    return _with_history(
        new,
        source.previous_status,
        source.previous_touchpoint_date,
        source.previous_channel,
        source.changed_at,
    )


def _with_history(
    new: StoredMember,
    previous_status: str | None,
    previous_touchpoint_date: str | None,
    previous_channel: str | None,
    changed_at: str | None,
) -> StoredMember:
    # Built directly: `dataclasses.replace` reads the fields' metadata on every call, and the
    # recompute does this for every member of a run.
    return StoredMember(
        new.member_id,
        new.status,
        new.touchpoint,
        new.record_id,
        new.person_id,
        new.email,
        previous_status,
        previous_touchpoint_date,
        previous_channel,
        changed_at,
    )


def _seen_alike(new: StoredMember, previous: StoredMember) -> bool:
    """What a reader sees of the two states is the same (`_seen`, without formatting dates when
    the touchpoints are the same value)."""
    if new.status != previous.status:
        return False
    if new.touchpoint is previous.touchpoint:
        return True
    return _seen(new) == _seen(previous)


def _seen(member: StoredMember) -> tuple[str, str | None, str | None]:
    touchpoint = member.touchpoint
    if touchpoint is None:
        return member.status, None, None
    return member.status, touchpoint.touchpoint_date.isoformat(), touchpoint.channel_path
