"""Use cases: the flow-action equivalents of Marketo's campaign sync (reference 004) — add a person
to a campaign, change their status, remove them, and ask whether they are a member. Each acts on
Salesforce at once; the next program sync run carries the change to Marketo.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from touchpoints.ports.campaigns import CampaignPerson, CampaignsPort, NewLead, SyncCampaign
from touchpoints.ports.salesforce import RecordResult
from touchpoints.rules.email import is_valid_email
from touchpoints.rules.program_sync import person_key
from touchpoints.services.program_sync.errors import (
    AlreadyACampaignMemberError,
    CampaignNotFoundError,
    InvalidPersonError,
    NotACampaignMemberError,
    SalesforceRefusedError,
    UnknownMemberStatusError,
)


def campaign_member(campaign_id: str, person: str, salesforce: CampaignsPort) -> dict[str, Any]:
    """The "Member of SFDC Campaign" filter: is the person (email or Lead/Contact id) a member,
    and with which status."""
    _require_campaign(campaign_id, salesforce)
    member = _find_member(campaign_id, person, salesforce)
    return {
        "campaign_id": campaign_id,
        "person": person,
        "member": member is not None,
        "status": member.status if member else None,
        "member_id": member.member_id if member else None,
    }


def add_campaign_member(
    campaign_id: str,
    email: str,
    status: str,
    salesforce: CampaignsPort,
    names: Mapping[str, str | None] | None = None,
) -> dict[str, Any]:
    """Add to SFDC Campaign: a person not in Salesforce is created as a Lead first."""
    key = person_key(email)
    if not key or not is_valid_email(key):
        raise InvalidPersonError(f"not a valid email: {email!r}")
    _require_campaign(campaign_id, salesforce)
    _require_status(campaign_id, status, salesforce)
    if _find_member(campaign_id, key, salesforce) is not None:
        raise AlreadyACampaignMemberError(
            f"{key} is already a member of campaign {campaign_id}; change the status instead"
        )
    person_id = salesforce.find_people([key]).get(key)
    created = False
    if person_id is None:
        names = names or {}
        lead = NewLead(key, names.get("first_name"), names.get("last_name"), names.get("company"))
        person_id, created = _created_id(salesforce.create_leads([lead])[key]), True
    result = salesforce.add_members(campaign_id, {key: (person_id, status)})[key]
    _require_success(result)
    return {
        "campaign_id": campaign_id,
        "email": key,
        "person_id": person_id,
        "member_id": result.record_id,
        "status": status,
        "lead_created": created,
    }


def change_member_status(
    campaign_id: str, person: str, status: str, salesforce: CampaignsPort
) -> dict[str, Any]:
    """Change Status in SFDC Campaign."""
    _require_campaign(campaign_id, salesforce)
    _require_status(campaign_id, status, salesforce)
    member = _require_member(campaign_id, person, salesforce)
    if member.status != status:
        _require_success(
            salesforce.set_member_statuses({member.member_id: status})[member.member_id]
        )
    return {
        "campaign_id": campaign_id,
        "person": person,
        "member_id": member.member_id,
        "status": status,
    }


def remove_campaign_member(
    campaign_id: str, person: str, salesforce: CampaignsPort
) -> dict[str, Any]:
    """Remove from SFDC Campaign."""
    _require_campaign(campaign_id, salesforce)
    member = _require_member(campaign_id, person, salesforce)
    (result,) = salesforce.delete_records({member.member_id: member.member_id})
    _require_success(result)
    return {
        "campaign_id": campaign_id,
        "person": person,
        "member_id": member.member_id,
        "removed": True,
    }


def _require_campaign(campaign_id: str, salesforce: CampaignsPort) -> SyncCampaign:
    try:
        campaign = salesforce.read_sync_campaign(campaign_id)
    except ValueError:  # not id-shaped
        campaign = None
    if campaign is None:
        raise CampaignNotFoundError(f"Salesforce campaign {campaign_id} not found")
    return campaign


def _require_status(campaign_id: str, status: str, salesforce: CampaignsPort) -> None:
    labels = salesforce.member_status_labels(campaign_id)
    if status not in labels:
        raise UnknownMemberStatusError(
            f"campaign {campaign_id} has no member status {status!r}; it has: {', '.join(labels)}"
        )


def _find_member(campaign_id: str, person: str, salesforce: CampaignsPort) -> CampaignPerson | None:
    key = person_key(person) if "@" in person else None
    for member in salesforce.campaign_people(campaign_id):
        if member is None:
            continue
        if key is not None and member.email == key:
            return member
        if key is None and member.person_id[:15] == person[:15]:
            return member
    return None


def _require_member(campaign_id: str, person: str, salesforce: CampaignsPort) -> CampaignPerson:
    member = _find_member(campaign_id, person, salesforce)
    if member is None:
        raise NotACampaignMemberError(f"{person} is not a member of campaign {campaign_id}")
    return member


def _require_success(result: RecordResult) -> None:
    if not result.success:
        raise SalesforceRefusedError(f"Salesforce refused: {result.error_code}: {result.message}")


def _created_id(result: RecordResult) -> str:
    """The id of a record Salesforce created (a success always carries one)."""
    _require_success(result)
    if result.record_id is None:
        raise SalesforceRefusedError("Salesforce answered success without the record's id")
    return result.record_id
