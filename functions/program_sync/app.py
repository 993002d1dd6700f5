"""ProgramSyncFunction (EventBridge Scheduler): syncs every linked Marketo program and Salesforce
campaign, one link after another; a link's failure is recorded as its last sync, never fatal.
Then it samples Marketo's daily usage for the dashboard."""

from __future__ import annotations

from typing import Any

from touchpoints.edge.handler import add_counts, lambda_entry, logger
from touchpoints.edge.run_reports import marketo_usage_counts, program_sync_counts
from touchpoints.services.limits_sampling import marketo_calls_today
from touchpoints.services.program_sync.sync import sync_all
from touchpoints.wiring import Dependencies


@lambda_entry
def lambda_handler(event: dict[str, Any], context: Any, deps: Dependencies) -> dict[str, Any]:
    outcomes = sync_all(deps.program_sync, now=deps.clock())
    for outcome in outcomes:
        logger.info("program synced", extra={"program_sync": {"outcome": outcome}})
        add_counts(program_sync_counts(outcome))
    failed = [o["program_id"] for o in outcomes if o.get("error")]
    quota_spent = sum(1 for o in outcomes if o.get("quota_exhausted"))
    add_counts({"ProgramSyncRunsFailed": len(failed), "MarketoQuotaExhausted": quota_spent})
    calls_today = marketo_calls_today(deps.marketo)  # after the sync: today's use so far
    if calls_today is None:
        logger.warning("Marketo daily usage not sampled: Marketo did not answer")
    else:
        add_counts(marketo_usage_counts(calls_today))
    return {"links": len(outcomes), "failed": failed}
