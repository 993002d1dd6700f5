"""Use case: set the real event date on the members of a campaign that match a filter."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from touchpoints.adapters.salesforce import RecordResult
from touchpoints.rules.member_filter import MemberFilter, member_matches
from touchpoints.rules.models import Campaign, Member, SyncMode
from touchpoints.services.webhook import QueuePort

SAMPLE_SIZE = 10


class CampaignNotFoundError(LookupError):
    """The campaign does not exist in Salesforce."""


class NoMatchingMembersError(ValueError):
    """The filter matches no member of the campaign: nothing to apply."""


class BulkSalesforcePort(Protocol):
    def read_campaign(self, campaign_id: str) -> Campaign | None: ...
    def read_members(self, campaign_id: str) -> Iterator[Member]: ...
    def update_member_dates(self, dates: dict[str, datetime | None]) -> list[RecordResult]: ...


@dataclass(frozen=True, slots=True)
class Preview:
    campaign: Campaign
    matched: int
    already_dated: int
    sample: tuple[Member, ...]


@dataclass(frozen=True, slots=True)
class ApplyResult:
    campaign: Campaign
    matched: int
    updated: int
    previous_dates: dict[str, datetime | None]
    errors: tuple[RecordResult, ...] = field(default_factory=tuple)
    recompute_enqueued: bool = False


def _matching(
    salesforce: BulkSalesforcePort, campaign_id: str, criteria: MemberFilter
) -> tuple[Campaign, list[Member]]:
    campaign = salesforce.read_campaign(campaign_id)
    if campaign is None:
        raise CampaignNotFoundError(f"campaign {campaign_id} was not found")
    members = [m for m in salesforce.read_members(campaign_id) if member_matches(m, criteria)]
    return campaign, members


def preview_touchpoint_date(
    salesforce: BulkSalesforcePort, campaign_id: str, criteria: MemberFilter
) -> Preview:
    """What an apply would change, changing nothing."""
    campaign, members = _matching(salesforce, campaign_id, criteria)
    dated = [m for m in members if m.touchpoint_date is not None]
    return Preview(campaign, len(members), len(dated), tuple(members[:SAMPLE_SIZE]))


def apply_touchpoint_date(
    salesforce: BulkSalesforcePort,
    queue: QueuePort,
    campaign_id: str,
    when: datetime,
    criteria: MemberFilter,
    request_id: str,
) -> ApplyResult:
    """Sets `Buyer_Touchpoint_Date__c` on the matching members; if the campaign is synced,
    enqueues a recompute so its existing touchpoints move to the new date."""
    campaign, members = _matching(salesforce, campaign_id, criteria)
    if not members:
        raise NoMatchingMembersError("the filter matches no member of the campaign")
    results = salesforce.update_member_dates({m.id: when for m in members})
    errors = tuple(r for r in results if not r.success)
    enqueue = campaign.sync_mode is not SyncMode.NOT_SYNCED and len(errors) < len(results)
    if enqueue:
        queue.enqueue(campaign.id, "bulk_touchpoint_date", f"bulk-date:{request_id}")
    return ApplyResult(
        campaign=campaign,
        matched=len(members),
        updated=len(results) - len(errors),
        previous_dates={m.id: m.touchpoint_date for m in members},
        errors=errors,
        recompute_enqueued=enqueue,
    )
