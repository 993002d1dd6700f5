"""ChangeEventFunction through its handler: Change Data Capture events as Event Relay puts them on
the partner event bus (emulators/change_events.py), the template's rule, moto for AWS, the
emulator for Salesforce; then the recompute handler, and the touchpoints as Salesforce holds them.

Each row of DESIGN's "Changes the org does not announce" has its CDC test here: the change is made
in the org, the events Salesforce publishes for it are relayed, and the touchpoints are right
after the recomputes they ask for, with nothing else changed."""

import json

import pytest
from moto import mock_aws

from emulators.change_events import change_event, transaction_key
from emulators.template_stack import load_template
from emulators.world import CHANGE_EVENT_SOURCE, ORG_ID, World, event, lambda_context
from tests.integration.seeds import a_campaign, a_lead, members
from tests.integration.test_touchpoint_recompute import recompute
from tests.integration.test_webhook_hardening import metrics
from touchpoints.errors import SalesforceUnavailableError

OTHER_ORG = "00D5w000009zZZZEAA"


@pytest.fixture
def world():
    with mock_aws():
        yield World.create(parameters={"ChangeEventSourceName": CHANGE_EVENT_SOURCE})


def relay(world, entity, change_type, ids=(), transaction=None, **fields):
    """Salesforce publishes the change; Event Relay puts it on the bus; the rule invokes us."""
    change = change_event(
        ORG_ID,
        entity,
        change_type,
        ids,
        committed_at=world.org.now,
        fields=fields or None,
        transaction=transaction,
    )
    return world.relay(change)


def touchpoints(world):
    """The touchpoints Salesforce holds, by campaign member, as (lead, contact, email)."""
    f = world.touchpoint_fields
    return {
        t[f.campaign_member_id]: (t[f.lead], t[f.contact], t[f.email]) for t in world.touchpoints()
    }


def queued(world):
    """The recompute requests on the queue, by campaign; they stay queued."""
    sqs = world.session.client("sqs")
    bodies, handles = {}, []
    while reply := sqs.receive_message(QueueUrl=world.queue_url, MaxNumberOfMessages=10).get(
        "Messages"
    ):
        for message in reply:
            body = json.loads(message["Body"])
            bodies[body["campaign_id"]] = body
            handles.append(message["ReceiptHandle"])
    for handle in handles:
        sqs.change_message_visibility(
            QueueUrl=world.queue_url, ReceiptHandle=handle, VisibilityTimeout=0
        )
    return bodies


def synced_campaign_with_touchpoints(world, count=3):
    """A synced campaign of `count` new leads, recomputed: each member has its touchpoint."""
    campaign_id = a_campaign(world.org)
    member_ids = members(world.org, campaign_id, count, start=len(world.org.records("Lead")) + 1)
    recompute(world, campaign_id)
    assert set(member_ids) <= set(touchpoints(world))
    return campaign_id, member_ids


# -- the rows of DESIGN's table, through CDC -------------------------------------------------


def test_a_deleted_member_loses_its_touchpoint_within_one_event(world):
    campaign_id, (gone, *kept) = synced_campaign_with_touchpoints(world)
    before = touchpoints(world)
    world.org.delete_record("CampaignMember", gone)

    reply = relay(world, "CampaignMember", "DELETE", [gone])
    world.drain_queue()

    assert reply["outcome"] == "enqueued"
    assert reply["campaign_ids"] == [campaign_id]
    assert touchpoints(world) == {m: before[m] for m in kept}


def test_a_deleted_campaign_loses_its_touchpoints_and_gets_them_back_when_undeleted(world):
    campaign_id, member_ids = synced_campaign_with_touchpoints(world)
    other_id, _ = synced_campaign_with_touchpoints(world, 2)
    before = touchpoints(world)
    world.org.delete_record("Campaign", campaign_id)  # its members go with it

    relay(world, "Campaign", "DELETE", [campaign_id])
    world.drain_queue()

    assert set(touchpoints(world)) == set(before) - set(member_ids)
    world.org.undelete_record("Campaign", campaign_id)  # its members come back with it
    reply = relay(world, "Campaign", "UNDELETE", [campaign_id], Name="January Conference")
    world.drain_queue()

    assert reply["campaign_ids"] == [campaign_id]
    assert touchpoints(world) == before
    assert other_id not in reply["campaign_ids"]


