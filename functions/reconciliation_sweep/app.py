"""ReconciliationSweepFunction (EventBridge Scheduler): enqueues a recompute for every campaign
whose records changed since the last sweep, and once a day every synced campaign in full."""

from __future__ import annotations

from typing import Any

from touchpoints.edge.handler import add_counts, lambda_entry, logger
from touchpoints.services.attribution import request_attribution
from touchpoints.services.sweep import sweep_changed_campaigns
from touchpoints.wiring import Dependencies


@lambda_entry
def lambda_handler(event: dict[str, Any], context: Any, deps: Dependencies) -> dict[str, Any]:
    result = sweep_changed_campaigns(
        deps.salesforce,
        deps.state,
        deps.queue,
        deps.clock(),
    )
    logger.info(
        "sweep enqueued campaigns",
        extra={
            "sweep": {
                "campaign_ids": result.campaign_ids,
                "full_reconciliation": result.full_reconciliation,
            }
        },
    )
    add_counts({"SweepCampaignsEnqueued": len(result.campaign_ids)})
    if deps.settings.attribution_queue_url:
        persons = request_attribution(
            deps.attribution_gateway,
            deps.attribution_queue,
            result.since,
            full=result.full_reconciliation,
        )
        add_counts({"SweepPersonsEnqueuedForAttribution": persons})
    return {"enqueued": len(result.campaign_ids), "full_reconciliation": result.full_reconciliation}
