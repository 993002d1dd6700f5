"""The run's touchpoint writes, gathered across chunks: sent through sObject collections up to
the Bulk threshold, staged for Bulk ingest jobs above it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from touchpoints.ports.salesforce import (
    BulkJob,
    RecomputeSalesforcePort,
    RecordResult,
    StagedTouchpointWrites,
)
from touchpoints.rules.keys import touchpoint_key
from touchpoints.rules.models import Touchpoint
from touchpoints.services.recompute.member_states import Pending

COLLECTION_SIZE = 200  # records an sObject collection call takes


class GatheredWrites:
    """Kept in memory up to the Bulk threshold (then sent through collections, 200 a call, each
    pending member returned with its outcome), staged for Bulk ingest above it (the pending
    members then returned at once, for their planned states to be recorded before the jobs run,
    and refusals set back once the jobs are over)."""

    def __init__(self, salesforce: RecomputeSalesforcePort, bulk_threshold: int) -> None:
        self._sf = salesforce
        self._threshold = bulk_threshold
        self._upserts: list[Touchpoint] = []
        self._deletes: dict[str, str] = {}  # touchpoint key -> record id
        self._pending: dict[str, Pending] = {}  # by touchpoint key
        self._staged: StagedTouchpointWrites | None = None
        self.deleting: set[str] = set()  # record ids planned for deletion in this invocation
        self.refused_strays = 0  # deletions of touchpoints no member accounts for, refused

    @property
    def staging(self) -> bool:
        """Writes go to Bulk ingest jobs (the threshold was reached in this invocation)."""
        return self._staged is not None

    def add(
        self, upserts: Iterable[Touchpoint], deletes: Mapping[str, str], pending: list[Pending]
    ) -> list[Pending]:
        """Gather the writes; returns the pending members whose writes were just staged for
        Bulk (their planned states are to be recorded now), else nothing."""
        self._upserts.extend(upserts)
        self._deletes.update(deletes)
        self.deleting.update(deletes.values())
        if self._staged is None and len(self._upserts) + len(self._deletes) >= self._threshold:
            self._staged = self._sf.stage_touchpoint_writes()
        if self._staged is None:
            self._pending.update((touchpoint_key(p.member_id), p) for p in pending)
            return []
        staged = [*self._pending.values(), *pending]  # (kept by key only while in memory)
        for touchpoint in self._upserts:
            self._staged.add_upsert(touchpoint)
        for record_id in self._deletes.values():
            self._staged.add_delete(record_id)
        self._upserts, self._deletes, self._pending = [], {}, {}
        return staged

    def flush(
        self, whole_calls_only: bool = False
    ) -> tuple[list[tuple[Pending, RecordResult]], list[BulkJob]]:
        """Send what is gathered: collections now (each pending member with its outcome),
        staged rows as Bulk ingest jobs (returned, to be followed). `whole_calls_only` sends
        only full 200-record calls and keeps the rest for later chunks."""
        upserts, deletes = self._upserts, list(self._deletes.items())
        if whole_calls_only:
            upserts = upserts[: len(upserts) // COLLECTION_SIZE * COLLECTION_SIZE]
            deletes = deletes[: len(deletes) // COLLECTION_SIZE * COLLECTION_SIZE]
        results: dict[str, RecordResult] = {}
        if upserts:
            results.update((r.ref, r) for r in self._sf.upsert_touchpoints(upserts))
            self._upserts = self._upserts[len(upserts) :]
        if deletes:
            results.update((r.ref, r) for r in self._sf.delete_records(dict(deletes)))
            for key, _ in deletes:
                del self._deletes[key]
        outcomes = [
            (self._pending.pop(key), r) for key, r in results.items() if key in self._pending
        ]
        self.refused_strays += sum(1 for _, r in results.items() if not r.success) - sum(
            1 for _, r in outcomes if not r.success
        )
        if whole_calls_only or self._staged is None:
            return outcomes, []
        jobs = self._staged.submit()
        self._staged = None
        return outcomes, jobs

    def discard(self) -> None:
        if self._staged is not None:
            self._staged.discard()
