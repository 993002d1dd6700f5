"""The founding story, end to end, in-process: AWS on moto, Salesforce on the emulator.

A company sponsored a booth at a January conference; 100 people left their details; the campaign
was created in Salesforce three weeks later. The touchpoints must still land on the conference day.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime

from moto import mock_aws

from emulators.api_gateway import admin_request
from emulators.world import World, lambda_context, quiet_powertools
from scripts.demo_attribution import INFLUENCE_MODEL, fourth_act
from scripts.demo_program_sync import second_act
from scripts.demo_scale import third_act
from scripts.demo_support import call_api, calls_spent, deliver_campaign_change, step, table

CONFERENCE_DAY = datetime(2026, 1, 15, tzinfo=UTC)
LOADED_AT = datetime(2026, 2, 5, 16, 30, tzinfo=UTC)  # three weeks after the event
PEOPLE = 100


def load_the_conference(world: World) -> str:
    """100 visitors: 70 attended, 22 only registered, 8 left no usable email."""
    org = world.org
    rng = random.Random(15)
    org.now = LOADED_AT
    campaign_id = org.insert(
        "Campaign",
        {
            "Name": "January Conference 2026",
            "Type": "Conference",
            "Enable_Buyer_Touchpoints__c": None,
        },
    )
    for label, responded in (("Registered", False), ("Attended", True)):
        org.insert(
            "CampaignMemberStatus",
            {"CampaignId": campaign_id, "Label": label, "HasResponded": responded},
        )
    for number in range(1, PEOPLE + 1):
        email = None if number % 12 == 0 else f"visitor{number}@example.com"
        lead_id = org.insert(
            "Lead", {"LastName": f"Visitor {number}", "Company": "Acme", "Email": email}
        )
        status = "Registered" if rng.random() < 0.22 else "Attended"
        org.insert(
            "CampaignMember", {"CampaignId": campaign_id, "LeadId": lead_id, "Status": status}
        )
    return campaign_id


def main() -> None:
    quiet_powertools()
    with mock_aws():
        world = World.create(parameters={"CampaignInfluenceModel": INFLUENCE_MODEL})
        org = world.org
        print("Offline campaign touchpoints: the January conference, told end to end.")
        print(
            "AWS is moto, in-process; Salesforce is the project's emulator over its REST wire protocol."
        )

        step(1, "Members loaded into Salesforce, three weeks after the conference")
        campaign_id = load_the_conference(world)
        members = org.records("CampaignMember")
        leads = {lead["Id"]: lead for lead in org.records("Lead")}
        by_status = Counter(m["Status"] for m in members)
        no_email = sum(1 for m in members if not leads[m["LeadId"]].get("Email"))
        print(
            table(
                [
                    "campaign",
                    "type",
                    "members",
                    "attended",
                    "registered only",
                    "no email",
                    "loaded on",
                ],
                [
                    [
                        "January Conference 2026",
                        "Conference",
                        len(members),
                        by_status["Attended"],
                        by_status["Registered"],
                        no_email,
                        LOADED_AT.date(),
                    ]
                ],
            )
        )

        step(2, "Bulk touchpoint date: preview, then apply the conference day")
        before = Counter(org.calls)
        path = f"/campaigns/{campaign_id}/touchpoint-date"
        body = {"date": CONFERENCE_DAY.date().isoformat(), "filter": {"only_without_date": True}}
        preview = call_api(world, world.bulk_date, "POST", f"{path}/preview", body)
        print(
            table(
                ["preview", "members matched", "already dated", "date"],
                [["", preview["matched"], preview["already_dated"], preview["date"]]],
            )
        )
        applied = call_api(
            world, world.bulk_date, "POST", path, body, {"Idempotency-Key": "jan-conf-1"}
        )
        job = call_api(world, world.bulk_date, "GET", f"/jobs/{applied['job_id']}")
        progress = job["progress"]
        print(
            table(
                ["job", "state", "matched", "updated", "failed", "started by"],
                [
                    [
                        job["job_id"][:8],
                        job["state"],
                        progress["matched"],
                        progress["updated"],
                        progress["failed"],
                        job["requested_by"].rsplit(":", 1)[-1],
                    ]
                ],
            )
        )
        print(f"Salesforce API calls: {calls_spent(org.calls, before)}")
        slip = {"date": "2026-01-16", "filter": {}}
        wrong = call_api(world, world.bulk_date, "POST", path, slip, {"Idempotency-Key": "oops"})
        undone = call_api(world, world.bulk_date, "POST", f"/jobs/{wrong['job_id']}/undo")
        dates = Counter(m["Buyer_Touchpoint_Date__c"][:10] for m in org.records("CampaignMember"))
        print(
            f"A slip (16 January applied to all, job {wrong['job_id'][:8]}) is undone by job "
            f"{undone['job_id'][:8]} ({undone['state']}): members dated {dict(dates)}"
        )

        step(3, "Admin sets Enable Buyer Touchpoints = Include Responded Campaign Members")
        world.now = org.now = datetime(2026, 2, 6, 9, 0, tzinfo=UTC)
        org.update_record(
            "Campaign",
            campaign_id,
            {"Enable_Buyer_Touchpoints__c": "Include Responded Campaign Members"},
        )
        before = Counter(org.calls)
        reply = deliver_campaign_change(world, campaign_id)
        print(
            f"Outbound message delivered to the webhook: HTTP {reply['statusCode']}, "
            f"ack={'<Ack>true</Ack>' in reply['body']}"
        )
        print(
            f"Recompute ran from the queue; Salesforce API calls: {calls_spent(org.calls, before)}"
        )

        step(4, "Touchpoints in Salesforce")
        touchpoints = sorted(org.records("Buyer_Touchpoint__c"), key=lambda tp: tp["Email__c"])
        print(
            table(
                ["email", "touchpoint date", "channel", "medium", "source"],
                [
                    [
                        tp["Email__c"],
                        tp["Touchpoint_Date__c"],
                        tp["Marketing_Channel_Path__c"],
                        tp["Medium__c"],
                        tp["Touchpoint_Source__c"],
                    ]
                    for tp in touchpoints[:8]
                ],
            )
        )
        dates = Counter(tp["Touchpoint_Date__c"][:10] for tp in touchpoints)
        print(f"... {len(touchpoints)} touchpoints, dated: {dict(dates)}")
        status = call_api(world, world.sync_status, "GET", f"/campaigns/{campaign_id}/sync-status")
        print(table(["member outcome", "members"], sorted(status["statuses"].items())))
        report = world.sync_status.lambda_handler(
            admin_request("GET", f"/campaigns/{campaign_id}/sync-status", query={"format": "csv"}),
            lambda_context("sync-status"),
        )["body"].splitlines()
        print(f"GET /campaigns/{{id}}/sync-status?format=csv: {len(report) - 1} rows, e.g.")
        print("\n".join(f"  {line}" for line in report[:3]))

        step(5, "Nothing duplicated when Salesforce delivers the same message again")
        before = Counter(org.calls)
        deliver_campaign_change(world, campaign_id)
        print(
            f"Touchpoints after a replay: {len(org.records('Buyer_Touchpoint__c'))}; "
            f"Salesforce API calls: {calls_spent(org.calls, before)}"
        )

        step(6, "Admin switches the campaign to Exclude All Campaign Members")
        org.update_record(
            "Campaign", campaign_id, {"Enable_Buyer_Touchpoints__c": "Exclude All Campaign Members"}
        )
        world.now = org.now = datetime(2026, 2, 6, 10, 0, tzinfo=UTC)
        before = Counter(org.calls)
        deliver_campaign_change(world, campaign_id)
        print(f"Touchpoints left for the campaign: {len(org.records('Buyer_Touchpoint__c'))}")
        print(f"Salesforce API calls: {calls_spent(org.calls, before)}")
        status = call_api(world, world.sync_status, "GET", f"/campaigns/{campaign_id}/sync-status")
        print(table(["member outcome", "members"], sorted(status["statuses"].items())))

        second_act(world, campaign_id, first_step=7)
        third_act(world, first_step=13)
        fourth_act(world, campaign_id, first_step=14)


if __name__ == "__main__":
    main()
