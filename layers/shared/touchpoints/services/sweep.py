"""Use case: the scheduled sweep finds campaigns that changed without an outbound message.

Campaigns and members whose SystemModstamp moved past the watermark are enqueued; once a day every
synced campaign is enqueued too, for a full reconciliation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from touchpoints.ports.queues import QueuePort
from touchpoints.ports.salesforce import SweepSalesforcePort
from touchpoints.ports.state import SweepStatePort

# Salesforce's clock and Lambda's are not the same clock: overlap sweeps a little.
CLOCK_SKEW = timedelta(minutes=2)
FIRST_SWEEP_LOOKBACK = timedelta(days=1)
FULL_RECONCILIATION_EVERY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class SweepResult:
    since: datetime
    campaign_ids: tuple[str, ...]
    full_reconciliation: bool


def _is_full_reconciliation_due(last_full: datetime | None, now: datetime) -> bool:
    """A full reconciliation runs on the first sweep and then once a day."""
    return last_full is None or now - last_full >= FULL_RECONCILIATION_EVERY


def sweep_changed_campaigns(
    salesforce: SweepSalesforcePort,
    state: SweepStatePort,
    queue: QueuePort,
    now: datetime,
) -> SweepResult:
    stored = state.load_sweep_watermark()
    watermark, last_full = _parse_watermark(stored)
    since = (watermark or now - FIRST_SWEEP_LOOKBACK) - CLOCK_SKEW
    full = _is_full_reconciliation_due(last_full, now)
    campaign_ids = salesforce.changed_campaign_ids(since, all_synced=full)
    cause = "full_reconciliation" if full else "sweep"
    for campaign_id in sorted(campaign_ids):
        queue.enqueue(campaign_id, cause, f"{cause}:{now.isoformat()}", full=full)
    state.save_sweep_watermark(
        f"{now.isoformat()}|{(now if full else last_full or now).isoformat()}"
    )
    return SweepResult(since, tuple(sorted(campaign_ids)), full)


def _parse_watermark(stored: str | None) -> tuple[datetime | None, datetime | None]:
    """Stored as `<watermark>|<last full reconciliation>`."""
    if not stored:
        return None, None
    watermark, _, last_full = stored.partition("|")
    return datetime.fromisoformat(watermark), datetime.fromisoformat(
        last_full
    ) if last_full else None