def test_an_undeleted_member_gets_its_touchpoint_back(world):
    campaign_id, (member_id, *_) = synced_campaign_with_touchpoints(world)
    before = touchpoints(world)
    world.org.delete_record("CampaignMember", member_id)
    relay(world, "CampaignMember", "DELETE", [member_id])
    world.drain_queue()
    world.org.undelete_record("CampaignMember", member_id)

    relay(world, "CampaignMember", "UNDELETE", [member_id], CampaignId=campaign_id)
    world.drain_queue()

    assert touchpoints(world) == before


def test_an_email_added_to_a_lead_gives_its_member_a_touchpoint(world):
    campaign_id = a_campaign(world.org)
    lead_id = a_lead(world.org, 7, email=None)
    member_id = world.org.insert(
        "CampaignMember", {"CampaignId": campaign_id, "LeadId": lead_id, "Status": "Attended"}
    )
    recompute(world, campaign_id)
    assert touchpoints(world) == {}
    world.org.update_record("Lead", lead_id, {"Email": "ada@example.com"})

    relay(world, "Lead", "UPDATE", [lead_id], Email="ada@example.com")
    world.drain_queue()

    assert touchpoints(world) == {member_id: (lead_id, None, "ada@example.com")}


def test_a_contact_whose_email_is_removed_loses_its_touchpoint(world):
    campaign_id = a_campaign(world.org)
    contact_id = world.org.insert("Contact", {"LastName": "Ng", "Email": "ng@example.com"})
    world.org.insert(
        "CampaignMember", {"CampaignId": campaign_id, "ContactId": contact_id, "Status": "Sent"}
    )
    recompute(world, campaign_id)
    assert len(touchpoints(world)) == 1
    world.org.update_record("Contact", contact_id, {"Email": None})

    relay(world, "Contact", "UPDATE", [contact_id], Email=None)
    world.drain_queue()

    assert touchpoints(world) == {}


def test_a_converted_lead_s_touchpoint_names_its_contact(world):
    _, (member_id, *_) = synced_campaign_with_touchpoints(world, 1)
    lead_id = world.org.get("CampaignMember", member_id)["LeadId"]
    contact_id = world.org.insert("Contact", {"LastName": "Person 1", "Email": "p1@example.com"})
    # Conversion: the lead is marked converted, its memberships gain the contact.
    world.org.update_record("CampaignMember", member_id, {"ContactId": contact_id})
    world.org.update_record("Lead", lead_id, {"IsConverted": True})
    transaction = transaction_key()

    relay(world, "Lead", "UPDATE", [lead_id], transaction, IsConverted=True)
    relay(world, "CampaignMember", "UPDATE", [member_id], transaction, ContactId=contact_id)
    world.drain_queue()

    assert touchpoints(world) == {member_id: (lead_id, contact_id, "p1@example.com")}


def test_a_merged_lead_s_membership_moves_to_the_master_and_its_touchpoint_follows(world):
    campaign_id = a_campaign(world.org)
    master_id = a_lead(world.org, 1)
    loser_id = a_lead(world.org, 2)
    member_id = world.org.insert(
        "CampaignMember", {"CampaignId": campaign_id, "LeadId": loser_id, "Status": "Sent"}
    )
    recompute(world, campaign_id)
    world.org.merge_records("Lead", master_id, loser_id)  # the membership moves to the master

    reply = relay(world, "Lead", "DELETE", [loser_id])  # the losing record is deleted
    world.drain_queue()

    assert reply["campaign_ids"] == [campaign_id]
    assert world.org.get("CampaignMember", member_id)["LeadId"] == master_id
    assert touchpoints(world) == {member_id: (master_id, None, "person1@example.com")}


def test_a_deleted_contact_s_touchpoints_go_with_its_memberships(world):
    campaign_id = a_campaign(world.org)
    contact_id = world.org.insert("Contact", {"LastName": "Ng", "Email": "ng@example.com"})
    member_id = world.org.insert(
        "CampaignMember", {"CampaignId": campaign_id, "ContactId": contact_id, "Status": "Sent"}
    )
    _, kept = synced_campaign_with_touchpoints(world, 1)
    recompute(world, campaign_id)
    world.org.delete_record("Contact", contact_id)  # its memberships go with it
    transaction = transaction_key()

    relay(world, "Contact", "DELETE", [contact_id], transaction)
    relay(world, "CampaignMember", "DELETE", [member_id], transaction)
    world.drain_queue()

    assert set(touchpoints(world)) == set(kept)


