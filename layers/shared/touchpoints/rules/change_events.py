"""Rules: what a Change Data Capture event, relayed from Salesforce by Event Relay to EventBridge,
asks of the touchpoints.

Event Relay puts each change event on the partner event bus in EventBridge's envelope: `source` is
the partner event source `aws.partner/salesforce.com/<orgId>/<channelId>`, `detail-type` the event
(`CampaignMemberChangeEvent`), `detail.payload` the message: `ChangeEventHeader` (entityName,
recordIds, changeType, changedFields, transactionKey, sequenceNumber, commitTimestamp, ...) and the
record's fields. A gap event (`GAP_CREATE` ... `GAP_UNDELETE`) says changes to the named records
were not captured; an overflow event (`GAP_OVERFLOW`) says a transaction changed more than 100,000
records of the entity and names none of them. Either means "changes were lost": the campaigns they
concern are recomputed in full.

`OpportunityChangeEvent` and `OpportunityContactRoleChangeEvent` concern attribution, not the
touchpoints: they ask for the attribution of the contacts of the opportunities concerned
(`attribution_plan`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeGuard

from touchpoints.rules.salesforce_ids import canonical_id

TOUCHPOINT_ENTITIES = frozenset({"Campaign", "CampaignMember", "Lead", "Contact"})
ATTRIBUTION_ENTITIES = frozenset({"Opportunity", "OpportunityContactRole"})
ENTITIES = TOUCHPOINT_ENTITIES | ATTRIBUTION_ENTITIES
# The fields attribution reads of each (rules/attribution_opportunity.py): an update that changes
# none of them moves no attribution. A role's OpportunityId cannot be updated; its Role and
# IsPrimary do not count. An opportunity's CreatedDate never changes.
ATTRIBUTION_FIELDS = {
    "Opportunity": frozenset({"Amount", "CloseDate", "StageName", "IsWon", "IsClosed"}),
    "OpportunityContactRole": frozenset({"ContactId"}),
}
GAP_TYPES = frozenset({"GAP_CREATE", "GAP_UPDATE", "GAP_DELETE", "GAP_UNDELETE"})
OVERFLOW = "GAP_OVERFLOW"
CHANGE_TYPES = frozenset({"CREATE", "UPDATE", "DELETE", "UNDELETE", OVERFLOW}) | GAP_TYPES
PARTNER_SOURCE = re.compile(r"aws\.partner/salesforce\.com/(?P<org>[0-9A-Za-z]+)/[0-9A-Za-z]+")
# A field type conversion that loses data names every record of the object: `<key prefix>*`.
WILDCARD_RECORD_ID = re.compile(r"[0-9A-Za-z]{3}\*")
MAX_RECORD_IDS = 10_000  # far above what Salesforce merges into one event; beyond it, not ours


class UnreadableChangeEvent(ValueError):
    """The event is not a change event of an entity the touchpoints read; `reason` says why
    without echoing the event."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class ChangeEvent:
    """A change event, read: ids in their 18-character form."""

    org_id: str
    entity: str
    change_type: str
    record_ids: tuple[str, ...]
    every_record: bool  # an overflow event, or record ids given as a wildcard
    changed_fields: frozenset[str]
    campaign_id: str | None  # a campaign member event's CampaignId, when it carries it
    contact_id: str | None  # a contact role event's ContactId, when it carries it
    dedup_key: str  # the same change relayed twice has the same key


@dataclass(frozen=True, slots=True)
class WatchedFields:
    """The fields of each entity the touchpoints are made from: an update that changes none of
    them changes no touchpoint."""

    campaign: frozenset[str]
    member: frozenset[str]
    person: frozenset[str]

    def of(self, entity: str) -> frozenset[str]:
        if entity == "Campaign":
            return self.campaign
        return self.member if entity == "CampaignMember" else self.person


@dataclass(frozen=True, slots=True)
class RecomputePlan:
    """Which campaigns an event asks to recompute: named directly, through their members (deleted
    ones included), through their people, or every synced campaign; in full after lost changes.
    `ignored` says why an event asks for nothing."""

    campaign_ids: frozenset[str] = frozenset()
    member_ids: frozenset[str] = frozenset()
    person_ids: frozenset[str] = frozenset()
    every_synced_campaign: bool = False
    full: bool = False
    ignored: str | None = None


