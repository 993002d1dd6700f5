"""Marketo program ↔ Salesforce campaign sync, through the handler: moto, the Salesforce emulator
and the Marketo emulator (reference 004, "SFDC Sync: Campaign Sync")."""

from datetime import timedelta

import pytest
from moto import mock_aws

from emulators.world import World
from tests.integration.program_sync_seeds import (
    EventTap,
    a_campaign,
    a_lead,
    a_program,
    call,
    link,
    mkto_member,
    scheduled_run,
    sf_member,
    sf_member_id,
    sf_statuses,
    sync,
)
from tests.integration.seeds import campaign_notification


@pytest.fixture
def linked(world):
    """A program and a campaign with matching statuses, linked and synced once with three people
    in both: ann and bob registered, cy attended."""
    world.org.require_fields("Lead", "LastName", "Company")  # as a real org does
    program_id, campaign_id = a_program(world), a_campaign(world)
    for email, status in (
        ("ann@example.com", "Registered"),
        ("bob@example.com", "Registered"),
        ("cy@example.com", "Attended"),
    ):
        sf_member(world, campaign_id, email, status)
        mkto_member(world, program_id, email, status)
    status, body = link(world, program_id, campaign_id)
    assert status == 201, body
    sync(world, program_id)
    world.tap = EventTap(world)
    return program_id, campaign_id


def later(world, minutes=5):
    world.now = world.now + timedelta(minutes=minutes)
    world.org.now = world.mkto.now = world.now


# -- linking -----------------------------------------------------------------------------------


def test_link_is_refused_for_incompatible_statuses_with_both_sides_differences(world):
    program_id = a_program(world)
    campaign_id = a_campaign(world, labels=["Sent", "Registered", "Responded"])

    status, body = link(world, program_id, campaign_id)

    assert status == 422
    assert body["error"] == "INCOMPATIBLE_STATUSES"
    assert body["field"] == "statuses"
    assert "missing in Salesforce: Attended, Invited, No Show" in body["message"]
    assert "missing in the Marketo channel: Responded, Sent" in body["message"]
    assert call(world, "GET", "/program-links") == (200, {"links": []})


@mock_aws
def test_link_is_refused_when_campaign_sync_is_disabled():
    world = World.create(parameters={"CampaignSyncEnabled": "false"})
    program_id, campaign_id = a_program(world), a_campaign(world)

    status, body = link(world, program_id, campaign_id)

    assert (status, body["error"]) == (409, "CAMPAIGN_SYNC_DISABLED")
    assert "CAMPAIGN_SYNC_ENABLED" in body["message"]
    assert call(world, "GET", "/program-links")[1] == {"links": []}


def test_link_is_refused_when_the_integration_user_is_not_a_marketing_user(world):
    program_id, campaign_id = a_program(world), a_campaign(world)
    (user,) = world.org.records("User")
    world.org.update_record("User", user["Id"], {"UserPermissionsMarketingUser": False})

    status, body = link(world, program_id, campaign_id)

    assert (status, body["error"]) == (409, "NOT_MARKETING_USER")
    assert "UserPermissionsMarketingUser" in body["message"]


def test_a_program_and_a_campaign_are_linked_one_to_one(world):
    first, second = a_program(world), a_program(world, "February Webinar")
    campaign, other = a_campaign(world), a_campaign(world, name="Other")
    assert link(world, first, campaign)[0] == 201

    status, body = link(world, second, campaign)
    assert (status, body["error"], body["field"]) == (409, "CAMPAIGN_ALREADY_LINKED", "campaign_id")
    status, body = link(world, first, other)
    assert (status, body["error"], body["field"]) == (409, "PROGRAM_ALREADY_LINKED", "program_id")

    links = call(world, "GET", "/program-links")[1]["links"]
    assert [(x["program_id"], x["campaign_id"]) for x in links] == [(first, campaign)]
    assert links[0]["statuses"] == ["Invited", "Registered", "Attended", "No Show"]

    status, body = call(world, "DELETE", f"/programs/{first}/campaign")
    assert (status, body["unlinked"]) == (200, True)
    assert link(world, second, campaign)[0] == 201
    assert call(world, "DELETE", f"/programs/{first}/campaign")[0] == 404


