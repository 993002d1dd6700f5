"""Outbound messages about other objects: an outbound message can be defined on any object
(Salesforce Help, "Outbound Messaging",
https://help.salesforce.com/s/articleView?id=sf.workflow_managing_outbound_messages.htm), and an
Opportunity's carries its CampaignId (primary campaign source). Only Campaign and CampaignMember
notifications are acted on; others are acknowledged (Salesforce would retry for 24 hours
otherwise) and counted, and change nothing."""

from __future__ import annotations

import json

from emulators.outbound_messages import next_notification_id
from tests.integration.seeds import a_campaign, member_notifications, members
from tests.integration.test_webhook_hardening import (
    log_lines,  # noqa: F401 - the fixture, used by name
    metrics,
    new_items,
    queued,
    state,
)
from touchpoints.rules.salesforce_ids import canonical_id

OPPORTUNITY_ID = canonical_id("0065g00000AbCdE")


def test_an_opportunity_notification_carrying_a_campaign_id_is_acknowledged_and_not_acted_on(
    world,
    capsys,
    log_lines,  # noqa: F811
):
    org = world.org
    opportunity_campaign = a_campaign(org, Name="Opportunity source")
    members(org, opportunity_campaign, 2)
    member_campaign = a_campaign(org, Name="Members")
    [member] = members(org, member_campaign, 1, start=10)
    opportunity = (
        next_notification_id(),
        "Opportunity",
        {
            "Id": OPPORTUNITY_ID,
            "CampaignId": opportunity_campaign,
            "SystemModstamp": "2026-02-05T16:40:00.000Z",
        },
    )
    before = state(world)

    reply = world.deliver(world.message([opportunity, *member_notifications(org, [member])]))

    assert reply["statusCode"] == 200
    assert "notificationsResponse" in reply["body"]  # the ack: Salesforce stops retrying
    assert queued(world) == [(member_campaign, member_campaign)]  # only the member's campaign
    assert {item["PK"] for item in new_items(world, before)} == {
        f"RECORD#{member}",
        "IDEMPOTENCY#webhook",
    }
    assert world.org.total_calls == before["salesforce_calls"]
    counted = metrics(capsys)
    assert (counted["WebhookOtherObject"], counted["WebhookAccepted"]) == (1, 1)
    [accepted] = [json.loads(line) for line in log_lines if "outbound message accepted" in line]
    assert accepted["outbound_message"]["other_object_notifications"] == ["Opportunity"]


def test_a_message_of_only_other_objects_changes_nothing(world, capsys):
    campaign_id = a_campaign(world.org)
    notification = (
        next_notification_id(),
        "Opportunity",
        {"Id": OPPORTUNITY_ID, "CampaignId": campaign_id},
    )
    before = state(world)

    reply = world.deliver(world.message([notification]))

    assert reply["statusCode"] == 200
    assert state(world) == before
    assert metrics(capsys)["WebhookOtherObject"] == 1
