"""An org whose touchpoint object and fields carry another prefix (a managed package's
`bizible2__` names), configured through the template parameter SalesforceFieldNames only.

The integration user holds the permission set `make salesforce-metadata` generates for those names,
and nothing else: a field named the shipped way would be refused as "No such column".
"""

from __future__ import annotations

import json
from dataclasses import fields, replace

import pytest
from moto import mock_aws

from emulators.outbound_messages import record_notifications
from emulators.world import PERMISSION_SET, World
from scripts.salesforce_metadata import SAMPLE, outbound_message_fields, renamed_permission_set
from tests.integration.seeds import members
from touchpoints.settings import CampaignFields, TouchpointFields, parse_field_names

PREFIX = "bizible2__"
NAMES = {
    "touchpoint": {
        f.name: PREFIX + getattr(TouchpointFields(), f.name) for f in fields(TouchpointFields)
    },
    "campaign": {
        f.name: PREFIX + getattr(CampaignFields(), f.name) for f in fields(CampaignFields)
    },
}
TOUCHPOINT, CAMPAIGN = parse_field_names(json.dumps(NAMES))


@pytest.fixture
def prefixed_world(tmp_path):
    permission_set = tmp_path / "permissionsets" / PERMISSION_SET.name
    permission_set.parent.mkdir()
    permission_set.write_text(
        renamed_permission_set(PERMISSION_SET.read_text(), TOUCHPOINT, CAMPAIGN)
    )
    with mock_aws():
        yield World.create(
            parameters={"SalesforceFieldNames": json.dumps(NAMES)}, permission_set=permission_set
        )


def a_prefixed_campaign(org, mode: str) -> str:
    campaign_id = org.insert(
        "Campaign", {"Name": "January Conference", "Type": "Conference", CAMPAIGN.sync_mode: mode}
    )
    for label, responded in (("Registered", False), ("Attended", True)):
        org.insert(
            "CampaignMemberStatus",
            {"CampaignId": campaign_id, "Label": label, "HasResponded": responded},
        )
    return campaign_id


def deliver_campaign(world: World, campaign_id: str) -> dict:
    """The Campaign outbound message as generated for this stack's names."""
    facts = replace(SAMPLE, campaign_fields=CAMPAIGN)
    notification = record_notifications(
        "Campaign",
        [world.org.get("Campaign", campaign_id)],
        outbound_message_fields(facts)["Campaign"],
    )
    return world.deliver(world.message(notification))


def test_every_function_is_deployed_with_the_configured_names(prefixed_world):
    for function in (prefixed_world.webhook, prefixed_world.recompute, prefixed_world.bulk_date):
        assert function.settings.touchpoint_fields == TOUCHPOINT
        assert function.settings.campaign_fields == CAMPAIGN


def test_a_prefixed_org_gets_its_touchpoints_and_loses_them_when_excluded(prefixed_world):
    world, org = prefixed_world, prefixed_world.org
    campaign_id = a_prefixed_campaign(org, "Include Responded Campaign Members")
    attended = members(org, campaign_id, 3, status="Attended")
    members(org, campaign_id, 2, status="Registered", start=100)
    org.update_record(
        "CampaignMember",
        attended[0],
        {CAMPAIGN.member_touchpoint_date: "2026-01-15T09:00:00.000+0000"},
    )

    reply = deliver_campaign(world, campaign_id)
    assert reply["statusCode"] == 200
    world.drain_queue()

    touchpoints = org.records(TOUCHPOINT.sobject)
    assert sorted(tp[TOUCHPOINT.campaign_member_id] for tp in touchpoints) == sorted(attended)
    assert {tp[TOUCHPOINT.channel_path] for tp in touchpoints} == {"Offline Event.Conference"}
    assert {tp[TOUCHPOINT.source] for tp in touchpoints} == {"CRM Campaign"}
    dated = next(tp for tp in touchpoints if tp[TOUCHPOINT.campaign_member_id] == attended[0])
    assert dated[TOUCHPOINT.touchpoint_date].startswith("2026-01-15T09:00:00")
    assert len({tp[TOUCHPOINT.key] for tp in touchpoints}) == 3
    assert org.records("Buyer_Touchpoint__c") == []

    org.update_record("Campaign", campaign_id, {CAMPAIGN.sync_mode: "Exclude All Campaign Members"})
    deliver_campaign(world, campaign_id)
    world.drain_queue()
    assert org.records(TOUCHPOINT.sobject) == []