def test_a_malformed_request_is_refused_in_the_error_shape(world):
    program_id = a_program(world)
    status, body = call(world, "PUT", f"/programs/{program_id}/campaign", {"campaign": "x"})
    assert (status, body["error"]) == (422, "INVALID_REQUEST")
    assert body["field"] == "campaign_id"
    status, body = link(world, program_id, "not-an-id")
    assert (status, body["field"]) == (422, "campaign_id")
    assert call(world, "GET", "/program-links")[1] == {"links": []}


def test_unknown_program_or_campaign_is_a_404(world):
    campaign_id = a_campaign(world)
    program_id = a_program(world)
    assert link(world, 999999, campaign_id)[1]["error"] == "PROGRAM_NOT_FOUND"
    status, body = link(world, program_id, "701000000000000AAA")
    assert (status, body["error"]) == (404, "CAMPAIGN_NOT_FOUND")
    assert call(world, "POST", f"/programs/{program_id}/sync")[1]["error"] == "PROGRAM_NOT_LINKED"


# -- one way: channel and cost -----------------------------------------------------------------


def test_channel_and_cost_are_copied_to_the_campaign_and_a_later_cost_change_follows(world):
    program_id, campaign_id = a_program(world), a_campaign(world)
    link(world, program_id, campaign_id)

    result = sync(world, program_id)

    campaign = world.org.get("Campaign", campaign_id)
    assert (campaign["Type"], campaign["ActualCost"]) == ("Conference", 15500.5)
    assert result["campaign_updated"] == {"Type": "Conference", "ActualCost": 15500.5}

    world.mkto.set_costs(
        program_id,
        [{"startDate": "2026-01-01", "cost": 12000}, {"startDate": "2026-02-01", "cost": 800}],
    )
    later(world)
    result = sync(world, program_id)

    assert world.org.get("Campaign", campaign_id)["ActualCost"] == 12800.0
    assert result["campaign_updated"] == {"ActualCost": 12800.0}


# -- both ways: members and statuses -----------------------------------------------------------


def test_changes_made_in_marketo_appear_in_salesforce_after_one_run(world, linked):
    program_id, campaign_id = linked
    a_lead(world, "dee@example.com")  # in Salesforce already, not in the campaign
    mkto_member(world, program_id, "dee@example.com", "Registered")
    world.mkto.set_member(program_id, world.mkto.lead_by_email("ann@example.com")["id"], "Attended")
    world.mkto.remove_member(program_id, world.mkto.lead_by_email("bob@example.com")["id"])
    later(world)

    result = sync(world, program_id)

    assert sf_statuses(world, campaign_id) == {
        "ann@example.com": "Attended",
        "cy@example.com": "Attended",
        "dee@example.com": "Registered",
    }
    assert result["to_salesforce"] == {"added": 1, "status_changed": 1, "removed": 1}
    assert result["to_marketo"] == {}
    events = {(e["detail-type"], e["detail"]["person"]["email"]) for e in world.tap.drain()}
    assert events == {
        ("Status Changed in SFDC Campaign", "ann@example.com"),
        ("Removed from SFDC Campaign", "bob@example.com"),
        ("Added to SFDC Campaign", "dee@example.com"),
    }


def test_changes_made_in_salesforce_appear_in_marketo_after_one_run(world, linked):
    program_id, campaign_id = linked
    org = world.org
    org.update_record(
        "CampaignMember",
        sf_member_id(world, campaign_id, "ann@example.com"),
        {"Status": "Attended"},
    )
    org.delete_record("CampaignMember", sf_member_id(world, campaign_id, "bob@example.com"))
    sf_member(world, campaign_id, "eve@example.com", "Invited")  # unknown to Marketo
    later(world)

    result = sync(world, program_id)

    assert world.mkto.members_by_email(program_id) == {
        "ann@example.com": "Attended",
        "cy@example.com": "Attended",
        "eve@example.com": "Invited",
    }
    assert world.mkto.lead_by_email("eve@example.com")["lastName"] == "Eve"
    assert result["to_marketo"] == {"added_or_status_changed": 2, "removed": 1, "leads_created": 1}
    assert result["to_salesforce"] == {}
    (changed,) = [
        e for e in world.tap.drain() if e["detail"]["person"]["email"] == "ann@example.com"
    ]
    assert changed["detail-type"] == "Status Changed in SFDC Campaign"
    assert changed["detail"] | {"person": None} == {
        "person": None,
        "campaignId": campaign_id,
        "programId": program_id,
        "oldStatus": "Registered",
        "newStatus": "Attended",
        "changedIn": ["Salesforce"],
        "conflict": False,
    }


