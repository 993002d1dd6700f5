"""ChangeEventFunction through its handler for attribution: `OpportunityChangeEvent` and
`OpportunityContactRoleChangeEvent` as Event Relay puts them on the partner event bus ask for the
attribution of the contacts concerned, on the attribution queue; then AttributionFunction, and the
attribution records as Salesforce holds them."""

import json

import pytest
from moto import mock_aws

from emulators.change_events import change_event
from emulators.world import CHANGE_EVENT_SOURCE, ORG_ID, World, event, lambda_context
from tests.integration.test_attribution import (
    JAN,
    MAR,
    a_person,
    an_opportunity,
    attended,
    attribution_rows,
    touchpoint_of,
)
from tests.integration.test_webhook_hardening import metrics


@pytest.fixture
def world():
    with mock_aws():
        yield World.create(parameters={"ChangeEventSourceName": CHANGE_EVENT_SOURCE})


def relay(world, entity, change_type, ids=(), **fields):
    """Salesforce publishes the change; Event Relay puts it on the bus; the rule invokes us."""
    change = change_event(
        ORG_ID, entity, change_type, ids, committed_at=world.org.now, fields=fields or None
    )
    return world.relay(change)


def attribution_requested(world) -> set[str]:
    """The persons on the attribution queue; the messages stay queued."""
    sqs = world.session.client("sqs")
    persons, handles = set(), []
    while reply := sqs.receive_message(
        QueueUrl=world.attribution_queue_url, MaxNumberOfMessages=10
    ).get("Messages"):
        for message in reply:
            persons |= set(json.loads(message["Body"])["person_ids"])
            handles.append(message["ReceiptHandle"])
    for handle in handles:
        sqs.change_message_visibility(
            QueueUrl=world.attribution_queue_url, ReceiptHandle=handle, VisibilityTimeout=0
        )
    return persons


def an_attributed_opportunity(world, stage="Negotiation"):
    """A contact who attended in January and March, on an open opportunity, attributed: (contact,
    opportunity, March's touchpoint record id)."""
    person = a_person(world.org)
    attended(world, person, JAN, "January Conference")
    _, march = attended(world, person, MAR, "March Roadshow")
    opportunity = an_opportunity(world, person, stage=stage)
    world.drain_attribution()
    return person, opportunity, touchpoint_of(world, march)["Id"]


def test_an_opportunity_won_is_attributed_within_one_event(world):
    person, opportunity, march = an_attributed_opportunity(world)
    assert attribution_rows(world, opportunity)[march]["Touchpoint_Position__c"] is None
    world.org.update_record("Opportunity", opportunity, {"StageName": "Closed Won"})

    reply = relay(world, "Opportunity", "UPDATE", [opportunity], StageName="Closed Won")

    assert (reply["outcome"], reply["persons_enqueued"]) == ("enqueued", 1)
    assert attribution_requested(world) == {person}
    world.drain_attribution()
    assert attribution_rows(world, opportunity)[march]["Touchpoint_Position__c"] == "Closed"


def test_a_contact_role_added_brings_the_contacts_path_onto_the_opportunity(world):
    person, opportunity, _ = an_attributed_opportunity(world)
    colleague = a_person(world.org, number=2)
    attended(world, colleague, JAN, "January Webinar")
    world.drain_attribution()
    role = world.org.insert(
        "OpportunityContactRole", {"OpportunityId": opportunity, "ContactId": colleague}
    )

    reply = relay(
        world,
        "OpportunityContactRole",
        "CREATE",
        [role],
        OpportunityId=opportunity,
        ContactId=colleague,
        Role="Decision Maker",
        IsPrimary=False,
    )

    assert reply["outcome"] == "enqueued"
    assert attribution_requested(world) == {person, colleague}
    world.drain_attribution()
    contacts = {row["Contact__c"] for row in attribution_rows(world, opportunity).values()}
    assert contacts == {person, colleague}


