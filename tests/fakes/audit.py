"""The audit log as the audit route reads it (`AuditLogPort`): entries newest first, filtered."""

from __future__ import annotations

from typing import Any

from touchpoints.ports.audit import AuditQuery


class FakeAuditLog:
    def __init__(self, entries: list[dict[str, Any]] | None = None) -> None:
        self.entries = entries or []
        self.queries: list[AuditQuery] = []

    def page(
        self, query: AuditQuery, limit: int, token: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        self.queries.append(query)
        start = int(token or 0)
        page = self.entries[start : start + limit]
        more = start + limit < len(self.entries)
        return page, str(start + limit) if more else None
