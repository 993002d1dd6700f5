"""The recompute request as it travels on the RecomputeQueue (services/recompute.py), and what a
run reports in its log line and metrics."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from touchpoints.edge.ids import SalesforceId
from touchpoints.services.recompute import RecomputeResult


class RecomputeMessage(BaseModel):
    campaign_id: SalesforceId
    cause: str = "unspecified"
    run_id: str | None = None
    full: bool = False
    limit_attempts: int = Field(default=0, ge=0)  # refused by the API limit, over earlier copies
    limited_since: datetime | None = None  # when the API limit first held this request back

    def details(self) -> dict[str, Any]:
        """The request's fields besides campaign and cause, as a copy of it carries them."""
        return self.model_dump(mode="json", exclude={"campaign_id", "cause"}, exclude_defaults=True)


def run_log(message: RecomputeMessage, result: RecomputeResult) -> dict[str, Any]:
    """A run's log fields: counts and ids only, never a member's email or name."""
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


def run_counts(result: RecomputeResult) -> dict[str, int]:
    """A run's count metrics: writes by kind, skipped members by reason, Salesforce calls."""
    counts = {
        "TouchpointsCreated": result.created,
        "TouchpointsUpdated": result.updated,
        "TouchpointsDeleted": result.deleted,
        "TouchpointWritesFailed": result.failed,
    }
    for status, count in result.statuses.items():
        if status.startswith("No Touchpoint"):
            counts[f"MembersSkipped.{status.split(': ', 1)[1]}"] = count
    for kind, count in result.api_calls.items():
        counts[f"SalesforceCalls.{kind}"] = count
    return counts
