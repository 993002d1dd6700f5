"""What the audit route asks of the audit log, and the query it passes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

BULK_DATE, CHANNEL_MAPPING = "bulk-date", "channel-mapping"


@dataclass(frozen=True, slots=True)
class AuditQuery:
    """Which entries: a campaign's (its bulk date jobs), one kind, one actor (the IAM principal
    or the Salesforce user, exactly), a time range (inclusive); None means any."""

    campaign_id: str | None = None
    kind: str | None = None
    actor: str | None = None
    since: datetime | None = None
    until: datetime | None = None


class AuditLogPort(Protocol):
    def page(
        self, query: AuditQuery, limit: int, token: str | None
    ) -> tuple[list[dict[str, Any]], str | None]: ...
