"""Changes the org does not announce (docs/design.md), each seen through the handlers: the sweep
handler enqueues, the recompute handler (draining the real queue) writes. Each test asserts the
touchpoints that changed and that no other touchpoint did."""

from __future__ import annotations

from datetime import timedelta

import pytest

from emulators.world import event, lambda_context
from tests.integration.contexts import running_out
from tests.integration.seeds import a_campaign, a_lead, members

SWEEP_EVERY = timedelta(minutes=15)


def sweep(world, context=None):
    return world.sweep.lambda_handler(event("schedule-sweep.json"), context or lambda_context())


def tick(world, delta: timedelta = SWEEP_EVERY) -> None:
    """Time passes for AWS and Salesforce alike."""
    world.now = world.now + delta
    world.org.now = world.now


def sweep_and_recompute(world, context=None):
    tick(world)
    reply = sweep(world, context)
    world.drain_queue()
    return reply


def by_member(world) -> dict[str, dict]:
    return {tp["Campaign_Member_Id__c"]: tp for tp in world.touchpoints()}


@pytest.fixture
def synced(world):
    """A synced campaign of three members with touchpoints, and a sweep that saw it all."""
    campaign = a_campaign(world.org)
    member_ids = members(world.org, campaign, 3)
    sweep_and_recompute(world)
    assert set(by_member(world)) == set(member_ids)
    return campaign, member_ids


def person(world, member_id: str) -> str:
    return world.org.get("CampaignMember", member_id)["LeadId"]


def unchanged_but(world, before: dict[str, dict], *changed: str) -> dict[str, dict]:
    """The touchpoints now; asserts every member's but `changed` are exactly as before."""
    now = by_member(world)
    for member_id, touchpoint in before.items():
        if member_id not in changed:
            assert now.get(member_id) == touchpoint
    assert set(now) - set(before) <= set(changed)
    return now


def test_a_sweep_with_nothing_changed_costs_seven_salesforce_calls_and_enqueues_nothing(
    world, synced
):
    before = by_member(world)
    calls = world.org.total_calls
    tick(world)
    assert sweep(world) == {"enqueued": 0, "full_reconciliation": False, "finished": True}
    # the API budget sample; four questions; opportunities and contact roles, for attribution
    assert world.org.total_calls - calls == 7
    assert world.queue_depth() == 0
    assert by_member(world) == before


def test_a_deleted_member_loses_its_touchpoint_in_the_next_sweep(world, synced):
    _, (gone, *_) = synced
    before = by_member(world)
    world.org.delete_record("CampaignMember", gone)
    assert sweep_and_recompute(world)["enqueued"] == 1
    assert gone not in unchanged_but(world, before, gone)


def test_an_undeleted_member_gets_its_touchpoint_back(world, synced):
    _, (member, *_) = synced
    before = by_member(world)
    world.org.delete_record("CampaignMember", member)
    sweep_and_recompute(world)
    world.org.undelete_record("CampaignMember", member)
    sweep_and_recompute(world)
    back = unchanged_but(world, before, member)[member]
    assert back["Touchpoint_Date__c"] == before[member]["Touchpoint_Date__c"]


def test_a_deleted_campaign_loses_its_touchpoints(world, synced):
    """`Campaign__c` is cleared (SetNull) when the campaign goes: the recompute finds the
    touchpoints through its recorded state and their keys."""
    campaign, _ = synced
    other = a_campaign(world.org, Name="Other")
    [kept] = members(world.org, other, 1, start=50)
    sweep_and_recompute(world)
    before = by_member(world)
    world.org.delete_record("Campaign", campaign)
    sweep_and_recompute(world)
    assert by_member(world) == {kept: before[kept]}


def test_an_undeleted_campaign_gets_its_touchpoints_back(world, synced):
    campaign, member_ids = synced
    before = by_member(world)
    world.org.delete_record("Campaign", campaign)
    sweep_and_recompute(world)
    assert world.touchpoints() == []
    world.org.undelete_record("Campaign", campaign)
    sweep_and_recompute(world)
    back = by_member(world)
    assert set(back) == set(member_ids)
    assert {m: tp["Campaign__c"] for m, tp in back.items()} == dict.fromkeys(member_ids, campaign)
    assert {m: tp["Touchpoint_Date__c"] for m, tp in back.items()} == {
        m: tp["Touchpoint_Date__c"] for m, tp in before.items()
    }


def test_a_deleted_lead_loses_its_touchpoint(world, synced):
    _, (member, *_) = synced
    before = by_member(world)
    world.org.delete_record("Lead", person(world, member))
    sweep_and_recompute(world)
    assert member not in unchanged_but(world, before, member)