def test_an_undeleted_lead_gets_its_touchpoint_back(world):
    campaign_id, (member_id, *_) = synced_campaign_with_touchpoints(world, 2)
    before = touchpoints(world)
    lead_id = world.org.get("CampaignMember", member_id)["LeadId"]
    world.org.delete_record("Lead", lead_id)  # its membership goes with it
    transaction = transaction_key()
    relay(world, "Lead", "DELETE", [lead_id], transaction)
    relay(world, "CampaignMember", "DELETE", [member_id], transaction)
    world.drain_queue()
    assert set(touchpoints(world)) == set(before) - {member_id}
    world.org.undelete_record("Lead", lead_id)  # and comes back with it

    reply = relay(world, "Lead", "UNDELETE", [lead_id], LastName="Person 1")
    world.drain_queue()

    assert reply["campaign_ids"] == [campaign_id]
    assert touchpoints(world) == before


# -- lost changes: gap and overflow events ----------------------------------------------------


def test_a_gap_event_recomputes_what_it_names_in_full(world):
    campaign_id, (member_id, *_) = synced_campaign_with_touchpoints(world)
    before = touchpoints(world)
    world.org.delete_record("CampaignMember", member_id)

    reply = relay(world, "CampaignMember", "GAP_DELETE", [member_id])
    requests = queued(world)

    assert reply["full"] is True
    assert requests[campaign_id]["full"] is True
    recompute(world, campaign_id, full=True)
    assert touchpoints(world) == {m: t for m, t in before.items() if m != member_id}


def test_an_overflow_recomputes_every_synced_campaign_in_full(world):
    first, _ = synced_campaign_with_touchpoints(world, 1)
    second, _ = synced_campaign_with_touchpoints(world, 1)
    unsynced = a_campaign(world.org, None)

    reply = relay(world, "CampaignMember", "GAP_OVERFLOW")

    assert sorted(reply["campaign_ids"]) == sorted([first, second])
    assert unsynced not in reply["campaign_ids"]
    assert {c: r["full"] for c, r in queued(world).items()} == {first: True, second: True}


# -- bad input and faults ---------------------------------------------------------------------


def test_the_same_change_relayed_twice_is_enqueued_once(world, capsys):
    campaign_id, (member_id, *_) = synced_campaign_with_touchpoints(world)
    world.org.delete_record("CampaignMember", member_id)
    transaction = transaction_key()
    capsys.readouterr()

    first = relay(world, "CampaignMember", "DELETE", [member_id], transaction)
    again = relay(world, "CampaignMember", "DELETE", [member_id], transaction)

    assert (first["outcome"], again["outcome"]) == ("enqueued", "duplicate")
    assert list(queued(world)) == [campaign_id]
    counted = metrics(capsys)
    assert (counted["ChangeEventAccepted"], counted["ChangeEventDuplicate"]) == (1, 1)


def test_events_from_another_org_or_malformed_are_refused_with_a_metric_and_change_nothing(
    world, capsys
):
    _, (member_id, *_) = synced_campaign_with_touchpoints(world)
    before, items = touchpoints(world), world.table_items()
    foreign_org = change_event(
        OTHER_ORG, "CampaignMember", "DELETE", [member_id], committed_at=world.org.now
    )
    malformed = change_event(
        ORG_ID, "CampaignMember", "DELETE", [member_id], committed_at=world.org.now
    )
    malformed["detail"]["payload"]["ChangeEventHeader"]["recordIds"] = ["'; DROP"]
    capsys.readouterr()

    replies = [
        world.change_events.lambda_handler(e, lambda_context())
        for e in (foreign_org, malformed, {"a": 1})
    ]

    assert [r["outcome"] for r in replies] == ["refused"] * 3
    assert metrics(capsys)["ChangeEventRefused"] == 3
    assert world.queue_depth() == 0
    assert touchpoints(world) == before
    assert world.table_items() == items
    assert world.relay(foreign_org) is None  # the rule matches only our partner source


