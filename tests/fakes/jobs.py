"""The bulk date's job store (`JobStorePort`) and its queues (`ContinuationPort`, `RecomputeQueuePort`, `PostponingQueue`).

Conditional writes behave as the DynamoDB adapter's do: a chunk is counted once, a job finishes
once, an undo is linked once, an Idempotency-Key is claimed once."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import datetime
from itertools import batched
from typing import Any

from touchpoints.adapters.job_store import CHUNK_SIZE
from touchpoints.ports.jobs import Chunk, ClaimedRequest
from touchpoints.rules.bulk_jobs import DateChange, Job, JobState, MemberFailure


class FakeJobStore:
    def __init__(self) -> None:
        self.jobs: dict[str, Job] = {}
        self.chunks_of: dict[str, list[Chunk]] = {}
        self.failures_of: dict[str, dict[str, MemberFailure]] = {}
        self.requests: dict[str, ClaimedRequest] = {}
        self.audit: list[Job] = []

    def create(
        self, job: Job, changes: Sequence[DateChange], failures: Sequence[MemberFailure] = ()
    ) -> None:
        self.chunks_of[job.id] = [
            Chunk(index, tuple(chunk), False)
            for index, chunk in enumerate(batched(changes, CHUNK_SIZE, strict=False))
        ]
        self.failures_of[job.id] = {}
        self.record_failures(job, failures)
        self.jobs[job.id] = job

    def load(self, job_id: str) -> Job | None:
        return self.jobs.get(job_id)

    def delete(self, job_id: str) -> None:
        for table in (self.jobs, self.chunks_of, self.failures_of):
            table.pop(job_id, None)

    def mark_running(self, job_id: str, now: datetime) -> None:
        if self.jobs[job_id].state is JobState.PENDING:
            self._change(job_id, state=JobState.RUNNING, started_at=now)

    def set_bulk_job(self, job_id: str, bulk_job_id: str) -> bool:
        if self.jobs[job_id].bulk_job_id is not None:
            return False
        self._change(job_id, bulk_job_id=bulk_job_id)
        return True

    def set_counts(
        self, job_id: str, updated: int, failed: int, message: str | None = None
    ) -> None:
        self._change(job_id, updated=updated, failed=failed, message=message)

    def finish(self, job_id: str, state: JobState, now: datetime, recompute_enqueued: bool) -> bool:
        if self.jobs[job_id].state.finished:
            return False
        self._change(job_id, state=state, finished_at=now, recompute_enqueued=recompute_enqueued)
        return True

    def link_undo(self, job_id: str, undo_job_id: str) -> str | None:
        if earlier := self.jobs[job_id].undone_by:
            return earlier
        self._change(job_id, undone_by=undo_job_id)
        return None

    def chunks(self, job_id: str) -> Iterator[Chunk]:
        return iter(list(self.chunks_of.get(job_id, [])))

    def changes(self, job_id: str) -> Iterator[DateChange]:
        for chunk in self.chunks(job_id):
            yield from chunk.changes

    def complete_chunk(
        self, job: Job, index: int, updated: int, failures: Sequence[MemberFailure]
    ) -> bool:
        self.record_failures(job, failures)
        chunk = self.chunks_of[job.id][index]
        if chunk.done:
            return False
        self.chunks_of[job.id][index] = replace(chunk, done=True)
        current = self.jobs[job.id]
        self._change(
            job.id, updated=current.updated + updated, failed=current.failed + len(failures)
        )
        return True

    def record_failures(self, job: Job, failures: Iterable[MemberFailure]) -> None:
        self.failures_of.setdefault(job.id, {}).update({f.member_id: f for f in failures})

    def failures(
        self, job_id: str, limit: int, after: str | None = None
    ) -> tuple[list[MemberFailure], str | None]:
        ordered = [self.failures_of[job_id][m] for m in sorted(self.failures_of.get(job_id, {}))]
        start = next((i + 1 for i, f in enumerate(ordered) if f.member_id == after), 0)
        page = ordered[start : start + limit]
        return page, page[-1].member_id if start + limit < len(ordered) else None

    def failed_ids(self, job_id: str) -> set[str]:
        return set(self.failures_of.get(job_id, {}))

    def claim_request(
        self, key: str, fingerprint: str, job_id: str, now: datetime
    ) -> ClaimedRequest | None:
        if key in self.requests:
            return self.requests[key]
        self.requests[key] = ClaimedRequest(job_id, fingerprint)
        return None

    def find_request(self, key: str) -> ClaimedRequest | None:
        return self.requests.get(key)

    def write_audit(self, job: Job) -> None:
        self.audit.append(job)

    def _change(self, job_id: str, **fields: Any) -> None:
        self.jobs[job_id] = replace(self.jobs[job_id], **fields)


class FakeQueue:
    """A queue that keeps what was sent: recompute requests (`enqueue`) and job continuations
    (`continue_later`), and the deliveries it was asked to hold (`postpone_for`)."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.postponed: dict[str, int] = {}  # receipt handle -> seconds

    def enqueue(self, campaign_id: str, cause: str, dedup_source: str, **details: Any) -> str:
        self.sent.append({"campaign_id": campaign_id, "cause": cause, **details})
        return f"message-{len(self.sent)}"

    def continue_later(self, job_id: str, delay_seconds: int = 0) -> str:
        self.sent.append({"job_id": job_id, "delay_seconds": delay_seconds})
        return f"message-{len(self.sent)}"

    def postpone_for(self, receipt_handle: str, seconds: int) -> None:
        self.postponed[receipt_handle] = seconds
