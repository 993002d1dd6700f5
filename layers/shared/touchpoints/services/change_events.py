"""Use case: a Change Data Capture event relayed by Event Relay becomes the recompute requests
the webhook and the sweep send.

The event is read and checked first (a change event of one of our six entities, from an allowed
org); what it asks for is a rule (`rules/change_events.py`); the campaigns it concerns are looked
up only when the event does not name them; each campaign's request is enqueued once per change
(`EnqueueOncePort`: SQS deduplication, then an idempotency record), so a change relayed twice is
a duplicate. An opportunity's or contact role's change asks for the attribution of the contacts
concerned instead, on the attribution queue; a change relayed twice asks twice, which is harmless
(an attribution run writes only the difference from what Salesforce holds). Bad input never raises: EventBridge invokes the function asynchronously and would
retry it, so a refusal is an outcome, counted by the handler.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from touchpoints.ports.org_changes import OrgChangesPort
from touchpoints.ports.queues import EnqueueOncePort
from touchpoints.rules.change_events import (
    ATTRIBUTION_ENTITIES,
    AttributionPlan,
    ChangeEvent,
    RecomputePlan,
    UnreadableChangeEvent,
    WatchedFields,
    attribution_plan,
    read_change_event,
    recompute_plan,
)

# Types only: the ports' module brings the attribution rules, which this function never runs.
if TYPE_CHECKING:
    from touchpoints.ports.attribution import AttributionQueuePort, OpportunityContactsPort


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
    # Attribution's part (None where no attribution queue is configured).
    opportunity_contacts: OpportunityContactsPort | None = None
    attribution_queue: AttributionQueuePort | None = None


@dataclass(frozen=True, slots=True)
class ChangeEventResult:
    outcome: Outcome
    reason: str | None = None
    entity: str | None = None
    change_type: str | None = None
    campaigns_enqueued: tuple[str, ...] = field(default=())
    full: bool = False
    persons_enqueued: int = 0  # contacts asked to be attributed


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
    if change.entity in ATTRIBUTION_ENTITIES:
        return _ask_for_attribution(change, ports)
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


def _ask_for_attribution(change: ChangeEvent, ports: ChangeEventPorts) -> ChangeEventResult:
    """The contacts an opportunity or contact role change concerns, enqueued for attribution."""
    if ports.opportunity_contacts is None or ports.attribution_queue is None:
        return _ignored(change, "attribution is not configured")
    plan = attribution_plan(change)
    if plan.ignored:
        return _ignored(change, plan.ignored)
    contacts = _contacts(plan, ports.opportunity_contacts)
    if not contacts:
        reason = (
            "a contact role deleted on its own leaves no record to look up (it is not kept in the "
            "Recycle Bin); the daily full pass corrects its opportunity"
            if change.change_type == "DELETE" and plan.role_ids
            else "the records name no contact"
        )
        return _ignored(change, reason)
    cause = f"{change.entity} {change.change_type.lower()} (change data capture)"
    ports.attribution_queue.enqueue_persons(contacts, cause)
    return ChangeEventResult(
        Outcome.ENQUEUED,
        entity=change.entity,
        change_type=change.change_type,
        persons_enqueued=len(contacts),
    )


def _ignored(change: ChangeEvent, reason: str) -> ChangeEventResult:
    return ChangeEventResult(
        Outcome.IGNORED, reason, entity=change.entity, change_type=change.change_type
    )


def _contacts(plan: AttributionPlan, lookups: OpportunityContactsPort) -> set[str]:
    if plan.every_person:
        return lookups.persons_with_touchpoints()
    contacts = set(plan.contact_ids)
    if plan.opportunity_ids:
        contacts |= lookups.contacts_of_opportunities(sorted(plan.opportunity_ids))
    if plan.role_ids:
        contacts |= lookups.contacts_of_roles(sorted(plan.role_ids))
    return contacts