def read_change_event(event: Mapping[str, Any]) -> ChangeEvent:
    """An EventBridge event as Event Relay delivers it, read into a `ChangeEvent`; anything else
    raises `UnreadableChangeEvent`."""
    if not isinstance(event, Mapping):
        raise UnreadableChangeEvent("the event is not a JSON object")
    source = PARTNER_SOURCE.fullmatch(str(event.get("source", "")))
    org_id = canonical_id(source["org"]) if source else None
    if org_id is None:
        raise UnreadableChangeEvent("source is not a Salesforce partner event source")
    detail = event.get("detail")
    payload = detail.get("payload") if _is_object(detail) else None
    header = payload.get("ChangeEventHeader") if _is_object(payload) else None
    if not _is_object(payload) or not _is_object(header):
        raise UnreadableChangeEvent("detail.payload.ChangeEventHeader is missing")
    entity, change_type = header.get("entityName"), header.get("changeType")
    if entity not in ENTITIES or event.get("detail-type") != f"{entity}ChangeEvent":
        raise UnreadableChangeEvent(
            "not a change event of Campaign, CampaignMember, Lead, Contact, Opportunity or "
            "OpportunityContactRole"
        )
    if change_type not in CHANGE_TYPES:
        raise UnreadableChangeEvent("changeType is not a change data capture change type")
    record_ids, every_record = _record_ids(header.get("recordIds"), change_type)
    transaction, sequence = header.get("transactionKey"), header.get("sequenceNumber")
    if not isinstance(transaction, str) or not transaction or type(sequence) is not int:
        raise UnreadableChangeEvent("transactionKey or sequenceNumber is missing")
    changed = header.get("changedFields") or []
    if not isinstance(changed, list) or not all(isinstance(name, str) for name in changed):
        raise UnreadableChangeEvent("changedFields is not a list of field names")
    campaign_id = canonical_id(payload.get("CampaignId")) if entity == "CampaignMember" else None
    contact_id = canonical_id(payload.get("ContactId")) if entity in ATTRIBUTION_ENTITIES else None
    return ChangeEvent(
        org_id=org_id,
        entity=entity,
        change_type=change_type,
        record_ids=record_ids,
        every_record=every_record,
        changed_fields=frozenset(changed),
        campaign_id=campaign_id,
        contact_id=contact_id,
        dedup_key=f"{entity}:{change_type}:{transaction}:{sequence}",
    )


def _is_object(value: object) -> TypeGuard[Mapping[str, Any]]:
    return isinstance(value, Mapping)


def _record_ids(raw: object, change_type: str) -> tuple[tuple[str, ...], bool]:
    """The record ids in their 18-character form, and whether the event concerns every record
    (an overflow event names none; a wildcard names them all)."""
    if change_type == OVERFLOW:
        return (), True
    if not isinstance(raw, list) or not raw or len(raw) > MAX_RECORD_IDS:
        raise UnreadableChangeEvent("recordIds must name the changed records")
    if any(isinstance(item, str) and WILDCARD_RECORD_ID.fullmatch(item) for item in raw):
        return (), True
    ids = tuple(canonical_id(item) for item in raw)
    if None in ids:
        raise UnreadableChangeEvent("recordIds holds something that is not a Salesforce id")
    return tuple(sorted(set(ids))), False  # type: ignore[arg-type]


def recompute_plan(event: ChangeEvent, watched: WatchedFields) -> RecomputePlan:
    """What a change asks to recompute.

    - Lost changes (a gap event, an overflow, a wildcard): the campaigns concerned, in full; an
      event naming no record (overflow, wildcard) concerns every synced campaign, as the daily
      full reconciliation does.
    - An update that changed none of the fields the touchpoints read asks for nothing (our own
      write-back of a member's status among them, which would otherwise echo back).
    - A campaign's change: that campaign. A member's: its campaign (carried by a create or
      undelete; looked up otherwise, deleted members included). A lead's or contact's (email,
      conversion, merge, delete, undelete): the campaigns it is a member of.
    """
    full = event.change_type in GAP_TYPES or event.every_record
    if event.every_record:
        return RecomputePlan(every_synced_campaign=True, full=True)
    if (
        event.change_type == "UPDATE"
        and event.changed_fields
        and not event.changed_fields & watched.of(event.entity)
    ):
        return RecomputePlan(ignored="no field the touchpoints read changed")
    ids = frozenset(event.record_ids)
    if event.entity == "Campaign":
        return RecomputePlan(campaign_ids=ids, full=full)
    if event.entity == "CampaignMember":
        if event.campaign_id and event.change_type in ("CREATE", "UNDELETE"):
            return RecomputePlan(campaign_ids=frozenset({event.campaign_id}), full=full)
        return RecomputePlan(member_ids=ids, full=full)
    return RecomputePlan(person_ids=ids, full=full)


@dataclass(frozen=True, slots=True)
class AttributionPlan:
    """Whose attribution an opportunity or contact role change asks for: the contacts it names,
    and every contact of the opportunities it concerns (named, or found through the roles it
    names); every person with a touchpoint when lost changes name no record. `ignored` says why
    it asks for nothing."""

    contact_ids: frozenset[str] = frozenset()
    opportunity_ids: frozenset[str] = frozenset()
    role_ids: frozenset[str] = frozenset()
    every_person: bool = False
    ignored: str | None = None


def attribution_plan(event: ChangeEvent) -> AttributionPlan:
    """What an `Opportunity` or `OpportunityContactRole` change asks of attribution.

    - Lost changes naming no record (overflow, wildcard): every person with a touchpoint, as the
      daily full pass does; a gap event names its records and is taken like any change.
    - An update of none of the fields attribution reads asks for nothing.
    - An opportunity's change: its contacts (its roles, deleted ones included, as a deleted
      opportunity takes its roles to the Recycle Bin). A role's: the contact it carries, and every
      contact of its opportunity (the opportunity's records are computed over all its roles, so a
      contact that lost the role loses its records there too).
    """
    if event.every_record:
        return AttributionPlan(every_person=True)
    if (
        event.change_type == "UPDATE"
        and event.changed_fields
        and not event.changed_fields & ATTRIBUTION_FIELDS[event.entity]
    ):
        return AttributionPlan(ignored="no field attribution reads changed")
    ids = frozenset(event.record_ids)
    if event.entity == "Opportunity":
        return AttributionPlan(opportunity_ids=ids)
    contacts = frozenset({event.contact_id}) if event.contact_id else frozenset()
    return AttributionPlan(contact_ids=contacts, role_ids=ids)