def test_a_marketo_only_person_becomes_a_lead_and_a_campaign_member(world, linked):
    program_id, campaign_id = linked
    mkto_member(
        world,
        program_id,
        "fay@example.com",
        "Attended",
        firstName="Fay",
        lastName="Lin",
        company="Initech",
    )
    mkto_member(world, program_id, "gus@example.com", "Registered")  # no name, no company
    later(world)

    result = sync(world, program_id)

    leads = {lead["Email"]: lead for lead in world.org.records("Lead")}
    assert (leads["fay@example.com"]["LastName"], leads["fay@example.com"]["Company"]) == (
        "Lin",
        "Initech",
    )
    assert leads["gus@example.com"]["LastName"] == "gus"
    assert leads["gus@example.com"]["Company"] == "[not provided]"
    assert sf_statuses(world, campaign_id)["fay@example.com"] == "Attended"
    assert sf_statuses(world, campaign_id)["gus@example.com"] == "Registered"
    assert result["to_salesforce"] == {"leads_created": 2, "added": 2}


def test_a_conflict_on_both_sides_is_resolved_by_the_rule_and_recorded(world, linked):
    program_id, campaign_id = linked
    mkto, org = world.mkto, world.org
    # ann: Marketo says Attended (step 30), Salesforce says Invited (step 10): further step wins.
    mkto.set_member(program_id, mkto.lead_by_email("ann@example.com")["id"], "Attended")
    org.update_record(
        "CampaignMember", sf_member_id(world, campaign_id, "ann@example.com"), {"Status": "Invited"}
    )
    # bob: Marketo No Show, Salesforce Attended, both step 30: Salesforce wins the tie.
    mkto.set_member(program_id, mkto.lead_by_email("bob@example.com")["id"], "No Show")
    org.update_record(
        "CampaignMember",
        sf_member_id(world, campaign_id, "bob@example.com"),
        {"Status": "Attended"},
    )
    # cy: removed in Marketo, re-statused in Salesforce: being a member beats removal.
    mkto.remove_member(program_id, mkto.lead_by_email("cy@example.com")["id"])
    org.update_record(
        "CampaignMember",
        sf_member_id(world, campaign_id, "cy@example.com"),
        {"Status": "Registered"},
    )
    later(world)

    result = sync(world, program_id)

    expected = {
        "ann@example.com": "Attended",
        "bob@example.com": "Attended",
        "cy@example.com": "Registered",
    }
    assert sf_statuses(world, campaign_id) == expected
    assert mkto.members_by_email(program_id) == expected
    winners = {
        c["email"]: (c["winner"], c["marketo_status"], c["salesforce_status"])
        for c in result["conflicts"]
    }
    assert winners == {
        "ann@example.com": ("Marketo", "Attended", "Invited"),
        "bob@example.com": ("Salesforce", "No Show", "Attended"),
        "cy@example.com": ("Salesforce", None, "Registered"),
    }
    recorded = world.program_sync.deps.program_links.conflicts(program_id)
    assert sorted(c["email"] for c in recorded) == sorted(winners)
    assert all("further progression step wins" in c["rule"] for c in recorded)
    last = call(world, "GET", "/program-links")[1]["links"][0]["last_sync"]
    assert len(last["conflicts"]) == 3
    assert sync(world, program_id)["conflicts"] == []  # settled: the next run sees agreement


