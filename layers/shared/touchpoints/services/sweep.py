"""Use case: the scheduled sweep finds what changed in the org without an outbound message.

Outbound messages fire on create and update only. Each sweep asks, since its watermark: which
campaigns had a member added, changed, deleted or undeleted; which synced campaigns were changed,
deleted or undeleted; which leads and contacts changed (email, conversion, merge, delete), mapped
to their synced campaigns. Every campaign found is enqueued for a recompute; once a day every
synced campaign is enqueued too, for a full reconciliation.

A sweep short on time, or stopped by Salesforce's API limit, keeps a checkpoint (the questions
already answered, the window it covers) beside its watermark; the next sweep resumes it, and a
sweep postponed by the limit waits, doubling the gap each time, as the recompute does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from touchpoints.errors import SalesforceLimitExceededError
from touchpoints.ports.org_changes import OrgChangesPort
from touchpoints.ports.queues import RecomputeQueuePort
from touchpoints.ports.state import SweepStatePort
from touchpoints.rules.limit_backoff import RECOMPUTE_MAX_BACKOFF_SECONDS, backoff_seconds

# Salesforce's clock and Lambda's are not the same clock: overlap sweeps a little.
CLOCK_SKEW = timedelta(minutes=2)
FIRST_SWEEP_LOOKBACK = timedelta(days=1)
FULL_RECONCILIATION_EVERY = timedelta(days=1)
# A question is asked only with this much time left (a large org's answer takes pages).
STEP_MARGIN_SECONDS = 60


# The questions a sweep asks, in order; the daily full reconciliation asks one more.
STEPS: tuple[tuple[str, Callable[[OrgChangesPort, datetime], set[str]]], ...] = (
    ("members", lambda changes, since: changes.campaigns_with_member_changes(since)),
    ("campaigns", lambda changes, since: changes.changed_synced_campaigns(since)),
    ("people", lambda changes, since: changes.campaigns_of_changed_people(since)),
)
FULL_STEP = ("all_synced", lambda changes, _since: changes.synced_campaigns())


@dataclass(frozen=True, slots=True)
class SweepResult:
    since: datetime
    campaign_ids: tuple[str, ...]
    full_reconciliation: bool
    finished: bool
    salesforce_calls: int
    postponed_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class _Window:
    """One sweep's work: changes after `since` up to `until`, and the questions answered."""

    since: datetime
    until: datetime
    full: bool
    done: tuple[str, ...] = ()
    limit_attempts: int = 0
    postponed_until: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "full": self.full,
            "done": list(self.done),
            "limit_attempts": self.limit_attempts,
            "postponed_until": self.postponed_until.isoformat() if self.postponed_until else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> _Window:
        postponed = data.get("postponed_until")
        return cls(
            since=datetime.fromisoformat(data["since"]),
            until=datetime.fromisoformat(data["until"]),
            full=bool(data["full"]),
            done=tuple(data.get("done") or ()),
            limit_attempts=int(data.get("limit_attempts") or 0),
            postponed_until=datetime.fromisoformat(postponed) if postponed else None,
        )


def _is_full_reconciliation_due(last_full: datetime | None, now: datetime) -> bool:
    """A full reconciliation runs on the first sweep and then once a day."""
    return last_full is None or now - last_full >= FULL_RECONCILIATION_EVERY


def sweep_org_changes(
    changes: OrgChangesPort,
    state: SweepStatePort,
    queue: RecomputeQueuePort,
    now: datetime,
    seconds_left: Callable[[], float],
) -> SweepResult:
    stored, checkpoint = state.load_sweep()
    watermark, last_full = _parse_watermark(stored)
    if checkpoint:
        window = _Window.from_dict(checkpoint)
        if window.postponed_until and now < window.postponed_until:
            return SweepResult(window.since, (), window.full, False, 0, window.postponed_until)
    else:
        since = (watermark or now - FIRST_SWEEP_LOOKBACK) - CLOCK_SKEW
        window = _Window(since, now, _is_full_reconciliation_due(last_full, now))
    calls_before = sum(changes.calls.values())
    cause = "full_reconciliation" if window.full else "sweep"
    steps = [*STEPS, *([FULL_STEP] if window.full else [])]
    enqueued: set[str] = set()
    done = list(window.done)

    def stopped(postponed: _Window) -> SweepResult:
        state.save_sweep(stored, postponed.as_dict())
        calls = sum(changes.calls.values()) - calls_before
        found = tuple(sorted(enqueued))
        return SweepResult(
            window.since, found, window.full, False, calls, postponed.postponed_until
        )

    for name, ask in steps:
        if name in done:
            continue
        if seconds_left() < STEP_MARGIN_SECONDS:
            return stopped(replace(window, done=tuple(done)))
        try:
            campaign_ids = ask(changes, window.since)
        except SalesforceLimitExceededError:
            attempt = window.limit_attempts + 1
            delay = backoff_seconds(attempt, RECOMPUTE_MAX_BACKOFF_SECONDS)
            return stopped(
                replace(
                    window,
                    done=tuple(done),
                    limit_attempts=attempt,
                    postponed_until=now + timedelta(seconds=delay),
                )
            )
        for campaign_id in sorted(campaign_ids - enqueued):
            queue.enqueue(
                campaign_id, cause, f"{cause}:{window.until.isoformat()}", full=window.full
            )
        enqueued |= campaign_ids
        done.append(name)
    full_at = window.until if window.full else last_full or window.until
    state.save_sweep(f"{window.until.isoformat()}|{full_at.isoformat()}", None)
    calls = sum(changes.calls.values()) - calls_before
    return SweepResult(window.since, tuple(sorted(enqueued)), window.full, True, calls)


def request_full_reconciliation(state: SweepStatePort) -> bool:
    """The next sweep reconciles every synced campaign in full (when the last full pass ran is
    forgotten; the changed-records watermark and any checkpoint stay). False when no sweep has
    run yet: the first one is a full reconciliation already."""
    stored, checkpoint = state.load_sweep()
    watermark, _ = _parse_watermark(stored)
    if watermark is None:
        return False
    state.save_sweep(f"{watermark.isoformat()}|", checkpoint)
    return True


def _parse_watermark(stored: str | None) -> tuple[datetime | None, datetime | None]:
    """Stored as `<watermark>|<last full reconciliation>`."""
    if not stored:
        return None, None
    watermark, _, last_full = stored.partition("|")
    return datetime.fromisoformat(watermark), datetime.fromisoformat(
        last_full
    ) if last_full else None