def test_an_undeleted_lead_gets_its_touchpoint_back(world, synced):
    _, (member, *_) = synced
    before = by_member(world)
    lead = person(world, member)
    world.org.delete_record("Lead", lead)
    sweep_and_recompute(world)
    world.org.undelete_record("Lead", lead)
    sweep_and_recompute(world)
    back = unchanged_but(world, before, member)[member]
    assert (back["Lead__c"], back["Email__c"]) == (lead, before[member]["Email__c"])


def test_a_deleted_contact_loses_its_touchpoint(world, synced):
    campaign, _ = synced
    contact = world.org.insert("Contact", {"LastName": "Roe", "Email": "roe@example.com"})
    member = world.org.insert("CampaignMember", {"CampaignId": campaign, "ContactId": contact})
    sweep_and_recompute(world)
    before = by_member(world)
    assert before[member]["Contact__c"] == contact
    world.org.delete_record("Contact", contact)
    sweep_and_recompute(world)
    assert member not in unchanged_but(world, before, member)


def test_a_merged_lead_s_touchpoint_follows_the_master(world, synced):
    _, (member, *_) = synced
    before = by_member(world)
    master = a_lead(world.org, 77, email="master@example.com")
    world.org.merge_records("Lead", master, person(world, member))
    sweep_and_recompute(world)
    moved = unchanged_but(world, before, member)[member]
    assert (moved["Lead__c"], moved["Email__c"]) == (master, "master@example.com")


def test_an_email_added_to_a_lead_that_had_none_makes_its_touchpoint(world, synced):
    campaign, _ = synced
    lead = a_lead(world.org, 60, email=None)
    member = world.org.insert("CampaignMember", {"CampaignId": campaign, "LeadId": lead})
    sweep_and_recompute(world)
    before = by_member(world)
    assert member not in before
    world.org.update_record("Lead", lead, {"Email": "found@example.com"})
    sweep_and_recompute(world)
    assert unchanged_but(world, before, member)[member]["Email__c"] == "found@example.com"


def test_a_changed_or_removed_email_reaches_the_touchpoint(world, synced):
    _, (member, *_) = synced
    before = by_member(world)
    lead = person(world, member)
    world.org.update_record("Lead", lead, {"Email": "changed@example.com"})
    sweep_and_recompute(world)
    assert unchanged_but(world, before, member)[member]["Email__c"] == "changed@example.com"
    world.org.update_record("Lead", lead, {"Email": None})
    sweep_and_recompute(world)
    assert member not in unchanged_but(world, before, member)


def test_a_converted_lead_s_touchpoint_names_its_contact(world, synced):
    """Lead conversion: the member gains the new contact's id (as Salesforce sets ContactId on
    the campaign members of a converted lead) and the lead is marked converted."""
    _, (member, *_) = synced
    before = by_member(world)
    contact = world.org.insert("Contact", {"LastName": "Converted", "Email": "person1@example.com"})
    world.org.update_record("CampaignMember", member, {"ContactId": contact})
    world.org.update_record("Lead", person(world, member), {"IsConverted": True})
    sweep_and_recompute(world)
    assert unchanged_but(world, before, member)[member]["Contact__c"] == contact


def test_a_sweep_short_on_time_resumes_from_its_checkpoint(world, synced):
    _, (member, *_) = synced
    before = by_member(world)
    world.org.update_record("Lead", person(world, member), {"Email": "late@example.com"})
    tick(world)
    # time for the members and campaigns questions (a call each), not for the people's
    reply = sweep(world, running_out(world.org, 70, 6))
    assert reply["finished"] is False
    assert world.queue_depth() == 0  # nothing changed in members or campaigns
    tick(world)
    assert sweep(world)["finished"] is True
    world.drain_queue()
    assert unchanged_but(world, before, member)[member]["Email__c"] == "late@example.com"
    # the resumed sweep covered the window up to its first start; the next starts there
    tick(world)
    assert sweep(world)["enqueued"] == 0


@pytest.mark.parametrize("spent_for", [timedelta(minutes=10), timedelta(hours=3)])
def test_the_api_limit_postpones_the_sweep_and_loses_nothing(world, synced, spent_for):
    _, (member, *_) = synced
    before = by_member(world)
    world.org.delete_record("CampaignMember", member)
    world.org.daily_limit = world.org.total_calls  # every call refused
    limit_clears = world.now + SWEEP_EVERY + spent_for  # after the first sweep
    attempts = 0
    while True:
        tick(world)
        if world.now >= limit_clears:
            world.org.daily_limit = 10**9
        calls = world.org.total_calls
        reply = sweep(world)
        attempts += 1
        if reply["finished"]:
            break
        # the API budget sample (it publishes the spent budget), then one question or none
        assert world.org.total_calls - calls <= 2
    world.drain_queue()
    assert member not in unchanged_but(world, before, member)
    # postponed 5, 10, 20, 40 minutes, then hourly: done within about an hour of the limit
    assert 2 <= attempts <= spent_for / SWEEP_EVERY + 6
    assert world.now - limit_clears <= timedelta(hours=1, minutes=15)
