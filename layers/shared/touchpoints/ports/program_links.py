"""What the program sync needs from its links and snapshots, and the values it exchanges."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class ProgramLink:
    program_id: int
    campaign_id: str
    channel: str
    steps: dict[str, int]  # the channel's progression statuses and their steps
    linked_at: str
    watermark: str | None = None
    last_sync: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class SyncedPerson:
    """A person's last agreed state: the status both sides had after the last run."""

    email: str
    status: str
    marketo_lead_id: int | None = None
    salesforce_person_id: str | None = None
    salesforce_member_id: str | None = None


class LinksPort(Protocol):
    def link(
        self,
        program_id: int,
        campaign_id: str,
        channel: str,
        steps: Mapping[str, int],
        now: datetime,
    ) -> ProgramLink: ...
    def unlink(self, program_id: int) -> ProgramLink | None: ...
    def get(self, program_id: int) -> ProgramLink | None: ...
    def all(self) -> list[ProgramLink]: ...
    def update_channel(self, program_id: int, channel: str, steps: Mapping[str, int]) -> None: ...
    def begin_run(self, program_id: int, now: datetime, lease: timedelta) -> bool: ...
    def end_run(
        self, program_id: int, last_sync: Mapping[str, Any], watermark: str | None
    ) -> None: ...
    def load_snapshot(self, program_id: int) -> dict[str, SyncedPerson]: ...
    def save_people(self, program_id: int, people: Iterable[SyncedPerson]) -> None: ...
    def forget_people(self, program_id: int, emails: Iterable[str]) -> None: ...
    def record_conflicts(
        self, program_id: int, conflicts: Iterable[Mapping[str, Any]], now: datetime
    ) -> None: ...
