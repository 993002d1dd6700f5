"""What a run reports in its log line and its metrics: counts and ids only, never a member's email
or name. No pydantic here: the queue and scheduled functions import it at their cold start."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from touchpoints.log_values import clip
from touchpoints.rules.outcome import Outcome, OutcomeKind

FAILURE_CAUSE_LIMIT = 300  # characters of an error's message a failure's log line keeps
if TYPE_CHECKING:
    from touchpoints.ports.queues import RecomputeMessage
    from touchpoints.rules.api_budget import ApiBudget
    from touchpoints.rules.bulk_jobs import Job
    from touchpoints.services.recompute import RecomputeResult


def recompute_log(message: RecomputeMessage, result: RecomputeResult) -> dict[str, Any]:
    """A recompute run's log fields."""
    return {
        "campaign_id": message.campaign_id,
        "cause": message.cause,
        "run_id": result.run_id,
        "superseded": result.superseded,
        "finished": result.finished,
        "waits_seconds": result.wait_seconds,
        "read_path": "bulk" if result.bulk else "rest",
        "state_repair": result.state_repair,
        "totals": result.totals.as_dict(),
        "api_calls": dict(result.api_calls),
    }


def recompute_failure_log(message: RecomputeMessage, error: Exception) -> dict[str, Any]:
    """A failed recompute's log fields: the campaign, the cause (the error, clipped) and what
    happens next to the request."""
    return {
        "campaign_id": message.campaign_id,
        "cause": f"{type(error).__name__}: {clip(str(error), FAILURE_CAUSE_LIMIT)}",
        "next": "delivered again after the queue's visibility timeout; after maxReceiveCount "
        "receives it goes to the dead-letter queue",
    }


def recompute_counts(result: RecomputeResult) -> dict[str, int]:
    """A recompute run's count metrics: writes by kind, skipped members by reason, Salesforce
    calls."""
    counts = {
        "RecomputeRunsFinished": int(result.finished and not result.superseded),
        "TouchpointsCreated": result.created,
        "TouchpointsUpdated": result.updated,
        "TouchpointsDeleted": result.deleted,
        "TouchpointWritesFailed": result.failed,
    }
    for status, count in result.statuses.items():
        outcome = Outcome.from_status(status)
        if outcome.kind == OutcomeKind.NO_TOUCHPOINT:
            counts[f"MembersSkipped.{outcome.reason}"] = count
    for kind, count in result.api_calls.items():
        counts[f"SalesforceCalls.{kind}"] = count
    return counts


def budget_counts(budget: ApiBudget) -> dict[str, float]:
    """The org's daily API budget, sampled by the sweep: calls left (a count)."""
    return {"SalesforceApiRequestsRemaining": budget.remaining}


def budget_percentages(budget: ApiBudget) -> dict[str, float]:
    """The share of the org's daily API budget left, 0 to 100 (the look-ahead alarm's metric)."""
    return {"SalesforceApiRequestsRemainingPercent": budget.remaining_percent}


def marketo_usage_counts(calls_today: int) -> dict[str, float]:
    """Marketo API calls so far today (its daily quota counts them), sampled by the program
    sync."""
    return {"MarketoApiCallsToday": calls_today}


def finished_job_counts(job: Job) -> dict[str, int]:
    """The metrics a bulk date job reports once, when it has finished."""
    if not job.state.finished:
        return {}
    return {"BulkDateMembersUpdated": job.updated, "BulkDateMembersFailed": job.failed}


def program_sync_counts(record: dict[str, Any]) -> dict[str, int]:
    """A program sync run's count metrics, from its record."""
    return {
        "ProgramSyncWritesToSalesforce": sum(record.get("to_salesforce", {}).values()),
        "ProgramSyncWritesToMarketo": sum(record.get("to_marketo", {}).values()),
        "ProgramSyncConflicts": len(record.get("conflicts", [])),
        "ProgramSyncFailures": len(record.get("failures", [])),
    }