def test_a_contact_role_moved_to_another_contact_moves_the_opportunitys_records(world):
    """The role names another contact now: the opportunity is attributed over its current roles,
    so the first contact's records on it go and the new contact's come."""
    _, opportunity, _ = an_attributed_opportunity(world)
    colleague = a_person(world.org, number=2)
    attended(world, colleague, JAN, "January Webinar")
    world.drain_attribution()
    [role] = [
        r["Id"]
        for r in world.org.records("OpportunityContactRole")
        if r["OpportunityId"] == opportunity
    ]
    world.org.update_record("OpportunityContactRole", role, {"ContactId": colleague})

    reply = relay(world, "OpportunityContactRole", "UPDATE", [role], ContactId=colleague)

    assert reply["outcome"] == "enqueued"
    world.drain_attribution()
    contacts = {row["Contact__c"] for row in attribution_rows(world, opportunity).values()}
    assert contacts == {colleague}


def test_changes_of_fields_attribution_does_not_read_ask_for_nothing(world, capsys):
    _, opportunity, _ = an_attributed_opportunity(world)
    [role] = [
        r["Id"]
        for r in world.org.records("OpportunityContactRole")
        if r["OpportunityId"] == opportunity
    ]
    world.org.calls.clear()
    capsys.readouterr()

    replies = [
        relay(world, "Opportunity", "UPDATE", [opportunity], Description="Renewal"),
        relay(world, "OpportunityContactRole", "UPDATE", [role], Role="Economic Buyer"),
    ]

    assert [r["outcome"] for r in replies] == ["ignored", "ignored"]
    assert metrics(capsys)["ChangeEventIgnored"] == 2
    assert attribution_requested(world) == set()
    assert sum(world.org.calls.values()) == 0  # not even a lookup


def test_a_contact_role_deleted_on_its_own_names_no_contact_and_is_left_to_the_daily_pass(world):
    """Salesforce keeps no deleted contact role in the Recycle Bin unless its opportunity was
    deleted with it, and a delete event carries no fields: nothing names the contact."""
    _, opportunity, _ = an_attributed_opportunity(world)
    [role] = [
        r["Id"]
        for r in world.org.records("OpportunityContactRole")
        if r["OpportunityId"] == opportunity
    ]
    world.org.delete_record("OpportunityContactRole", role)

    reply = relay(world, "OpportunityContactRole", "DELETE", [role])

    assert reply["outcome"] == "ignored"
    assert "daily full pass" in reply["reason"]
    assert attribution_requested(world) == set()
    assert attribution_rows(world, opportunity)  # until the daily full pass:

    world.sweep.lambda_handler(event("schedule-sweep.json"), lambda_context("sweep"))
    world.drain_queue()
    world.drain_attribution()

    assert attribution_rows(world, opportunity) == {}  # found through the contact's records


def test_a_deleted_opportunity_asks_for_its_contacts_roles_in_the_recycle_bin(world):
    person, opportunity, _ = an_attributed_opportunity(world)
    world.org.delete_record("Opportunity", opportunity)  # its roles go to the Recycle Bin with it

    reply = relay(world, "Opportunity", "DELETE", [opportunity])

    assert reply["outcome"] == "enqueued"
    assert attribution_requested(world) == {person}


def test_an_overflow_of_contact_roles_asks_for_every_person_with_a_touchpoint(world):
    person, _, _ = an_attributed_opportunity(world)
    lead = a_person(world.org, "Lead", number=2)
    attended(world, lead, JAN, "January Webinar")
    world.drain_attribution()

    reply = relay(world, "OpportunityContactRole", "GAP_OVERFLOW")

    assert reply["outcome"] == "enqueued"
    assert attribution_requested(world) == {person, lead}


def test_the_sample_contact_role_event_is_read_and_reaches_the_function(world):
    """events/change-event-contact-role-created.json: its contact is not in this org, but the
    event names it, so it is asked for (an attribution run finds no such person and writes
    nothing)."""
    reply = world.relay(event("change-event-contact-role-created.json"))

    assert (reply["outcome"], reply["persons_enqueued"]) == ("enqueued", 1)
    assert attribution_requested(world) == {"0035w00000AbCdEAAV"}
