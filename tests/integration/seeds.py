"""Builders for Salesforce data on the emulator: campaigns, leads, contacts and their members."""

from __future__ import annotations

from typing import Any

from emulators.outbound_messages import CAMPAIGN_FIELDS, MEMBER_FIELDS, record_notifications


def a_campaign(org, mode: str | None = "Include All Campaign Members", **fields: Any) -> str:
    record = {
        "Name": "January Conference",
        "Type": "Conference",
        "Enable_Buyer_Touchpoints__c": mode,
    }
    record.update(fields)
    campaign_id = org.insert("Campaign", record)
    for label, responded in (("Registered", False), ("Attended", True)):
        org.insert(
            "CampaignMemberStatus",
            {"CampaignId": campaign_id, "Label": label, "HasResponded": responded},
        )
    return campaign_id


def a_lead(org, number: int, email: str | None = "default") -> str:
    if email == "default":
        email = f"person{number}@example.com"
    return org.insert("Lead", {"LastName": f"Person {number}", "Company": "Acme", "Email": email})


def members(
    org, campaign_id: str, count: int, status: str = "Attended", start: int = 1, **fields
) -> list[str]:
    """`count` leads, each a member of the campaign with `status`."""
    ids = []
    for number in range(start, start + count):
        lead_id = a_lead(org, number)
        record = {"CampaignId": campaign_id, "LeadId": lead_id, "Status": status, **fields}
        ids.append(org.insert("CampaignMember", record))
    return ids


def campaign_notification(org, campaign_id: str) -> list:
    return record_notifications("Campaign", [org.get("Campaign", campaign_id)], CAMPAIGN_FIELDS)


def member_notifications(org, member_ids: list[str]) -> list:
    return record_notifications(
        "CampaignMember", [org.get("CampaignMember", m) for m in member_ids], MEMBER_FIELDS
    )


EARLIER_DATE = "2026-01-10T09:00:00.000+0000"  # a date some members already carry


def a_mixed_campaign(org, mode: str | None = "Include All Campaign Members") -> str:
    """A campaign whose 16 members differ in everything the bulk date filter looks at: attended
    (responded) or only registered, added on 1 or on 20 February, with or without a date."""
    campaign_id = a_campaign(org, mode)
    number = 1
    for status in ("Attended", "Registered"):
        for created in ("2026-02-01T10:00:00.000+0000", "2026-02-20T10:00:00.000+0000"):
            for dated in (None, EARLIER_DATE):
                fields = {"CreatedDate": created, "Buyer_Touchpoint_Date__c": dated}
                members(org, campaign_id, 2, status=status, start=number, **fields)
                number += 2
    return campaign_id


def member_dates(org, campaign_id: str) -> dict[str, str | None]:
    """Each member's Buyer_Touchpoint_Date__c as Salesforce holds it."""
    return {
        m["Id"]: m.get("Buyer_Touchpoint_Date__c")
        for m in org.records("CampaignMember")
        if m["CampaignId"] == campaign_id
    }
