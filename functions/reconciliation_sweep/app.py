"""ReconciliationSweepFunction (EventBridge Scheduler): enqueues a recompute for every campaign the
org changed without an outbound message since the last sweep (deleted, undeleted or merged records,
people's own edits), and once a day every synced campaign in full. First it samples the org's daily
API budget for the look-ahead alarm."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from touchpoints.edge.handler import add_counts, lambda_entry, logger
from touchpoints.edge.run_reports import budget_counts, budget_percentages
from touchpoints.services.attribution_requests import request_attribution
from touchpoints.services.limits_sampling import salesforce_budget
from touchpoints.services.sweep import sweep_org_changes
from touchpoints.wiring import Dependencies


@lambda_entry
def lambda_handler(event: dict[str, Any], context: Any, deps: Dependencies) -> dict[str, Any]:
    _sample_budget(deps)
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
    if deps.settings.attribution_queue_url and result.finished:  # (not while postponed)
        persons = request_attribution(
            deps.attribution_gateway,
            deps.attribution_queue,
            result.since,
            full=result.full_reconciliation,
        )
        add_counts({"SweepPersonsEnqueuedForAttribution": persons})
    return {
        "enqueued": len(result.campaign_ids),
        "full_reconciliation": result.full_reconciliation,
        "finished": result.finished,
    }


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