def test_an_unchanged_run_makes_no_write_on_either_side(world, linked):
    program_id, _ = linked
    world.org.reset_calls()
    world.mkto.reset_calls()
    later(world)

    result = sync(world, program_id)

    assert world.org.write_calls == 0
    assert world.mkto.write_calls == 0
    assert world.tap.drain() == []
    # What an unchanged run costs: Marketo the program and one page of members; Salesforce the
    # campaign and one page of its members.
    assert dict(world.mkto.calls) == {"program_get": 1, "members_get": 1}
    assert world.org.total_calls == 2
    assert result["api_calls"]["marketo"] == {"program_get": 1, "members_get": 1}


def test_rate_limits_and_token_expiry_leave_nothing_lost_or_duplicated(world, linked):
    program_id, campaign_id = linked
    mkto_member(world, program_id, "hal@example.com", "Registered")
    sf_member(world, campaign_id, "ivy@example.com", "Attended")
    world.mkto.set_member(program_id, world.mkto.lead_by_email("ann@example.com")["id"], "Attended")
    world.mkto.reset_calls()
    world.mkto.expire_tokens()
    world.mkto.inject_fault("606", 2, kinds=["members_get"])
    world.mkto.inject_fault("615", 1, kinds=["members_status"])
    world.mkto.inject_fault("601", 1, kinds=["leads_get"])
    world.mkto.inject_fault("connection", 1, kinds=["leads_sync"])
    later(world)

    result = sync(world, program_id)

    expected = {
        "ann@example.com": "Attended",
        "bob@example.com": "Registered",
        "cy@example.com": "Attended",
        "hal@example.com": "Registered",
        "ivy@example.com": "Attended",
    }
    assert sf_statuses(world, campaign_id) == expected
    assert world.mkto.members_by_email(program_id) == expected
    assert len(world.org.records("CampaignMember")) == 5
    assert sorted(lead["email"] for lead in world.mkto.leads()) == sorted(expected)
    assert len(world.marketo_sleeps) == 4  # two 606, one 615, one dropped connection
    assert result["failures"] == []
    assert sorted(e["detail"]["person"]["email"] for e in world.tap.drain()) == [
        "ann@example.com",
        "hal@example.com",
        "ivy@example.com",
    ]
    assert world.mkto.calls["token"] == 2  # the expired token, then the one after 601


def test_a_spent_daily_quota_stops_the_run_and_the_next_run_finishes_the_work(world, linked):
    program_id, campaign_id = linked
    sf_member(world, campaign_id, "jo@example.com", "Attended")
    world.mkto.inject_fault("607", 1, kinds=["members_status"])
    later(world)

    status, body = call(world, "POST", f"/programs/{program_id}/sync")
    assert (status, body["error"]) == (503, "MARKETO_QUOTA_EXCEEDED")

    last = call(world, "GET", "/program-links")[1]["links"][0]["last_sync"]
    assert last["completed"] is False
    assert "607" in last["error"]
    later(world)
    result = sync(world, program_id)
    assert world.mkto.members_by_email(program_id)["jo@example.com"] == "Attended"
    assert [e["detail"]["person"]["email"] for e in world.tap.drain()] == ["jo@example.com"]
    assert result["to_marketo"]["added_or_status_changed"] == 1


def test_the_schedule_syncs_every_link(world):
    runs = []
    for name in ("January Conference", "February Webinar"):
        program_id, campaign_id = a_program(world, name), a_campaign(world, name=name)
        link(world, program_id, campaign_id)
        mkto_member(world, program_id, f"{name.split()[0].lower()}@example.com", "Registered")
        runs.append((program_id, campaign_id))

    reply = scheduled_run(world)

    assert reply == {"links": 2, "failed": []}
    for _program_id, campaign_id in runs:
        assert len(sf_statuses(world, campaign_id)) == 1
        assert call(world, "GET", "/program-links")[1]["links"][0]["last_sync"]["completed"]


# -- flow-action equivalents -------------------------------------------------------------------


