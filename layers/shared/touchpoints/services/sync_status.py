"""Use case: what the admin sees of the sync, read-only. A campaign's status (the last run's
summary, its recent runs and a page of members), its members for the sync report, its run
history, a person's attributed path and the audit entries, each read from the state table
through its port; nothing here writes or calls Salesforce."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from touchpoints.ports.audit import AuditLogPort, AuditQuery
from touchpoints.ports.state import StoredMember, SyncStatusStatePort

# Types only: the attribution port's module brings the attribution rules and Salesforce's ports,
# which a read of the state table never runs.
if TYPE_CHECKING:
    from touchpoints.ports.attribution import PathStep, PersonPathPort

STATE_PAGE = 1000  # members read per state query
RECENT_RUNS = 5  # runs the status shows; the run history pages through all of them
JSON_PAGE_MAX = 1000  # members one status page holds (the CSV report's pages are larger)


class CampaignNotRecomputedError(LookupError):
    """No recompute has run for the campaign yet: there is no status to show."""

    field = "campaign_id"


class InvalidTimeRangeError(ValueError):
    """An audit time range that ends before it starts."""

    field = "until"


class PageTooLargeError(ValueError):
    """More members asked for than one page of this format holds."""

    field = "limit"


class PersonNotAttributedError(LookupError):
    """No attribution run has recorded the person's path (or it holds no touchpoint)."""

    field = "person_id"


@dataclass(frozen=True, slots=True)
class MemberPage:
    """Members in Id order, and the token of the page that follows (None: the last page)."""

    members: list[StoredMember]
    next: str | None


@dataclass(frozen=True, slots=True)
class CampaignStatus:
    """The last run's summary, its counts by outcome, its most recent runs (newest first) and a
    page of members."""

    summary: dict[str, Any]
    outcomes: list[tuple[str, int]]
    recent_runs: list[dict[str, Any]]
    page: MemberPage


class SyncStatus:
    def __init__(
        self, state: SyncStatusStatePort, paths: PersonPathPort, audit_log: AuditLogPort
    ) -> None:
        self._state = state
        self._paths = paths
        self._audit_log = audit_log

    def campaign_status(
        self, campaign_id: str, limit: int, start_after: str | None
    ) -> CampaignStatus:
        """The campaign's status with up to `limit` members after `start_after`."""
        summary = self._recomputed(campaign_id)
        if limit > JSON_PAGE_MAX:
            raise PageTooLargeError(f"limit: a JSON page holds up to {JSON_PAGE_MAX} members")
        page = self._members(campaign_id, limit, start_after)
        recent_runs, _ = self._state.run_page(campaign_id, RECENT_RUNS, None)
        outcomes = sorted(summary.get("statuses", {}).items())
        return CampaignStatus(summary, outcomes, recent_runs, page)

    def report_members(self, campaign_id: str, limit: int, start_after: str | None) -> MemberPage:
        """Up to `limit` members after `start_after`, for the sync report."""
        self._recomputed(campaign_id)
        return self._members(campaign_id, limit, start_after)

    def runs(
        self, campaign_id: str, limit: int, start_after: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """A page of the campaign's runs, newest first; a campaign without any is not known."""
        page, token = self._state.run_page(campaign_id, limit, start_after)
        if not page and start_after is None:
            raise CampaignNotRecomputedError(
                f"campaign {campaign_id} has no run in the last 90 days"
            )
        return page, token

    def person_path(self, person_id: str) -> list[PathStep]:
        steps = self._paths.load_path(person_id)
        if steps is None:
            raise PersonNotAttributedError(f"no attributed path is recorded for {person_id}")
        return steps

    def audit_entries(
        self, query: AuditQuery, limit: int, token: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        if query.since and query.until and _utc(query.until) < _utc(query.since):
            raise InvalidTimeRangeError("until: the range ends before it starts")
        return self._audit_log.page(query, limit, token)

    def _recomputed(self, campaign_id: str) -> dict[str, Any]:
        summary = self._state.load_summary(campaign_id)
        if summary is None:
            raise CampaignNotRecomputedError(f"campaign {campaign_id} has not been recomputed yet")
        return summary

    def _members(self, campaign_id: str, limit: int, start_after: str | None) -> MemberPage:
        """Up to `limit` members, read a state page at a time."""
        members: list[StoredMember] = []
        left, token = limit, start_after
        while True:
            page, token = self._state.member_page(campaign_id, min(left, STATE_PAGE), token)
            members.extend(page)
            left -= len(page)
            if token is None or left <= 0:
                return MemberPage(members, token)


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
