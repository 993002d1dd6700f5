"""Act four of the demo: the January conference is attributed on an opportunity that closes in
March, dated by the day the event happened (DESIGN.md, "Attribution";
docs/decisions/0008-attribution-per-person-queue.md)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from emulators.world import World
from scripts.demo_support import calls_spent, deliver_campaign_change, step, table

INFLUENCE_MODEL = "Offline_Event_Dated"  # the locked model salesforce/ ships


def a_campaign_attended(world: World, name: str, kind: str, contact_id: str, dated: str) -> str:
    org = world.org
    campaign_id = org.insert(
        "Campaign",
        {"Name": name, "Type": kind, "Enable_Buyer_Touchpoints__c": "Include All Campaign Members"},
    )
    org.insert(
        "CampaignMember",
        {"CampaignId": campaign_id, "ContactId": contact_id, "Buyer_Touchpoint_Date__c": dated},
    )
    deliver_campaign_change(world, campaign_id)
    return campaign_id


def fourth_act(world: World, conference_id: str, first_step: int) -> None:
    org = world.org
    world.now = org.now = datetime(2026, 4, 2, 9, 0, tzinfo=UTC)
    print("\nAct four: which events earned the deal? Attribution, dated by the event.")

    step(first_step, "A conference visitor becomes a contact, a webinar, a dinner, a won deal")
    org.update_record(  # the conference is counted again (act one ended with it excluded)
        "Campaign",
        conference_id,
        {"Enable_Buyer_Touchpoints__c": "Include Responded Campaign Members"},
    )
    deliver_campaign_change(world, conference_id)
    member = next(
        m
        for m in sorted(org.records("CampaignMember"), key=lambda m: m["Id"])
        if m["CampaignId"] == conference_id and m["HasResponded"] and m.get("LeadId")
    )
    lead = org.get("Lead", member["LeadId"])
    contact_id = org.insert(
        "Contact",
        {
            "LastName": lead["LastName"],
            "Email": lead["Email"],
            "CreatedDate": "2026-03-02T10:00:00.000+0000",  # converted in March
        },
    )
    org.update_record(  # lead conversion, as Salesforce records it
        "Lead",
        lead["Id"],
        {
            "IsConverted": True,
            "ConvertedContactId": contact_id,
            "CreatedDate": "2026-02-05T16:30:00.000+0000",
        },
    )
    org.update_record("CampaignMember", member["Id"], {"ContactId": contact_id})
    deliver_campaign_change(world, conference_id)
    a_campaign_attended(
        world, "February Product Webinar", "Webinar", contact_id, "2026-02-12T16:00:00.000+0000"
    )
    a_campaign_attended(
        world, "March Customer Dinner", "Conference", contact_id, "2026-03-18T19:00:00.000+0000"
    )
    opportunity_id = org.insert(
        "Opportunity",
        {
            "Name": "Acme platform",
            "StageName": "Closed Won",
            "Amount": 84000,
            "CloseDate": "2026-03-31",
            "CreatedDate": "2026-03-05T09:00:00.000+0000",
        },
    )
    org.insert(
        "OpportunityContactRole",
        {"OpportunityId": opportunity_id, "ContactId": contact_id, "IsPrimary": True},
    )
    org.insert(
        "CampaignInfluenceModel",
        {
            "DeveloperName": INFLUENCE_MODEL,
            "MasterLabel": "Offline event dated",
            "IsModelLocked": True,
        },
    )
    before = Counter(org.calls)
    world.attribution.deps.attribution_queue.enqueue_persons([contact_id], "demo")
    world.drain_attribution()
    print(
        f"Lead created 5 February (the conference was loaded then), converted to a contact on "
        f"2 March; opportunity created 5 March, won 31 March for 84,000.\n"
        "Attribution ran from its queue (this person, and the conference's others the recompute\n"
        f"handed over): Salesforce API calls: {calls_spent(org.calls, before)}"
    )

    step(first_step + 1, "The person's path: positions and person-level models")
    campaigns = {c["Id"]: c["Name"] for c in org.records("Campaign")}
    path = sorted(
        (tp for tp in org.records("Buyer_Touchpoint__c") if tp.get("Contact__c") == contact_id),
        key=lambda tp: tp["Touchpoint_Date__c"],
    )
    print(
        table(
            ["touchpoint date", "campaign", "position", "first touch %", "lead creation %", "U %"],
            [
                [
                    tp["Touchpoint_Date__c"][:10],
                    campaigns[tp["Campaign__c"]],
                    tp.get("Touchpoint_Position__c") or "",
                    tp.get("First_Touch_Percent__c"),
                    tp.get("Lead_Creation_Percent__c"),
                    tp.get("U_Shaped_Percent__c"),
                ]
                for tp in path
            ],
        )
    )

    step(first_step + 2, "The opportunity's attribution and Campaign Influence")
    rows = sorted(
        (
            r
            for r in org.records("Buyer_Attribution_Touchpoint__c")
            if r["Opportunity__c"] == opportunity_id
        ),
        key=lambda r: r["Touchpoint_Date__c"],
    )
    print(
        table(
            ["campaign", "position", "W %", "full path %", "linear %", "custom %", "revenue"],
            [
                [
                    campaigns[r["Campaign__c"]],
                    r.get("Touchpoint_Position__c") or "",
                    r["W_Shaped_Percent__c"],
                    r["Full_Path_Percent__c"],
                    r["Linear_Percent__c"],
                    r["Custom_Model_Percent__c"],
                    r["Revenue__c"],
                ]
                for r in rows
            ],
        )
    )
    influence = [
        r for r in org.records("CampaignInfluence") if r["OpportunityId"] == opportunity_id
    ]
    print(
        table(
            ["Campaign Influence (locked model)", "influence %", "revenue share"],
            [
                [campaigns[r["CampaignId"]], r["Influence"], r["RevenueShare"]]
                for r in sorted(influence, key=lambda r: -r["Influence"])
            ],
        )
    )
    print(
        "Salesforce's own models would count the conference from 5 February, the day its members "
        "were added; here it counts from 15 January, the day it happened."
    )
