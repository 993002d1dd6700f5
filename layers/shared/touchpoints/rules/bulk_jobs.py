"""Bulk touchpoint date jobs: what a job is, how it is written, how it ends, how it is undone."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from touchpoints.rules.member_filter import MemberFilter
from touchpoints.rules.models import SyncMode

CHANGED_SINCE_JOB = "CHANGED_SINCE_JOB"
NOT_A_MEMBER = "NOT_A_MEMBER"


class JobKind(StrEnum):
    APPLY = "apply"
    UNDO = "undo"


class JobState(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    PARTIALLY_FAILED = "partially_failed"
    FAILED = "failed"

    @property
    def finished(self) -> bool:
        return self not in (JobState.PENDING, JobState.RUNNING)


class WritePath(StrEnum):
    COLLECTIONS = "collections"
    BULK = "bulk"


@dataclass(frozen=True, slots=True)
class DateChange:
    """One member's touchpoint date before the job and the one the job gives it (None: blank)."""

    member_id: str
    previous: datetime | None
    new: datetime | None


@dataclass(frozen=True, slots=True)
class MemberFailure:
    """A member the job could not change, with Salesforce's (or the undo's) error code."""

    member_id: str
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class Job:
    """A bulk date run: who asked, for which campaign and members, and how far it got."""

    id: str
    kind: JobKind
    campaign_id: str
    requested_by: str  # the IAM principal API Gateway authenticated
    created_at: datetime
    matched: int
    write_path: WritePath
    sync_mode: SyncMode
    date: datetime | None = None  # the date an apply sets; an undo restores each member's own
    criteria: MemberFilter | None = None
    state: JobState = JobState.PENDING
    updated: int = 0
    failed: int = 0
    started_at: datetime | None = None
    finished_at: datetime | None = None
    undo_of: str | None = None
    undone_by: str | None = None
    recompute_enqueued: bool = False
    bulk_job_id: str | None = None
    message: str | None = None
    # The Salesforce user a flow ran as (X-Salesforce-User), for the audit; not authenticated.
    salesforce_user: str | None = None


def choose_write_path(member_count: int, bulk_threshold: int) -> WritePath:
    """Up to the threshold (2,000) members are written with sObject collections, 200 a call;
    above it one Bulk API 2.0 ingest job costs fewer calls."""
    return WritePath.COLLECTIONS if member_count <= bulk_threshold else WritePath.BULK


def finished_state(matched: int, updated: int) -> JobState:
    """A job that updated every member it matched succeeded; one that updated some partially
    failed; one that updated none failed."""
    if updated >= matched:
        return JobState.SUCCEEDED
    return JobState.PARTIALLY_FAILED if updated else JobState.FAILED


def needs_recompute(sync_mode: SyncMode, updated: int) -> bool:
    """A synced campaign whose members' dates changed is recomputed, so existing touchpoints move
    to the new date; a campaign that is not synced has none to move."""
    return updated > 0 and sync_mode is not SyncMode.NOT_SYNCED


@dataclass(frozen=True, slots=True)
class UndoPlan:
    restores: tuple[DateChange, ...]
    skipped: tuple[MemberFailure, ...]


def plan_undo(
    changes: Iterable[DateChange],
    failed_ids: set[str],
    current: Mapping[str, datetime | None],
) -> UndoPlan:
    """Undo gives each member the date it had before the job (blank if it had none). Members the
    job failed on were never changed and are left alone. A member whose date changed since the
    job keeps its newer date, and a member no longer in the campaign is skipped; both are
    reported."""
    restores: list[DateChange] = []
    skipped: list[MemberFailure] = []
    for change in changes:
        if change.member_id in failed_ids:
            continue
        if change.member_id not in current:
            skipped.append(
                MemberFailure(change.member_id, NOT_A_MEMBER, "no longer a member of the campaign")
            )
        elif current[change.member_id] != change.new:
            skipped.append(
                MemberFailure(
                    change.member_id,
                    CHANGED_SINCE_JOB,
                    "touchpoint date changed since the job; the newer date is kept",
                )
            )
        else:
            restores.append(DateChange(change.member_id, change.new, change.previous))
    return UndoPlan(tuple(restores), tuple(skipped))
