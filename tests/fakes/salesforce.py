"""The Salesforce org as the recompute and the bulk date see it (`SalesforcePort`,
`BulkSalesforcePort`): campaigns, their members, touchpoints by key."""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict, deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from touchpoints.adapters.salesforce import IngestOutcome, RecordResult
from touchpoints.rules.member_filter import MemberFilter, member_matches
from touchpoints.rules.models import Campaign, Member, Touchpoint


class FakeSalesforce:
    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.campaigns: dict[str, Campaign] = {}
        self.members: dict[str, Member] = {}
        self.touchpoints: dict[str, tuple[Touchpoint, str]] = {}  # key -> (touchpoint, record id)
        self.member_statuses: dict[str, str] = {}  # written back on `Touchpoint_Status__c`
        self._errors: defaultdict[str, deque[str]] = defaultdict(deque)
        self._ingests: dict[str, dict[str, datetime | None]] = {}
        self._ids = (f"a0X{n:015d}" for n in itertools.count(1))

    # -- arranging -----------------------------------------------------------------------------
    def add(self, campaign: Campaign, *members: Member) -> None:
        self.campaigns[campaign.id] = campaign
        self.members.update({member.id: member for member in members})

    def remove_member(self, member_id: str) -> None:
        del self.members[member_id]

    def refuse(self, ref: str, *codes: str) -> None:
        """The next writes of record `ref` (a touchpoint key or member id) fail with `codes`."""
        self._errors[ref].extend(codes)

    def touchpoint_of(self, member_id: str) -> Touchpoint | None:
        return next((tp for tp, _ in self.touchpoints.values() if tp.member_id == member_id), None)

    # -- reading -------------------------------------------------------------------------------
    def read_campaign(self, campaign_id: str) -> Campaign | None:
        self.calls["query"] += 1
        return self.campaigns.get(campaign_id)

    def count_members(self, campaign_id: str) -> int:
        self.calls["query"] += 1
        return len(self._members_of(campaign_id))

    def member_chunk(self, campaign_id: str, after_id: str, size: int) -> list[Member]:
        self.calls["query"] += 1
        return [m for m in self._members_of(campaign_id) if m.id > after_id][:size]

    def bulk_member_pages(
        self, campaign_id: str, after_id: str, page_size: int
    ) -> Iterator[list[Member]]:
        self.calls["bulk_query"] += 1
        members = [m for m in self._members_of(campaign_id) if m.id > after_id]
        for start in range(0, len(members), page_size):
            yield members[start : start + page_size]

    def read_members_matching(self, campaign_id: str, criteria: MemberFilter) -> Iterator[Member]:
        self.calls["query"] += 1
        return iter([m for m in self._members_of(campaign_id) if member_matches(m, criteria)])

    def member_filter_fits(self, campaign_id: str, criteria: MemberFilter) -> bool:
        return True

    def read_touchpoints_by_keys(self, keys: Iterable[str]) -> dict[str, tuple[Touchpoint, str]]:
        self.calls["query"] += 1
        return {key: self.touchpoints[key] for key in keys if key in self.touchpoints}

    def campaign_touchpoint_pages(self, campaign_id: str) -> Iterator[list[dict[str, Any]]]:
        self.calls["query"] += 1
        yield [
            {"Id": record_id, "Touchpoint_Key__c": key, "Campaign_Member_Id__c": tp.member_id}
            for key, (tp, record_id) in self.touchpoints.items()
            if tp.campaign_id == campaign_id
        ]

    def has_campaign_touchpoints(self, campaign_id: str) -> bool:
        self.calls["query"] += 1
        return any(tp.campaign_id == campaign_id for tp, _ in self.touchpoints.values())

    # -- writing -------------------------------------------------------------------------------
    def upsert_touchpoints(self, touchpoints: Iterable[Touchpoint]) -> list[RecordResult]:
        self.calls["composite_upsert"] += 1
        return [self._upsert(tp) for tp in touchpoints]

    def bulk_upsert_touchpoints(self, touchpoints: list[Touchpoint]) -> list[RecordResult]:
        self.calls["bulk_ingest"] += 1
        return [self._upsert(tp) for tp in touchpoints]

    def delete_records(self, refs_to_ids: Mapping[str, str]) -> list[RecordResult]:
        self.calls["composite_delete"] += 1
        return [self._delete(ref, record_id) for ref, record_id in refs_to_ids.items()]

    def bulk_delete_records(self, refs_to_ids: Mapping[str, str]) -> list[RecordResult]:
        self.calls["bulk_ingest"] += 1
        return [self._delete(ref, record_id) for ref, record_id in refs_to_ids.items()]

    def update_member_statuses(self, statuses: Mapping[str, str]) -> list[RecordResult]:
        self.calls["composite_update"] += 1
        self.member_statuses.update(statuses)
        return [RecordResult(member_id, True, member_id) for member_id in statuses]

    def update_member_dates(self, dates: Mapping[str, datetime | None]) -> list[RecordResult]:
        self.calls["composite_update"] += 1
        return [self._redate(member_id, moment) for member_id, moment in dates.items()]

    def start_member_date_ingest(self, dates: Mapping[str, datetime | None]) -> str:
        self.calls["bulk_ingest"] += 1
        ingest_id = f"750{len(self._ingests):015d}"
        self._ingests[ingest_id] = dict(dates)
        return ingest_id

    def member_date_ingest_outcome(self, ingest_id: str) -> IngestOutcome | None:
        """The job is over at its first poll: its rows are written then."""
        self.calls["bulk_poll"] += 1
        results = [self._redate(m, moment) for m, moment in self._ingests.pop(ingest_id).items()]
        failures = tuple(r for r in results if not r.success)
        return IngestOutcome(updated=len(results) - len(failures), failures=failures)

    # -- helpers -------------------------------------------------------------------------------
    def _members_of(self, campaign_id: str) -> list[Member]:
        return sorted(
            (m for m in self.members.values() if m.campaign_id == campaign_id), key=lambda m: m.id
        )

    def _refused(self, ref: str) -> RecordResult | None:
        if self._errors[ref]:
            return RecordResult(ref, False, error_code=self._errors[ref].popleft(), message="fake")
        return None

    def _upsert(self, touchpoint: Touchpoint) -> RecordResult:
        if refused := self._refused(touchpoint.key):
            return refused
        existing = self.touchpoints.get(touchpoint.key)
        record_id = existing[1] if existing else next(self._ids)
        self.touchpoints[touchpoint.key] = (touchpoint, record_id)
        return RecordResult(touchpoint.key, True, record_id)

    def _delete(self, ref: str, record_id: str) -> RecordResult:
        if refused := self._refused(ref):
            return refused
        key = next((k for k, (_, rid) in self.touchpoints.items() if rid == record_id), None)
        if key is None:
            return RecordResult(ref, False, error_code="ENTITY_IS_DELETED", message="fake")
        del self.touchpoints[key]
        return RecordResult(ref, True, record_id)

    def _redate(self, member_id: str, moment: datetime | None) -> RecordResult:
        if refused := self._refused(member_id):
            return refused
        self.members[member_id] = replace(self.members[member_id], touchpoint_date=moment)
        return RecordResult(member_id, True, member_id)
