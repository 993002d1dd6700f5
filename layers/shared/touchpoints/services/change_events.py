"""Use case: a Change Data Capture event relayed by Event Relay becomes the recompute requests
the webhook and the sweep send.

The event is read and checked first (a change event of one of our four entities, from an allowed
org); what it asks for is a rule (`rules/change_events.py`); the campaigns it concerns are looked
up only when the event does not name them; each campaign's request is enqueued once per change
(`EnqueueOncePort`: SQS deduplication, then an idempotency record), so a change relayed twice is
a duplicate. Bad input never raises: EventBridge invokes the function asynchronously and would
retry it, so a refusal is an outcome, counted by the handler.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from touchpoints.ports.org_changes import OrgChangesPort
from touchpoints.ports.queues import EnqueueOncePort
from touchpoints.rules.change_events import (
    RecomputePlan,
    UnreadableChangeEvent,
    WatchedFields,
    read_change_event,
    recompute_plan,
)


class Outcome(StrEnum):
    ENQUEUED = "enqueued"
    DUPLICATE = "duplicate"  # every campaign's request was enqueued for this change before
    IGNORED = "ignored"  # nothing to recompute
    REFUSED = "refused"  # not a change event of ours, or from an org not allowed


@dataclass(frozen=True, slots=True)
class ChangeEventPorts:
    """What the use case runs on, built once per function by wiring."""

    allowed_org_ids: frozenset[str]
    watched: WatchedFields
    org_changes: OrgChangesPort
    enqueuer: EnqueueOncePort


@dataclass(frozen=True, slots=True)
class ChangeEventResult:
    outcome: Outcome
    reason: str | None = None
    entity: str | None = None
    change_type: str | None = None
    campaigns_enqueued: tuple[str, ...] = field(default=())
    full: bool = False


def accept_change_event(
    event: dict[str, Any], ports: ChangeEventPorts, now: datetime
) -> ChangeEventResult:
    """Read, check, plan, look up, enqueue once."""
    try:
        change = read_change_event(event)
    except UnreadableChangeEvent as refused:
        return ChangeEventResult(Outcome.REFUSED, refused.reason)
    if change.org_id not in ports.allowed_org_ids:
        return ChangeEventResult(Outcome.REFUSED, "the event's org is not an allowed org")
    plan = recompute_plan(change, ports.watched)
    if plan.ignored:
        return ChangeEventResult(
            Outcome.IGNORED, plan.ignored, entity=change.entity, change_type=change.change_type
        )
    campaign_ids = _campaigns(plan, ports.org_changes)
    if not campaign_ids:
        return ChangeEventResult(
            Outcome.IGNORED,
            "the records belong to no campaign",
            entity=change.entity,
            change_type=change.change_type,
        )
    shares = {campaign_id: [change.dedup_key] for campaign_id in sorted(campaign_ids)}
    report = ports.enqueuer.enqueue(shares, now, full=plan.full)
    if not report.enqueued:
        return ChangeEventResult(
            Outcome.DUPLICATE, full=plan.full, entity=change.entity, change_type=change.change_type
        )
    return ChangeEventResult(
        Outcome.ENQUEUED,
        campaigns_enqueued=report.enqueued,
        full=plan.full,
        entity=change.entity,
        change_type=change.change_type,
    )


def _campaigns(plan: RecomputePlan, org_changes: OrgChangesPort) -> set[str]:
    """The campaigns a plan concerns; every synced one as the daily full reconciliation finds
    them."""
    if plan.every_synced_campaign:
        return org_changes.synced_campaigns()
    campaign_ids = set(plan.campaign_ids)
    if plan.member_ids:
        campaign_ids |= org_changes.campaigns_of_members(sorted(plan.member_ids))
    if plan.person_ids:
        campaign_ids |= org_changes.campaigns_of_people(sorted(plan.person_ids))
    return campaign_ids
