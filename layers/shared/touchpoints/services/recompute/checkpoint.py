"""Where a run saves itself between invocations: its phase, cursor, Bulk jobs and totals, as the
checkpoint the state store keeps, and the Salesforce and AWS calls tallied into it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from touchpoints.ports.salesforce import BulkJob, RecomputeSalesforcePort
from touchpoints.ports.state import StatePort
from touchpoints.services.recompute.results import RunTotals

HANDOFF_MARGIN_SECONDS = 120.0  # a chunk (or a record) starts only with this much time left
CHECKPOINT_TTL_SECONDS = 7 * 24 * 3600

# Where a run saved itself: walking members, or waiting on a Bulk query or ingest job.
WALK, QUERY, INGEST = "walk", "query", "ingest"
WAITING = (QUERY, INGEST)


@dataclass
class Run:
    """A run as a checkpoint saves it between invocations."""

    run_id: str
    full: bool
    phase: str = WALK
    cursor: str = ""
    bulk: bool = False
    walk_done: bool = False  # every member was walked; only the last writes are outstanding
    query_job: BulkJob | None = None
    touchpoint_job: BulkJob | None = None  # a full reconciliation's read of what Salesforce holds
    query_attempts: int = 0
    ingest_jobs: list[BulkJob] = field(default_factory=list)
    polls: int = 0  # polls of the job(s) waited on now
    rows_recorded: int = 0  # created rows of the first ingest job already recorded
    rerun: bool = False
    holder: str | None = None  # the message held on the queue while the run waits
    state_repair: str | None = None
    totals: RunTotals = field(default_factory=RunTotals)
    calls_seen: Counter[str] = field(default_factory=Counter)  # the client's count, last tallied
    resumed: bool = False  # carried on from a checkpoint
    checkpointed: bool = False  # a checkpoint is saved for the campaign (to clear at the end)
    cause: str | None = None  # of the request that started the run
    started_at: str = ""
    invocations: int = 0
    aws_seen: int = 0  # the state store's AWS call count, last tallied

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "full": self.full,
            "phase": self.phase,
            "cursor": self.cursor,
            "bulk": self.bulk,
            "walk_done": self.walk_done,
            "query_job": self.query_job.as_dict() if self.query_job else None,
            "touchpoint_job": self.touchpoint_job.as_dict() if self.touchpoint_job else None,
            "query_attempts": self.query_attempts,
            "ingest_jobs": [job.as_dict() for job in self.ingest_jobs],
            "polls": self.polls,
            "rows_recorded": self.rows_recorded,
            "rerun": self.rerun,
            "holder": self.holder,
            "state_repair": self.state_repair,
            "totals": self.totals.as_dict(),
            "cause": self.cause,
            "started_at": self.started_at,
            "invocations": self.invocations,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Run:
        query_job, touchpoint_job = data.get("query_job"), data.get("touchpoint_job")
        return cls(
            run_id=data["run_id"],
            full=bool(data["full"]),
            phase=data.get("phase") or WALK,
            cursor=data.get("cursor") or "",
            bulk=bool(data.get("bulk")),
            walk_done=bool(data.get("walk_done")),
            query_job=BulkJob.from_dict(query_job) if query_job else None,
            touchpoint_job=BulkJob.from_dict(touchpoint_job) if touchpoint_job else None,
            query_attempts=int(data.get("query_attempts") or 0),
            ingest_jobs=[BulkJob.from_dict(job) for job in data.get("ingest_jobs") or []],
            polls=int(data.get("polls") or 0),
            rows_recorded=int(data.get("rows_recorded") or 0),
            rerun=bool(data.get("rerun")),
            holder=data.get("holder"),
            state_repair=data.get("state_repair"),
            totals=RunTotals.from_dict(data["totals"]),
            resumed=True,
            checkpointed=True,
            cause=data.get("cause"),
            started_at=data.get("started_at") or "",
            invocations=int(data.get("invocations") or 0),
        )


class Checkpoints:
    """Saves and clears a campaign's checkpoint, tallying the calls made since the last save."""

    def __init__(self, salesforce: RecomputeSalesforcePort, state: StatePort) -> None:
        self._sf = salesforce
        self._state = state

    def tally_calls(self, run: Run) -> None:
        """Add the Salesforce and AWS calls made since the last tally to the run's totals."""
        calls, aws_calls = Counter(self._sf.calls), self._state.aws_calls
        run.totals.api_calls.update(calls - run.calls_seen)
        run.totals.aws_calls += aws_calls - run.aws_seen
        run.calls_seen, run.aws_seen = calls, aws_calls

    def save(self, campaign_id: str, run: Run, now: datetime) -> None:
        self.tally_calls(run)
        run.checkpointed = True
        self._state.save_checkpoint(
            campaign_id, run.as_dict(), int(now.timestamp()) + CHECKPOINT_TTL_SECONDS
        )

    def clear(self, campaign_id: str, run: Run) -> None:
        if run.checkpointed:
            self._state.clear_checkpoint(campaign_id)
            run.checkpointed = False
