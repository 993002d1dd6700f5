from datetime import UTC, datetime

import pytest

from emulators.change_events import change_event
from touchpoints.rules.change_events import (
    AttributionPlan,
    RecomputePlan,
    UnreadableChangeEvent,
    WatchedFields,
    attribution_plan,
    read_change_event,
    recompute_plan,
)

ORG = "00D5w000004qGTOEA2"
CAMPAIGN = "7015w000001AbCdAAK"
MEMBER = "00v5w00000AbCdEAAV"
LEAD = "00Q5w00000AbCdEEAV"
AT = datetime(2026, 2, 5, 17, 0, 1, tzinfo=UTC)
WATCHED = WatchedFields(
    campaign=frozenset({"Enable_Buyer_Touchpoints__c", "Type"}),
    member=frozenset({"Status", "ContactId"}),
    person=frozenset({"Email", "IsConverted"}),
)


def plan(entity, change_type, ids=(), **fields):
    event = change_event(ORG, entity, change_type, ids, committed_at=AT, fields=fields or None)
    return recompute_plan(read_change_event(event), WATCHED)


def test_a_deleted_member_asks_for_its_campaign_through_the_member():
    assert plan("CampaignMember", "DELETE", [MEMBER]) == RecomputePlan(
        member_ids=frozenset({MEMBER})
    )


def test_a_created_member_names_its_campaign():
    assert plan("CampaignMember", "CREATE", [MEMBER], CampaignId=CAMPAIGN) == RecomputePlan(
        campaign_ids=frozenset({CAMPAIGN})
    )


def test_a_deleted_or_undeleted_campaign_asks_for_itself():
    for change in ("DELETE", "UNDELETE"):
        assert plan("Campaign", change, [CAMPAIGN]).campaign_ids == {CAMPAIGN}


def test_a_lead_whose_email_changed_asks_for_its_campaigns():
    assert plan("Lead", "UPDATE", [LEAD], Email="ada@example.com") == RecomputePlan(
        person_ids=frozenset({LEAD})
    )


def test_an_update_of_fields_the_touchpoints_do_not_read_asks_for_nothing():
    assert plan("Lead", "UPDATE", [LEAD], Phone="555").ignored
    assert plan("CampaignMember", "UPDATE", [MEMBER], Touchpoint_Status__c="Created").ignored


def test_a_gap_event_asks_for_a_full_recompute_of_what_it_names():
    assert plan("CampaignMember", "GAP_DELETE", [MEMBER]) == RecomputePlan(
        member_ids=frozenset({MEMBER}), full=True
    )


def test_an_overflow_or_a_wildcard_asks_for_every_synced_campaign_in_full():
    assert plan("CampaignMember", "GAP_OVERFLOW") == RecomputePlan(
        every_synced_campaign=True, full=True
    )
    event = change_event(ORG, "Lead", "GAP_UPDATE", ["00Q*"], committed_at=AT)
    assert recompute_plan(read_change_event(event), WATCHED).every_synced_campaign


def test_ids_are_read_in_their_18_character_form_and_the_org_from_the_source():
    event = change_event(ORG, "CampaignMember", "DELETE", [MEMBER[:15]], committed_at=AT)
    read = read_change_event(event)
    assert read.record_ids == (MEMBER,)
    assert read.org_id == ORG


def test_the_same_change_relayed_twice_has_one_key():
    first = change_event(ORG, "Lead", "DELETE", [LEAD], committed_at=AT, transaction="t-1")
    again = change_event(ORG, "Lead", "DELETE", [LEAD], committed_at=AT, transaction="t-1")
    assert first["id"] != again["id"]
    assert read_change_event(first).dedup_key == read_change_event(again).dedup_key


def _broken(change):
    event = change_event(ORG, "CampaignMember", "DELETE", [MEMBER], committed_at=AT)
    change(event)
    return event


