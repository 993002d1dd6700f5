"""The whole path: outbound message → webhook → SQS → recompute → touchpoints in Salesforce."""

from tests.integration.seeds import a_campaign, campaign_notification, members

ACK = "<Ack>true</Ack>"


def test_outbound_message_becomes_touchpoints_and_exclude_removes_them(world):
    org = world.org
    campaign_id = a_campaign(org, "Include Responded Campaign Members", Type="Conference")
    attended = members(org, campaign_id, 5, status="Attended")
    members(org, campaign_id, 3, status="Registered", start=100)

    reply = world.deliver(world.message(campaign_notification(org, campaign_id)))
    assert reply["statusCode"] == 200
    assert ACK in reply["body"]
    world.drain_queue()

    touchpoints = world.touchpoints()
    assert sorted(tp["Campaign_Member_Id__c"] for tp in touchpoints) == sorted(attended)
    assert {tp["Marketing_Channel_Path__c"] for tp in touchpoints} == {"Offline Event.Conference"}
    assert {tp["Touchpoint_Source__c"] for tp in touchpoints} == {"CRM Campaign"}

    org.update_record(
        "Campaign", campaign_id, {"Enable_Buyer_Touchpoints__c": "Exclude All Campaign Members"}
    )
    world.deliver(world.message(campaign_notification(org, campaign_id)))
    world.drain_queue()
    assert world.touchpoints() == []


def test_a_replayed_message_creates_no_duplicate(world):
    org = world.org
    campaign_id = a_campaign(org)
    members(org, campaign_id, 4)
    message = world.message(campaign_notification(org, campaign_id))

    for _ in range(3):
        assert world.deliver(message)["statusCode"] == 200
        world.drain_queue()

    assert len(world.touchpoints()) == 4
    assert len({tp["Touchpoint_Key__c"] for tp in world.touchpoints()}) == 4
