"""What the bulk date update needs from its job store, and the values it exchanges with it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from touchpoints.rules.bulk_jobs import DateChange, Job, JobState, MemberFailure


@dataclass(frozen=True, slots=True)
class Chunk:
    """One collection call's worth of a job's changes, and whether it was written."""

    index: int
    changes: tuple[DateChange, ...]
    done: bool


@dataclass(frozen=True, slots=True)
class ClaimedRequest:
    """The job an `Idempotency-Key` started, and the request it was started for."""

    job_id: str
    fingerprint: str


class JobStorePort(Protocol):
    def create(
        self, job: Job, changes: Sequence[DateChange], failures: Sequence[MemberFailure] = ()
    ) -> None: ...
    def load(self, job_id: str) -> Job | None: ...
    def delete(self, job_id: str) -> None: ...
    def mark_running(self, job_id: str, now: datetime) -> None: ...
    def set_bulk_job(self, job_id: str, bulk_job_id: str) -> bool: ...
    def set_counts(
        self, job_id: str, updated: int, failed: int, message: str | None = None
    ) -> None: ...
    def finish(
        self, job_id: str, state: JobState, now: datetime, recompute_enqueued: bool
    ) -> bool: ...
    def link_undo(self, job_id: str, undo_job_id: str) -> str | None: ...
    def chunks(self, job_id: str) -> Iterator[Chunk]: ...
    def changes(self, job_id: str) -> Iterator[DateChange]: ...
    def complete_chunk(
        self, job: Job, index: int, updated: int, failures: Sequence[MemberFailure]
    ) -> bool: ...
    def record_failures(self, job: Job, failures: Iterable[MemberFailure]) -> None: ...
    def failures(
        self, job_id: str, limit: int, after: str | None = None
    ) -> tuple[list[MemberFailure], str | None]: ...
    def failed_ids(self, job_id: str) -> set[str]: ...
    def claim_request(
        self, key: str, fingerprint: str, job_id: str, now: datetime
    ) -> ClaimedRequest | None: ...
    def find_request(self, key: str) -> ClaimedRequest | None: ...
    def write_audit(self, job: Job) -> None: ...