def test_an_update_of_fields_no_touchpoint_reads_asks_for_nothing(world, capsys):
    _, (member_id, *_) = synced_campaign_with_touchpoints(world, 1)
    lead_id = world.org.get("CampaignMember", member_id)["LeadId"]
    world.org.calls.clear()
    capsys.readouterr()

    replies = [
        relay(world, "Lead", "UPDATE", [lead_id], Phone="555-0100"),
        relay(world, "CampaignMember", "UPDATE", [member_id], Touchpoint_Status__c="Created"),
    ]

    assert [r["outcome"] for r in replies] == ["ignored", "ignored"]
    assert metrics(capsys)["ChangeEventIgnored"] == 2
    assert world.queue_depth() == 0
    assert sum(world.org.calls.values()) == 0  # not even a lookup


def test_other_entities_events_never_reach_the_function(world):
    change = change_event(
        ORG_ID, "Lead", "DELETE", ["00Q5w00000AbCdEEAV"], committed_at=world.org.now
    )
    change["detail-type"] = "AccountChangeEvent"
    assert world.relay(change) is None


@pytest.mark.handler_errors_expected
def test_salesforce_unavailable_raises_so_lambda_retries_and_then_dead_letters(world):
    _, (member_id, *_) = synced_campaign_with_touchpoints(world, 1)
    world.org.inject_fault("SERVER_ERROR", 10)

    with pytest.raises(SalesforceUnavailableError):
        relay(world, "CampaignMember", "DELETE", [member_id])

    assert world.queue_depth() == 0
    world.org.clear_faults()
    invoke = load_template()["Resources"]["ChangeEventFunction"]["Properties"]
    assert invoke["EventInvokeConfig"]["MaximumRetryAttempts"] == 2
    assert "OnFailure" in invoke["EventInvokeConfig"]["DestinationConfig"]


# -- the stack --------------------------------------------------------------------------------


def test_change_events_are_off_unless_the_parameter_names_the_partner_event_source():
    with mock_aws():
        world = World.create()
        assert world.change_events is None
        assert "ChangeEventDeadLetterQueue" not in world.stack.physical_ids


def test_the_function_writes_only_its_own_idempotency_records(world):
    _, (member_id, *_) = synced_campaign_with_touchpoints(world, 1)
    world.org.delete_record("CampaignMember", member_id)
    before = {(i["PK"], i["SK"]) for i in world.table_items()}

    relay(world, "CampaignMember", "DELETE", [member_id])

    written = {(i["PK"], i["SK"]) for i in world.table_items()} - before
    assert {pk for pk, _ in written} == {"IDEMPOTENCY#change-events"}
    policy = load_template()["Resources"]["ChangeEventFunction"]["Properties"]["Policies"][0]
    [allowed] = policy["Statement"]
    keys = allowed["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
    assert keys == ["IDEMPOTENCY#change-events"]


def test_the_sample_events_are_read_and_reach_the_function(world):
    """events/: a member deleted, a lead's email changed, an overflow of members. Their records
    are not in this org, so they concern no campaign; the overflow finds the one synced one."""
    synced, _ = synced_campaign_with_touchpoints(world, 1)
    expected = {
        "change-event-member-deleted.json": ("ignored", []),
        "change-event-lead-email-changed.json": ("ignored", []),
        "change-event-member-overflow.json": ("enqueued", [synced]),
    }
    for name, (outcome, campaigns) in expected.items():
        reply = world.relay(event(name))
        assert (reply["outcome"], reply["campaign_ids"]) == (outcome, campaigns), name


def test_what_an_event_costs_in_salesforce_calls(world):
    """A campaign event names its campaign (no call); a member's is one queryAll; a person's
    reads the person (for a merge's master) and its memberships; an overflow lists the synced
    campaigns once."""
    campaign_id, (member_id, *_) = synced_campaign_with_touchpoints(world, 1)
    lead_id = world.org.get("CampaignMember", member_id)["LeadId"]
    costs = {}
    for name, args in {
        "campaign": ("Campaign", "UPDATE", [campaign_id]),
        "member": ("CampaignMember", "DELETE", [member_id]),
        "person": ("Lead", "DELETE", [lead_id]),
        "overflow": ("Contact", "GAP_OVERFLOW"),
    }.items():
        world.org.calls.clear()
        relay(world, *args, **({"Type": "Webinar"} if name == "campaign" else {}))
        costs[name] = sum(world.org.calls.values())

    assert costs == {"campaign": 0, "member": 1, "person": 2, "overflow": 1}
