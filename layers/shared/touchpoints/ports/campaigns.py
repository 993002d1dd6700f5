"""What the program sync and the flow actions need from Salesforce's campaigns, members and leads,
and the values they exchange; apart from `ports/salesforce.py`, so the functions that never sync
a program do not create these classes at their cold start."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from touchpoints.ports.salesforce import RecordResult


@dataclass(frozen=True, slots=True)
class SyncCampaign:
    id: str
    name: str
    type: str | None
    actual_cost: float | None


@dataclass(frozen=True, slots=True)
class CampaignPerson:
    """A campaign member as the sync sees it: its person's email is the join key."""

    member_id: str
    person_id: str
    email: str
    status: str
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None


@dataclass(frozen=True, slots=True)
class NewLead:
    email: str
    first_name: str | None
    last_name: str | None
    company: str | None


class CampaignsPort(Protocol):
    """The program sync and the flow actions read and write campaigns, members and leads."""

    @property
    def calls(self) -> Counter[str]:
        """Salesforce calls made so far, by kind."""
        ...

    def read_sync_campaign(self, campaign_id: str) -> SyncCampaign | None: ...
    def member_status_labels(self, campaign_id: str) -> list[str]: ...
    def is_marketing_user(self, username: str) -> bool | None: ...
    def campaign_people(self, campaign_id: str) -> Iterator[CampaignPerson | None]: ...
    def find_people(self, emails: Iterable[str]) -> dict[str, str]: ...
    def matchable_people(self, person_ids: Iterable[str]) -> set[str]: ...
    def create_leads(self, leads: Iterable[NewLead]) -> dict[str, RecordResult]: ...
    def add_members(
        self, campaign_id: str, people: Mapping[str, tuple[str, str]]
    ) -> dict[str, RecordResult]: ...
    def set_member_statuses(self, statuses: Mapping[str, str]) -> dict[str, RecordResult]: ...
    def delete_records(self, refs_to_ids: Mapping[str, str]) -> list[RecordResult]: ...
    def update_campaign(self, campaign_id: str, fields: Mapping[str, Any]) -> None: ...
