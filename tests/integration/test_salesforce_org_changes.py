"""The org-changes adapter against the emulator, as the integration user (the shipped permission
set): what it finds for each kind of change outbound messages never announce, and what it costs."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.integration.seeds import a_campaign, a_lead, members


@pytest.fixture
def changes(world):
    return world.sweep.deps.org_changes


@pytest.fixture
def synced(world):
    campaign = a_campaign(world.org)
    member_ids = members(world.org, campaign, 2)
    return campaign, member_ids


def _since(world):
    moment = world.org.now
    world.org.advance(minutes=1)
    return moment


def _calls(world) -> int:
    return sum(world.org.calls.values())


def test_nothing_changed_costs_four_queries_and_finds_nothing(world, changes, synced):
    since = _since(world)
    before = _calls(world)
    assert changes.campaigns_with_member_changes(since) == set()
    assert changes.changed_synced_campaigns(since) == set()
    assert changes.campaigns_of_changed_people(since) == set()
    assert _calls(world) - before == 4


def test_a_deleted_and_an_undeleted_member_name_their_campaign(world, changes, synced):
    campaign, (first, _) = synced
    since = _since(world)
    world.org.delete_record("CampaignMember", first)
    assert changes.campaigns_with_member_changes(since) == {campaign}
    since = _since(world)
    world.org.undelete_record("CampaignMember", first)
    assert changes.campaigns_with_member_changes(since) == {campaign}


def test_a_deleted_or_undeleted_synced_campaign_is_found_an_unsynced_one_is_not(
    world, changes, synced
):
    campaign, _ = synced
    unsynced = a_campaign(world.org, mode=None)
    since = _since(world)
    world.org.delete_record("Campaign", campaign)
    world.org.delete_record("Campaign", unsynced)
    assert changes.changed_synced_campaigns(since) == {campaign}
    assert changes.campaigns_with_member_changes(since) == {campaign}  # its members went too
    since = _since(world)
    world.org.undelete_record("Campaign", campaign)
    assert changes.changed_synced_campaigns(since) == {campaign}


def test_a_person_whose_email_changed_names_their_synced_campaigns(world, changes, synced):
    campaign, (member, _) = synced
    lead = world.org.get("CampaignMember", member)["LeadId"]
    unsynced = a_campaign(world.org, mode=None)
    world.org.insert("CampaignMember", {"CampaignId": unsynced, "LeadId": lead})
    since = _since(world)
    world.org.update_record("Lead", lead, {"Email": "new@example.com"})
    assert changes.campaigns_of_changed_people(since) == {campaign}
    assert changes.campaigns_with_member_changes(since) == set()  # the member itself is as it was


def test_a_merged_loser_names_the_campaigns_its_memberships_moved_to(world, changes, synced):
    campaign, (member, _) = synced
    loser = world.org.get("CampaignMember", member)["LeadId"]
    master = a_lead(world.org, 99)
    since = _since(world)
    world.org.merge_records("Lead", master, loser)
    assert changes.campaigns_of_changed_people(since) == {campaign}
    assert changes.campaigns_of_people([loser]) == {campaign}


def test_members_and_people_map_to_campaigns_deleted_ones_included(world, changes, synced):
    campaign, (member, _) = synced
    contact = world.org.insert("Contact", {"LastName": "Roe", "Email": "roe@example.com"})
    world.org.insert("CampaignMember", {"CampaignId": campaign, "ContactId": contact})
    world.org.delete_record("CampaignMember", member)
    assert changes.campaigns_of_members([member[:15]]) == {campaign}
    assert changes.campaigns_of_people([contact]) == {campaign}


def test_ids_that_are_not_salesforce_ids_are_refused_before_any_call(world, changes):
    before = _calls(world)
    with pytest.raises(ValueError, match="not Salesforce ids"):
        changes.campaigns_of_members(["not-an-id"])
    assert _calls(world) == before


def test_the_daily_pass_lists_every_synced_campaign(world, changes, synced):
    campaign, _ = synced
    a_campaign(world.org, mode=None)
    world.org.advance(timedelta(days=1))
    assert changes.synced_campaigns() == {campaign}
