"""The run's member status write-back (`Touchpoint_Status__c`), gathered across chunks: sent
through sObject collections up to the Bulk threshold, staged for CampaignMember update jobs
above it (one a run, unless its CSV passes ~100 MB)."""

from __future__ import annotations

from collections.abc import Mapping

from touchpoints.ports.salesforce import BulkJob, RecomputeSalesforcePort, StagedMemberStatuses
from touchpoints.services.recompute.gathered_writes import COLLECTION_SIZE


class GatheredStatuses:
    """Kept in memory up to the Bulk threshold (then sent through collections, 200 a call), staged
    on ephemeral storage above it and submitted as update jobs when the run sends its writes."""

    def __init__(self, salesforce: RecomputeSalesforcePort, bulk_threshold: int) -> None:
        self._sf = salesforce
        self._threshold = bulk_threshold
        self._statuses: dict[str, str] = {}  # member id -> status
        self._staged: StagedMemberStatuses | None = None

    def add(self, statuses: Mapping[str, str]) -> None:
        self._statuses.update(statuses)
        if self._staged is None and len(self._statuses) >= self._threshold:
            self._staged = self._sf.stage_member_statuses()
        if self._staged is not None:
            for member_id, status in self._statuses.items():
                self._staged.add(member_id, status)
            self._statuses = {}

    def flush(self, whole_calls_only: bool = False) -> tuple[int, list[BulkJob]]:
        """Send what is gathered: collections now, staged rows as update jobs (returned, to be
        followed). Returns the statuses the collections refused, and the jobs. `whole_calls_only`
        sends only full 200-record calls and keeps the rest for later chunks."""
        statuses = list(self._statuses.items())
        if whole_calls_only:
            statuses = statuses[: len(statuses) // COLLECTION_SIZE * COLLECTION_SIZE]
        refused = 0
        if statuses:
            results = self._sf.update_member_statuses(dict(statuses))
            refused = sum(1 for result in results if not result.success)
            for member_id, _ in statuses:
                del self._statuses[member_id]
        if whole_calls_only or self._staged is None:
            return refused, []
        jobs = self._staged.submit()
        self._staged = None
        return refused, jobs

    def discard(self) -> None:
        if self._staged is not None:
            self._staged.discard()
