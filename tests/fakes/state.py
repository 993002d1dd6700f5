"""The recompute's DynamoDB state (`StatePort`): members' recorded outcomes, the run summary and
history, the checkpoint and write intent."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from touchpoints.ports.state import StoredMember


class FakeState:
    def __init__(self) -> None:
        self.members: dict[str, dict[str, StoredMember]] = {}
        self.summaries: dict[str, dict[str, Any]] = {}
        self.checkpoints: dict[str, dict[str, Any]] = {}
        self.write_intents: dict[str, dict[str, Any]] = {}
        self.runs: dict[str, list[dict[str, Any]]] = {}
        self.aws_calls = 0

    def member(self, campaign_id: str, member_id: str) -> StoredMember | None:
        return self.members.get(campaign_id, {}).get(member_id)

    def load_members_range(
        self, campaign_id: str, after_id: str, upto_id: str | None
    ) -> dict[str, StoredMember]:
        stored = self.members.get(campaign_id, {})
        return {
            member_id: stored[member_id]
            for member_id in sorted(stored)
            if member_id > after_id and (upto_id is None or member_id <= upto_id)
        }

    def load_members_by_ids(
        self, campaign_id: str, member_ids: Iterable[str]
    ) -> dict[str, StoredMember]:
        stored = self.members.get(campaign_id, {})
        return {member_id: stored[member_id] for member_id in member_ids if member_id in stored}

    def save_members(self, campaign_id: str, members: list[StoredMember]) -> int:
        self.members.setdefault(campaign_id, {}).update({m.member_id: m for m in members})
        return len(members)

    def forget_members(self, campaign_id: str, member_ids: list[str]) -> int:
        for member_id in member_ids:
            self.members.get(campaign_id, {}).pop(member_id, None)
        return len(member_ids)

    def save_summary(self, campaign_id: str, summary: Mapping[str, object]) -> None:
        self.summaries[campaign_id] = copy.deepcopy(dict(summary))

    def load_summary(self, campaign_id: str) -> dict[str, Any] | None:
        return copy.deepcopy(self.summaries.get(campaign_id))

    def save_run(self, campaign_id: str, run: Mapping[str, Any], expires_at: int) -> None:
        self.runs.setdefault(campaign_id, []).append({**run, "expires_at": expires_at})

    def save_checkpoint(
        self, campaign_id: str, checkpoint: Mapping[str, Any], expires_at: int
    ) -> None:
        self.checkpoints[campaign_id] = copy.deepcopy(dict(checkpoint))

    def load_checkpoint(self, campaign_id: str) -> dict[str, Any] | None:
        return copy.deepcopy(self.checkpoints.get(campaign_id))

    def clear_checkpoint(self, campaign_id: str) -> None:
        self.checkpoints.pop(campaign_id, None)

    def mark_write_intent(self, campaign_id: str, run_id: str, started_at: datetime) -> None:
        self.write_intents[campaign_id] = {"run_id": run_id, "started_at": started_at.isoformat()}

    def load_write_intent(self, campaign_id: str) -> dict[str, Any] | None:
        return self.write_intents.get(campaign_id)

    def clear_write_intent(self, campaign_id: str) -> None:
        self.write_intents.pop(campaign_id, None)

    def member_page(
        self, campaign_id: str, limit: int, start_after: str | None
    ) -> tuple[list[StoredMember], str | None]:
        stored = self.members.get(campaign_id, {})
        after = [stored[m] for m in sorted(stored) if start_after is None or m > start_after]
        page = after[:limit]
        return page, page[-1].member_id if len(after) > limit else None

    def run_page(
        self, campaign_id: str, limit: int, start_after: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        newest_first = sorted(self.runs.get(campaign_id, []), key=_run_key, reverse=True)
        after = [r for r in newest_first if start_after is None or _run_key(r) < start_after]
        page = after[:limit]
        return page, _run_key(page[-1]) if len(after) > limit else None


def _run_key(run: Mapping[str, Any]) -> str:
    return f"{run['finished_at']}#{run['run_id']}"
