"""What the program sync needs from Marketo, and the values it exchanges with it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class ProgressionStatus:
    name: str
    step: int
    success: bool = False


@dataclass(frozen=True, slots=True)
class Program:
    id: int
    name: str
    channel: str
    period_costs: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class MarketoLead:
    id: int
    email: str | None
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    sfdc_lead_id: str | None = None  # Marketo's link to the Salesforce Lead / Contact
    sfdc_contact_id: str | None = None


@dataclass(frozen=True, slots=True)
class MemberWrite:
    """One lead's outcome in a member status or delete call. `at_or_past`: a status write Marketo
    skipped (1037) because the lead is already in or past that status."""

    lead_id: int
    success: bool
    message: str | None = None
    at_or_past: bool = False


class MarketoPort(Protocol):
    calls: Counter[str]

    def get_program(self, program_id: int) -> Program | None: ...
    def get_channel_statuses(self, channel: str) -> tuple[ProgressionStatus, ...] | None: ...
    def program_members(self, program_id: int, statuses: Iterable[str]) -> dict[int, str]: ...
    def member_statuses(self, program_id: int, lead_ids: Iterable[int]) -> dict[int, str]: ...
    def set_member_status(
        self, program_id: int, status: str, lead_ids: Iterable[int]
    ) -> list[MemberWrite]: ...
    def remove_members(self, program_id: int, lead_ids: Iterable[int]) -> list[MemberWrite]: ...
    def leads_by_id(self, lead_ids: Iterable[int]) -> dict[int, MarketoLead]: ...
    def leads_by_email(self, emails: Iterable[str]) -> list[MarketoLead]: ...
    def leads_by_salesforce_id(self, person_ids: Iterable[str]) -> list[MarketoLead]: ...
    def create_or_update_leads(self, leads: Iterable[Mapping[str, Any]]) -> dict[str, int]: ...
