"""Builders and drivers for the program sync tests: a Marketo program and a Salesforce campaign
with matching statuses, admin API calls through the handler, and the events it published."""

from __future__ import annotations

import json
from typing import Any

from emulators.api_gateway import admin_request
from emulators.world import World, event, lambda_context

CHANNEL = "Conference"
STATUSES = (("Invited", 10), ("Registered", 20), ("Attended", 30, True), ("No Show", 30))
COSTS = (
    {"startDate": "2026-01-01", "cost": 12000, "note": "booth"},
    {"startDate": "2026-01-01", "cost": 3500.5},
)


def a_program(world: World, name: str = "January Conference 2026", costs=COSTS) -> int:
    world.mkto.add_channel(CHANNEL, STATUSES)
    return world.mkto.add_program(name, CHANNEL, costs)


def a_campaign(world: World, labels=None, name: str = "January Conference 2026") -> str:
    """A campaign whose member statuses are `labels` (by default the channel's), replacing the
    Sent/Responded every new campaign starts with."""
    org = world.org
    campaign_id = org.insert(
        "Campaign",
        {
            "Name": name,
            "Type": "Event",
            "Enable_Buyer_Touchpoints__c": "Include Responded Campaign Members",
        },
    )
    labels = [s[0] for s in STATUSES] if labels is None else labels
    for status in org.records("CampaignMemberStatus"):
        if status["CampaignId"] == campaign_id and status["Label"] not in labels:
            org.delete_record("CampaignMemberStatus", status["Id"])
    for order, label in enumerate(labels, start=1):
        org.insert(
            "CampaignMemberStatus",
            {
                "CampaignId": campaign_id,
                "Label": label,
                "HasResponded": label == "Attended",
                "IsDefault": order == 1,
                "SortOrder": order,
            },
        )
    return campaign_id


def a_lead(world: World, email: str, **fields: Any) -> str:
    record = {"LastName": email.split("@")[0].title(), "Company": "Acme", "Email": email}
    return world.org.insert("Lead", {**record, **fields})


def sf_member(world: World, campaign_id: str, email: str, status: str) -> str:
    """A campaign member in Salesforce (its lead created if needed)."""
    leads = [lead["Id"] for lead in world.org.records("Lead") if lead.get("Email") == email]
    lead_id = leads[0] if leads else a_lead(world, email)
    return world.org.insert(
        "CampaignMember", {"CampaignId": campaign_id, "LeadId": lead_id, "Status": status}
    )


def mkto_member(world: World, program_id: int, email: str, status: str, **fields: Any) -> int:
    lead = world.mkto.lead_by_email(email)
    lead_id = lead["id"] if lead else world.mkto.add_lead(email, **fields)
    world.mkto.set_member(program_id, lead_id, status)
    return lead_id


def sf_statuses(world: World, campaign_id: str) -> dict[str, str]:
    """email -> member status, as Salesforce has them."""
    people = {r["Id"]: r.get("Email") for r in world.org.records("Lead")}
    people |= {r["Id"]: r.get("Email") for r in world.org.records("Contact")}
    return {
        people[m.get("ContactId") or m["LeadId"]]: m["Status"]
        for m in world.org.records("CampaignMember")
        if m["CampaignId"] == campaign_id
    }


def sf_member_id(world: World, campaign_id: str, email: str) -> str:
    people = {r["Id"]: r.get("Email") for r in world.org.records("Lead")}
    for member in world.org.records("CampaignMember"):
        if member["CampaignId"] == campaign_id and people.get(member["LeadId"]) == email:
            return member["Id"]
    raise AssertionError(f"{email} is not a member")


# -- driving the handler -----------------------------------------------------------------------


def call(world: World, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    reply = world.program_sync_api.lambda_handler(
        admin_request(method, path, body), lambda_context("program-sync-api")
    )
    return reply["statusCode"], json.loads(reply["body"])


def link(world: World, program_id: int, campaign_id: str) -> tuple[int, dict]:
    return call(world, "PUT", f"/programs/{program_id}/campaign", {"campaign_id": campaign_id})


def sync(world: World, program_id: int) -> dict:
    status, body = call(world, "POST", f"/programs/{program_id}/sync")
    assert status == 200, body
    assert body["completed"], body
    return body


def scheduled_run(world: World) -> dict:
    """The EventBridge Scheduler invocation (template.yaml: Input '{"sync": "all"}')."""
    return world.program_sync.lambda_handler(
        event("schedule-program-sync.json"), lambda_context("program-sync")
    )


class EventTap:
    """An EventBridge rule on the default bus sending the program sync's events to a queue."""

    def __init__(self, world: World) -> None:
        self.sqs = world.session.client("sqs")
        events = world.session.client("events")
        self.queue_url = self.sqs.create_queue(QueueName="program-sync-events")["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        events.put_rule(
            Name="program-sync-tap",
            EventPattern=json.dumps({"source": ["offline-touchpoints.program-sync"]}),
        )
        events.put_targets(Rule="program-sync-tap", Targets=[{"Id": "queue", "Arn": arn}])

    def drain(self) -> list[dict[str, Any]]:
        received = []
        while True:
            reply = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10)
            messages = reply.get("Messages", [])
            if not messages:
                return received
            for message in messages:
                received.append(json.loads(message["Body"]))
                self.sqs.delete_message(
                    QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"]
                )
