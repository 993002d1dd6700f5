"""Use case: the offline channel mapping, which an admin reads and replaces as a whole.

A change is saved only over the version the admin read (If-Match), together with its audit
entry; then every campaign that holds touchpoints and whose Type's channel changed gets a
recompute, which re-maps its touchpoints (the diff updates their channel and channel path).

Which campaigns hold touchpoints, and their Types, come from what their recomputes recorded, not
from a Salesforce query: no API call is spent and this function never holds Salesforce
credentials. A campaign whose Type or mode changed since its last recompute already has a
recompute on its way (webhook or sweep), and that one reads the new mapping.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from touchpoints.ports.channel_mapping import ChannelMappingStorePort
from touchpoints.ports.queues import RecomputeQueuePort
from touchpoints.rules.channels import (
    ChannelMapping,
    MappingEntry,
    MappingProblem,
    audited_changed_types,
    changed_types,
    mapping_problems,
    normalized_entries,
    remapped_campaigns,
    unmapped_types,
)

RECOMPUTE_CAUSE = "channel-mapping"


class InvalidMappingError(ValueError):
    """The mapping breaks a rule; `field` names the first field at fault. Nothing is saved."""

    def __init__(self, problems: Sequence[MappingProblem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems[:5]))
        self.field = problems[0].field


class MappingVersionConflictError(RuntimeError):
    """The mapping changed since the version the caller read; nothing is saved."""


@dataclass(frozen=True, slots=True)
class MappingView:
    mapping: ChannelMapping
    unmapped_types: list[str]


@dataclass(frozen=True, slots=True)
class MappingChange:
    mapping: ChannelMapping
    changed_types: list[str]
    recomputes_enqueued: int


def current_mapping(store: ChannelMappingStorePort) -> MappingView:
    """The mapping in force, and the Campaign Types of synced campaigns it does not map."""
    mapping = store.load()
    return MappingView(mapping, unmapped_types(store.seen_campaigns().values(), mapping.channels()))


def replace_mapping(
    store: ChannelMappingStorePort,
    queue: RecomputeQueuePort,
    entries: Sequence[MappingEntry],
    expected_version: int,
    changed_by: str,
    now: datetime,
    salesforce_user: str | None = None,
) -> MappingChange:
    problems = mapping_problems(entries)
    if problems:
        raise InvalidMappingError(problems)
    before = store.load()
    if before.version != expected_version:
        raise MappingVersionConflictError(_conflict(expected_version, before.version))
    after = ChannelMapping(before.version + 1, normalized_entries(entries))
    changed = sorted(changed_types(before.channels(), after.channels()))
    campaigns = remapped_campaigns(store.seen_campaigns(), before.channels(), after.channels())
    audit = {
        "changed_at": now.isoformat(),
        "changed_by": changed_by,
        "previous_version": before.version,
        "changed_types": audited_changed_types(changed),  # the first ones, within the item limit
        "changed_types_count": len(changed),
        "recomputes_enqueued": len(campaigns),
        **({"salesforce_user": salesforce_user} if salesforce_user else {}),
    }
    if not store.replace(after, expected_version, audit):
        raise MappingVersionConflictError(_conflict(expected_version, None))
    for campaign_id in campaigns:
        queue.enqueue(campaign_id, RECOMPUTE_CAUSE, f"channel-mapping:{after.version}")
    return MappingChange(after, changed, len(campaigns))


def _conflict(expected: int, current: int | None) -> str:
    now = f"it is at version {current}" if current is not None else "it changed meanwhile"
    return f"the mapping was read at version {expected}, but {now}; read it again and retry"
