"""ReconciliationSweepFunction (EventBridge Scheduler): enqueues a recompute for every campaign the
org changed without an outbound message since the last sweep (deleted, undeleted or merged records,
people's own edits), and once a day every synced campaign in full."""

from __future__ import annotations

from typing import Any

from touchpoints.edge.handler import add_counts, lambda_entry, logger
from touchpoints.services.sweep import sweep_org_changes
from touchpoints.wiring import Dependencies


@lambda_entry
def lambda_handler(event: dict[str, Any], context: Any, deps: Dependencies) -> dict[str, Any]:
    result = sweep_org_changes(
        deps.org_changes,
        deps.state,
        deps.queue,
        deps.clock(),
        lambda: context.get_remaining_time_in_millis() / 1000,
    )
    details = {
        "campaign_ids": result.campaign_ids,
        "full_reconciliation": result.full_reconciliation,
        "salesforce_calls": result.salesforce_calls,
    }
    if result.postponed_until is not None:
        details["postponed_until"] = result.postponed_until.isoformat()
        logger.warning("Salesforce API limit reached; sweep postponed", extra={"sweep": details})
    elif not result.finished:
        logger.info("sweep ran short on time; the next one resumes it", extra={"sweep": details})
    else:
        logger.info("sweep enqueued campaigns", extra={"sweep": details})
    add_counts(
        {
            "SweepCampaignsEnqueued": len(result.campaign_ids),
            "SweepSalesforceCalls": result.salesforce_calls,
        }
    )
    return {
        "enqueued": len(result.campaign_ids),
        "full_reconciliation": result.full_reconciliation,
        "finished": result.finished,
    }
