"""What the services need from their recorded state (DynamoDB), and the values they exchange."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from touchpoints.rules.frozen_values import fast_frozen_init
from touchpoints.rules.models import Touchpoint
from touchpoints.rules.outcome import Outcome


@fast_frozen_init  # one or two per member in every run
@dataclass(frozen=True, slots=True)
class StoredMember:
    """A member's status as last recorded; `touchpoint` is what Salesforce confirmed it has;
    `person_id` (its contact, else its lead) and `email` are what the sync report shows (personal
    data: kept for the report, never logged). `previous_status`, `previous_touchpoint_date` and
    `previous_channel` are what the member had before its last change, `changed_at` when the run that changed it
    started (its outcome history in the sync report)."""

    member_id: str
    status: str
    touchpoint: Touchpoint | None = None
    record_id: str | None = None
    person_id: str | None = None
    email: str | None = None
    previous_status: str | None = None
    previous_touchpoint_date: str | None = None
    previous_channel: str | None = None
    changed_at: str | None = None

    @property
    def outcome(self) -> Outcome:
        """`status` as one value: its kind and reason."""
        return Outcome.from_status(self.status)


class StatePort(Protocol):
    """The recompute's per-member state, summaries, run history, checkpoints and write intents.
    `aws_calls` counts the AWS calls made through the store so far (a run adds up its share)."""

    @property
    def aws_calls(self) -> int: ...

    def load_members_range(
        self, campaign_id: str, after_id: str, upto_id: str | None
    ) -> dict[str, StoredMember]: ...
    def load_members_by_ids(
        self, campaign_id: str, member_ids: Iterable[str]
    ) -> dict[str, StoredMember]: ...
    def save_members(self, campaign_id: str, members: list[StoredMember]) -> int: ...
    def forget_members(self, campaign_id: str, member_ids: list[str]) -> int: ...
    def save_summary(self, campaign_id: str, summary: Mapping[str, object]) -> None: ...
    def load_summary(self, campaign_id: str) -> dict[str, Any] | None: ...
    def save_run(self, campaign_id: str, run: Mapping[str, Any], expires_at: int) -> None: ...
    def save_checkpoint(
        self, campaign_id: str, checkpoint: Mapping[str, Any], expires_at: int
    ) -> None: ...
    def load_checkpoint(self, campaign_id: str) -> dict[str, Any] | None: ...
    def clear_checkpoint(self, campaign_id: str) -> None: ...
    def mark_write_intent(self, campaign_id: str, run_id: str, started_at: datetime) -> None: ...
    def load_write_intent(self, campaign_id: str) -> dict[str, Any] | None: ...
    def clear_write_intent(self, campaign_id: str) -> None: ...


class SyncStatusStatePort(Protocol):
    """What the sync status reads of a campaign's state: the last run's summary, its members a
    page at a time in Id order, and its runs newest first; each page with the token of the next."""

    def load_summary(self, campaign_id: str) -> dict[str, Any] | None: ...
    def member_page(
        self, campaign_id: str, limit: int, start_after: str | None
    ) -> tuple[list[StoredMember], str | None]: ...
    def run_page(
        self, campaign_id: str, limit: int, start_after: str | None
    ) -> tuple[list[dict[str, Any]], str | None]: ...


class SweepStatePort(Protocol):
    """The sweep's watermark, and the checkpoint of a sweep that stopped short."""

    def load_sweep(self) -> tuple[str | None, dict[str, Any] | None]: ...
    def save_sweep(self, watermark: str | None, checkpoint: Mapping[str, Any] | None) -> None: ...


class NotificationLogPort(Protocol):
    """The webhook's record of the newest notification per Salesforce record."""

    def claim_newest(self, stamps: Mapping[str, datetime], now: datetime) -> frozenset[str]:
        """Records each record's stamp unless a newer one was seen; returns the records whose
        stamp is the newest seen (an equal one included)."""
        ...

    def record_without_record(
        self, notification_ids: Sequence[str], organization_id: str, now: datetime
    ) -> None: ...