@pytest.mark.parametrize(
    "change",
    [
        lambda e: e.update(source="aws.partner/other.com/x/y"),
        lambda e: e.update(detail="not an object"),
        lambda e: e["detail"]["payload"].pop("ChangeEventHeader"),
        lambda e: e.update({"detail-type": "AccountChangeEvent"}),
        lambda e: e["detail"]["payload"]["ChangeEventHeader"].update(entityName="Account"),
        lambda e: e["detail"]["payload"]["ChangeEventHeader"].update(changeType="MERGE"),
        lambda e: e["detail"]["payload"]["ChangeEventHeader"].update(recordIds=[]),
        lambda e: e["detail"]["payload"]["ChangeEventHeader"].update(recordIds=["x' OR 1=1"]),
        lambda e: e["detail"]["payload"]["ChangeEventHeader"].update(sequenceNumber="1"),
        lambda e: e["detail"]["payload"]["ChangeEventHeader"].pop("transactionKey"),
        lambda e: e["detail"]["payload"]["ChangeEventHeader"].update(changedFields="Email"),
    ],
)
def test_anything_but_a_change_event_of_our_entities_is_unreadable(change):
    with pytest.raises(UnreadableChangeEvent):
        read_change_event(_broken(change))


OPPORTUNITY, ROLE, CONTACT = "0065w00000AbCdEAAV", "00K5w00000AbCdEEAV", "0035w00000AbCdEAAV"


def asked(entity, change_type, ids=(), **fields):
    event = change_event(ORG, entity, change_type, ids, committed_at=AT, fields=fields or None)
    return attribution_plan(read_change_event(event))


def test_an_opportunity_change_asks_for_its_contacts():
    assert asked("Opportunity", "UPDATE", [OPPORTUNITY], StageName="Closed Won") == (
        AttributionPlan(opportunity_ids=frozenset({OPPORTUNITY}))
    )
    assert asked("Opportunity", "DELETE", [OPPORTUNITY]).opportunity_ids == {OPPORTUNITY}
    assert asked("Opportunity", "GAP_UPDATE", [OPPORTUNITY]).opportunity_ids == {OPPORTUNITY}


def test_a_contact_role_change_asks_for_the_contact_it_carries_and_its_roles_contacts():
    created = asked(
        "OpportunityContactRole", "CREATE", [ROLE], OpportunityId=OPPORTUNITY, ContactId=CONTACT
    )
    assert created == AttributionPlan(contact_ids=frozenset({CONTACT}), role_ids=frozenset({ROLE}))
    assert asked("OpportunityContactRole", "DELETE", [ROLE]) == AttributionPlan(
        role_ids=frozenset({ROLE})
    )


def test_updates_of_fields_attribution_does_not_read_ask_for_nothing():
    assert asked("Opportunity", "UPDATE", [OPPORTUNITY], Description="Renewal").ignored
    assert asked("OpportunityContactRole", "UPDATE", [ROLE], Role="Economic Buyer").ignored
    assert not asked("Opportunity", "UPDATE", [OPPORTUNITY], Amount=1).ignored
    assert not asked("Opportunity", "UPDATE", [OPPORTUNITY], CloseDate="2026-04-30").ignored
    assert not asked("OpportunityContactRole", "UPDATE", [ROLE], ContactId=CONTACT).ignored


def test_lost_changes_naming_no_record_ask_for_every_person():
    assert asked("OpportunityContactRole", "GAP_OVERFLOW").every_person
    assert asked("Opportunity", "GAP_UPDATE", ["006*"]).every_person


def test_opportunity_events_ask_nothing_of_the_touchpoints_rules():
    """They are read like the others (the same header checks, a dedup key)."""
    event = change_event(ORG, "OpportunityContactRole", "DELETE", [ROLE[:15]], committed_at=AT)
    read = read_change_event(event)
    assert (read.entity, read.record_ids, read.contact_id) == (
        "OpportunityContactRole",
        (ROLE,),
        None,
    )
