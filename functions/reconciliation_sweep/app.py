"""ReconciliationSweepFunction (EventBridge Scheduler): enqueues a recompute for every campaign
whose records changed since the last sweep, and once a day every synced campaign in full. First
it samples the org's daily API budget for the look-ahead alarm."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from touchpoints.edge.handler import add_counts, lambda_entry, logger
from touchpoints.edge.run_reports import budget_counts, budget_percentages
from touchpoints.services.limits_sampling import salesforce_budget
from touchpoints.services.sweep import sweep_changed_campaigns
from touchpoints.wiring import Dependencies


@lambda_entry
def lambda_handler(event: dict[str, Any], context: Any, deps: Dependencies) -> dict[str, Any]:
    _sample_budget(deps)
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
    return {"enqueued": len(result.campaign_ids), "full_reconciliation": result.full_reconciliation}


def _sample_budget(deps: Dependencies) -> None:
    """Before the sweep spends any of it, so a spent budget is published too."""
    budget = salesforce_budget(deps.salesforce_limits)
    if budget is None:
        logger.warning(
            "Salesforce API budget not sampled: the Limits resource did not answer"
            " (the integration user needs View Setup and Configuration)"
        )
        return
    add_counts(budget_counts(budget))
    add_counts(budget_percentages(budget), MetricUnit.Percent)
