"""CampaignWebhookFunction through its handler, with moto and the emulator."""

import base64
import json
from datetime import timedelta

import pytest

from emulators.outbound_messages import next_notification_id, outbound_message
from emulators.world import ORG_ID, event, lambda_context
from tests.integration.aws_faults import fail_batch_entries
from tests.integration.seeds import a_campaign, campaign_notification, member_notifications, members

ACK = (
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>'
    '<notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound"><Ack>true</Ack>'
    "</notificationsResponse></soapenv:Body></soapenv:Envelope>"
)


def queued_campaigns(world):
    sqs = world.session.client("sqs")
    bodies = []
    while True:
        reply = sqs.receive_message(QueueUrl=world.queue_url, MaxNumberOfMessages=10)
        if not reply.get("Messages"):
            return bodies
        for message in reply["Messages"]:
            bodies.append(json.loads(message["Body"])["campaign_id"])
            sqs.delete_message(QueueUrl=world.queue_url, ReceiptHandle=message["ReceiptHandle"])


def test_the_ack_is_the_exact_soap_shape_salesforce_expects(world):
    campaign_id = a_campaign(world.org)
    reply = world.deliver(world.message(campaign_notification(world.org, campaign_id)))
    assert reply["statusCode"] == 200
    assert reply["headers"]["Content-Type"].startswith("text/xml")
    assert reply["body"] == '<?xml version="1.0" encoding="UTF-8"?>' + ACK


def test_the_sample_event_enqueues_its_campaign(world):
    reply = world.webhook.lambda_handler(event("outbound-campaign-created.json"), lambda_context())
    assert reply["statusCode"] == 200
    assert queued_campaigns(world) == ["7015w000000XXXXAA4"]


def test_the_same_message_ten_times_enqueues_one_recompute_and_one_set_of_touchpoints(world):
    campaign_id = a_campaign(world.org)
    members(world.org, campaign_id, 3)
    message = world.message(campaign_notification(world.org, campaign_id))
    for _ in range(10):
        assert world.deliver(message)["statusCode"] == 200
    assert world.queue_depth() == 1
    world.drain_queue()
    assert len(world.touchpoints()) == 3


def test_a_member_notification_recomputes_its_campaign(world):
    campaign_id = a_campaign(world.org)
    member_ids = members(world.org, campaign_id, 2)
    world.deliver(world.message(member_notifications(world.org, member_ids)))
    assert queued_campaigns(world) == [campaign_id]


def test_a_notification_without_a_record_is_acknowledged_and_recorded(world):
    reply = world.deliver(world.message([(next_notification_id(), None, {})]))
    assert reply["statusCode"] == 200
    assert world.queue_depth() == 0
    assert any(item["PK"].startswith("NOTIFICATION#") for item in world.table_items())


def test_hundred_notifications_over_37_campaigns_give_37_recomputes_and_one_ack(world):
    org = world.org
    campaign_ids = [a_campaign(org, Name=f"Event {n}") for n in range(37)]
    notifications = []
    for index in range(100):
        notifications += campaign_notification(org, campaign_ids[index % 37])
    reply = world.deliver(world.message(notifications))
    assert reply["statusCode"] == 200
    assert sorted(queued_campaigns(world)) == sorted(campaign_ids)


def test_notifications_delivered_newest_first_leave_the_newest_state(world):
    org = world.org
    campaign_id = a_campaign(org, "Include All Campaign Members")
    members(org, campaign_id, 2)
    old = campaign_notification(org, campaign_id)
    org.now = world.now = org.now + timedelta(hours=1)  # both clocks move on
    org.update_record(
        "Campaign", campaign_id, {"Enable_Buyer_Touchpoints__c": "Exclude All Campaign Members"}
    )
    new = campaign_notification(org, campaign_id)

    world.deliver(world.message(new))
    world.drain_queue()
    reply = world.deliver(world.message(old))
    assert reply["statusCode"] == 200
    assert world.queue_depth() == 0  # the stale notification is acknowledged and ignored
    world.drain_queue()
    assert world.touchpoints() == []