def test_flow_actions_act_on_salesforce_at_once_and_the_next_run_carries_them_to_marketo(
    world, linked
):
    program_id, campaign_id = linked
    members = f"/campaigns/{campaign_id}/members"

    status, added = call(
        world,
        "POST",
        members,
        {
            "email": "Kim@Example.com",
            "status": "Registered",
            "last_name": "Kim",
            "company": "Hooli",
        },
    )
    assert status == 201
    assert added["lead_created"] is True
    assert sf_statuses(world, campaign_id)["kim@example.com"] == "Registered"
    assert call(world, "GET", f"{members}/kim@example.com")[1]["status"] == "Registered"
    later(world)
    sync(world, program_id)
    assert world.mkto.members_by_email(program_id)["kim@example.com"] == "Registered"

    status, _ = call(world, "PATCH", f"{members}/kim@example.com", {"status": "Attended"})
    assert status == 200
    later(world)
    sync(world, program_id)
    assert world.mkto.members_by_email(program_id)["kim@example.com"] == "Attended"

    assert call(world, "DELETE", f"{members}/kim%40example.com")[0] == 200  # encoded works too
    assert call(world, "GET", f"{members}/kim@example.com")[1]["member"] is False
    later(world)
    sync(world, program_id)
    assert "kim@example.com" not in world.mkto.members_by_email(program_id)


def test_flow_actions_refuse_what_they_cannot_do_and_change_nothing(world, linked):
    _, campaign_id = linked
    members = f"/campaigns/{campaign_id}/members"
    world.org.reset_calls()

    status, body = call(
        world, "POST", members, {"email": "ann@example.com", "status": "Registered"}
    )
    assert (status, body["error"]) == (409, "ALREADY_A_CAMPAIGN_MEMBER")
    status, body = call(world, "POST", members, {"email": "zed@example.com", "status": "Sent"})
    assert (status, body["error"], body["field"]) == (422, "UNKNOWN_MEMBER_STATUS", "status")
    status, body = call(world, "POST", members, {"email": "not-an-email", "status": "Registered"})
    assert (status, body["error"]) == (422, "INVALID_EMAIL")
    status, body = call(world, "PATCH", f"{members}/zed@example.com", {"status": "Attended"})
    assert (status, body["error"]) == (404, "NOT_A_CAMPAIGN_MEMBER")
    status, body = call(world, "DELETE", "/campaigns/701000000000000AAA/members/ann@example.com")
    assert (status, body["error"]) == (404, "CAMPAIGN_NOT_FOUND")
    assert world.org.write_calls == 0


def test_touchpoints_follow_the_campaign_the_sync_filled(world, linked):
    program_id, campaign_id = linked
    mkto_member(world, program_id, "lou@example.com", "Attended", lastName="Lou")
    later(world)
    sync(world, program_id)

    world.deliver(world.message(campaign_notification(world.org, campaign_id)))
    world.drain_queue()

    touched = {tp["Email__c"] for tp in world.touchpoints()}
    assert touched == {"cy@example.com", "lou@example.com"}  # Include Responded: the Attended
    assert {tp["Medium__c"] for tp in world.touchpoints()} == {"Conference"}


def test_a_status_added_to_the_campaign_after_linking_fails_only_that_person(world, linked):
    program_id, campaign_id = linked
    world.org.insert("CampaignMemberStatus", {"CampaignId": campaign_id, "Label": "Waitlisted"})
    world.org.update_record(
        "CampaignMember",
        sf_member_id(world, campaign_id, "ann@example.com"),
        {"Status": "Waitlisted"},
    )
    world.org.update_record(
        "CampaignMember",
        sf_member_id(world, campaign_id, "bob@example.com"),
        {"Status": "Attended"},
    )
    later(world)

    result = sync(world, program_id)

    assert world.mkto.members_by_email(program_id)["bob@example.com"] == "Attended"
    assert world.mkto.members_by_email(program_id)["ann@example.com"] == "Registered"
    (failure,) = result["failures"]
    assert failure["email"] == "ann@example.com"
    assert "Waitlisted" in failure["message"]
    later(world)
    assert sync(world, program_id)["failures"] == result["failures"]  # retried, not forgotten
