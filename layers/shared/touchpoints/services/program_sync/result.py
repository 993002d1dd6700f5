"""A sync run's result: what it changed on each side, its conflicts, failures and API calls."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class SyncResult:
    program_id: int
    campaign_id: str
    started_at: str
    completed: bool = False
    initial: bool = False
    campaign_updated: dict[str, Any] = field(default_factory=dict)
    to_salesforce: Counter[str] = field(default_factory=Counter)
    to_marketo: Counter[str] = field(default_factory=Counter)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    events_published: int = 0
    skipped_without_email: int = 0
    api_calls: dict[str, dict[str, int]] = field(default_factory=dict)
    error: str | None = None

    def as_record(self) -> dict[str, Any]:
        return {
            "program_id": self.program_id,
            "campaign_id": self.campaign_id,
            "started_at": self.started_at,
            "completed": self.completed,
            "initial": self.initial,
            "campaign_updated": self.campaign_updated,
            "to_salesforce": dict(self.to_salesforce),
            "to_marketo": dict(self.to_marketo),
            "conflicts": self.conflicts,
            "failures": self.failures,
            "events_published": self.events_published,
            "skipped_without_email": self.skipped_without_email,
            "api_calls": self.api_calls,
            "error": self.error,
        }