@pytest.mark.handler_errors_expected  # the first delivery answers 500 and logs why
def test_a_failed_enqueue_returns_500_and_the_retry_does_not_duplicate(world, monkeypatch):
    org = world.org
    first, second = a_campaign(org, Name="First"), a_campaign(org, Name="Second")
    message = world.message(campaign_notification(org, first) + campaign_notification(org, second))
    fail_batch_entries(monkeypatch, lambda entry: entry["MessageGroupId"] == second)

    reply = world.deliver(message)
    assert reply["statusCode"] == 500
    assert "<soapenv:Fault>" in reply["body"]
    assert queued_campaigns(world) == [first]

    monkeypatch.undo()
    assert world.deliver(message)["statusCode"] == 200
    assert queued_campaigns(world) == [second]


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>&lol2;</soapenv:Body></soapenv:Envelope>"""
EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>&xxe;</soapenv:Body></soapenv:Envelope>"""
WRONG_NAMESPACE = outbound_message(ORG_ID, []).replace(
    "http://soap.sforce.com/2005/09/outbound", "http://example.com/other"
)


def too_many_notifications():
    return outbound_message(
        ORG_ID, [(next_notification_id(), "Campaign", {"Id": "7015w000000XXXXAA4"})] * 101
    )


@pytest.mark.parametrize(
    ("body", "token", "status"),
    [
        ("this is not xml", "demo-outbound-token", 400),
        ("<a><b></a>", "demo-outbound-token", 400),
        ('<?xml version="1.0"?><html/>', "demo-outbound-token", 400),
        (WRONG_NAMESPACE, "demo-outbound-token", 400),
        (BILLION_LAUGHS, "demo-outbound-token", 400),
        (EXTERNAL_ENTITY, "demo-outbound-token", 400),
        ("<x>" + "a" * 1_000_001 + "</x>", "demo-outbound-token", 400),
        ("TOO_MANY", "demo-outbound-token", 400),
        ("UNKNOWN_ORG", "demo-outbound-token", 403),
        ("GOOD", None, 403),
        ("GOOD", "wrong-token", 403),
    ],
)
def test_hostile_or_wrong_input_is_refused_and_changes_nothing(world, body, token, status):
    good = world.message([(next_notification_id(), "Campaign", {"Id": "7015w000000XXXXAA4"})])
    body = {
        "TOO_MANY": too_many_notifications(),
        "UNKNOWN_ORG": good.replace(ORG_ID, "00D000000000001AAA"),
        "GOOD": good,
    }.get(body, body)
    items_before = world.table_items()
    reply = world.deliver(body, token=token)
    assert reply["statusCode"] == status
    assert "<faultstring>" in reply["body"]
    assert world.table_items() == items_before
    assert world.queue_depth() == 0


def test_the_org_id_is_compared_in_its_18_character_form(world):
    """Salesforce SOAP API Developer Guide, "Field Types" (ID): the 18-character id is
    case-insensitive, the 15-character one case-sensitive
    (http://www.salesforce.com/us/developer/docs/api/Content/field_types.htm)."""
    good = world.message([(next_notification_id(), "Campaign", {"Id": "7015w000000XXXXAA4"})])
    assert world.deliver(good.replace(ORG_ID, ORG_ID.lower()))["statusCode"] == 200
    assert world.deliver(good.replace(ORG_ID, ORG_ID[:15]))["statusCode"] == 200
    assert world.deliver(good.replace(ORG_ID, ORG_ID[:15].lower()))["statusCode"] == 403
    assert world.queue_depth() == 1  # the same notification, accepted twice, enqueued once


def test_a_base64_encoded_body_is_accepted(world):
    campaign_id = a_campaign(world.org)
    xml = world.message(campaign_notification(world.org, campaign_id))
    encoded = base64.b64encode(xml.encode()).decode()
    reply = world.deliver(encoded, isBase64Encoded=True)
    assert reply["statusCode"] == 200
    assert queued_campaigns(world) == [campaign_id]


def test_a_body_that_is_not_base64_is_refused(world):
    assert world.deliver("%%%not-base64%%%", isBase64Encoded=True)["statusCode"] == 400


def test_sample_events_for_every_outbound_shape_are_accepted(world):
    """events/: created, excluded, member status changed, 100 notifications, deleted record."""
    expected_campaigns = {
        "outbound-campaign-created.json": 1,
        "outbound-campaign-excluded.json": 1,
        "outbound-member-status-changed.json": 1,
        "outbound-100-notifications.json": 37,
        "outbound-deleted-record.json": 0,
    }
    for name, campaigns in expected_campaigns.items():
        reply = world.webhook.lambda_handler(event(name), lambda_context())
        assert reply["statusCode"] == 200, name
        assert len(set(queued_campaigns(world))) == campaigns, name
