"""The program sync against Marketo's and Salesforce's documented behaviour, through the handler
(issue 9, "As deployed"). Marketo sources: Program Members
(https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/lead-database/program-members),
Error Codes (https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/error-codes),
Bulk Program Member Extract
(https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/bulk-extract/bulk-program-member-extract)."""

import json
from datetime import timedelta

import pytest

from tests.integration.program_sync_seeds import (
    EventTap,
    a_campaign,
    a_lead,
    a_program,
    call,
    link,
    mkto_member,
    sf_member,
    sf_member_id,
    sf_statuses,
    sync,
)


@pytest.fixture
def linked(world):
    """ann and bob Registered, cy Attended, in both; linked and synced once."""
    world.org.require_fields("Lead", "LastName", "Company")
    program_id, campaign_id = a_program(world), a_campaign(world)
    for email, status in (
        ("ann@example.com", "Registered"),
        ("bob@example.com", "Registered"),
        ("cy@example.com", "Attended"),
    ):
        sf_member(world, campaign_id, email, status)
        mkto_member(world, program_id, email, status)
    assert link(world, program_id, campaign_id)[0] == 201
    sync(world, program_id)
    world.tap = EventTap(world)
    return program_id, campaign_id


def later(world, minutes=5):
    world.now = world.now + timedelta(minutes=minutes)
    world.org.now = world.mkto.now = world.now


def test_a_status_moved_back_in_salesforce_converges_in_one_run_and_is_never_resent(world, linked):
    """Marketo skips a status behind the lead's step (1037): the sync keeps Marketo's step, sets
    Salesforce back to it with one recorded conflict, and sends Marketo nothing, then or later."""
    program_id, campaign_id = linked
    cy = sf_member_id(world, campaign_id, "cy@example.com")
    world.org.update_record("CampaignMember", cy, {"Status": "Registered"})
    world.mkto.reset_calls()
    later(world)

    result = sync(world, program_id)

    assert sf_statuses(world, campaign_id)["cy@example.com"] == "Attended"
    assert world.mkto.members_by_email(program_id)["cy@example.com"] == "Attended"
    (conflict,) = result["conflicts"]
    assert (conflict["email"], conflict["winner"]) == ("cy@example.com", "Marketo")
    assert "cannot move back in Marketo" in conflict["rule"]
    assert result["failures"] == []
    assert world.mkto.write_calls == 0
    assert len(world.program_sync.deps.program_links.conflicts(program_id)) == 1

    later(world)
    again = sync(world, program_id)
    assert (again["conflicts"], again["to_marketo"], again["to_salesforce"]) == ([], {}, {})
    assert world.mkto.write_calls == 0


def test_a_write_marketo_skips_because_the_lead_moved_on_is_settled_in_the_same_run(world, linked):
    """A status write skipped with 1037 (the lead reached the status or passed it after the read):
    Marketo's status is read back by leadId and goes to Salesforce; nothing is resent."""
    program_id, campaign_id = linked
    ann_member = sf_member_id(world, campaign_id, "ann@example.com")
    world.org.update_record("CampaignMember", ann_member, {"Status": "Attended"})
    ann = world.mkto.lead_by_email("ann@example.com")["id"]
    session = world.mkto.session()

    def moved_on_after_the_read(reply, **_):  # a smart campaign runs mid-sync
        if "members.json" in reply.request.url and ann not in world.mkto.members(program_id):
            return
        if "members.json" in reply.request.url:
            world.mkto.set_member(program_id, ann, "No Show")  # same step as Attended...
            world.mkto.set_member(program_id, ann, "Attended")  # ...then Attended itself

    session.hooks["response"].append(moved_on_after_the_read)
    world.program_sync.deps.marketo_session_factory = lambda: session
    world.program_sync.deps.__dict__.pop("marketo", None)
    later(world)

    result = sync(world, program_id)

    assert result["failures"] == []
    assert result["to_marketo"] == {"added_or_status_changed": 1}  # reached: already in it
    assert sf_statuses(world, campaign_id)["ann@example.com"] == "Attended"
    assert world.mkto.calls["members_status"] == 1


def test_deleting_a_lead_that_already_left_the_program_is_success(world, linked):
    """Program Members, Delete: a lead not in the program is skipped with 1037, i.e. done."""
    program_id, campaign_id = linked
    world.org.delete_record("CampaignMember", sf_member_id(world, campaign_id, "bob@example.com"))
    bob = world.mkto.lead_by_email("bob@example.com")["id"]
    session = world.mkto.session()

    def removed_after_the_read(reply, **_):
        if reply.request.url.split("?")[0].endswith("/members.json"):
            world.mkto.remove_member(program_id, bob)

    session.hooks["response"].append(removed_after_the_read)
    world.program_sync.deps.marketo_session_factory = lambda: session
    world.program_sync.deps.__dict__.pop("marketo", None)
    later(world)

    result = sync(world, program_id)

    assert world.mkto.calls["members_delete"] == 1
    assert result["to_marketo"] == {"removed": 1}
    assert result["failures"] == []
    later(world)
    assert sync(world, program_id)["to_marketo"] == {}


def test_a_program_marketo_no_longer_finds_answers_404(world, linked):
    """Error Codes: 702 "No data found" is a not-found, answered 404 by the admin API."""
    program_id, _ = linked
    world.mkto.delete_program(program_id)

    status, body = call(world, "POST", f"/programs/{program_id}/sync")

    assert (status, body["error"]) == (404, "PROGRAM_NOT_FOUND")
    assert world.mkto.calls["program_get"] >= 1
    assert link(world, 424242, a_campaign(world, name="Other"))[0] == 404


def test_a_program_above_the_member_query_limit_syncs_through_a_bulk_extract(world, linked):
    """Program Members, Query: a statusName query over more than 100,000 members answers 1003;
    the Bulk Program Member Extract reads it instead (the limit is scaled down to 3 here)."""
    program_id, campaign_id = linked
    mkto_member(world, program_id, "dee@example.com", "Attended")
    world.mkto.membership_filter_limit = 3
    later(world)

    result = sync(world, program_id)

    assert sf_statuses(world, campaign_id)["dee@example.com"] == "Attended"
    assert result["to_salesforce"]["added"] == 1
    assert world.mkto.calls["export_create"] == 1
    assert world.mkto.calls["export_file"] == 1
    assert 60.0 in world.marketo_sleeps  # polled once a minute, as Marketo advises


@pytest.mark.parametrize("code", ["604", "608", "611", "713"])
def test_transient_marketo_errors_are_retried_and_the_run_completes(world, linked, code):
    """Error Codes: 604, 608, 611 and 713 are transient; the call is repeated after a wait."""
    program_id, campaign_id = linked
    sf_member(world, campaign_id, "eve@example.com", "Registered")
    world.mkto.inject_fault(code, 1, kinds=["members_get"])
    world.mkto.inject_fault(code, 1, kinds=["members_status"])
    later(world)

    result = sync(world, program_id)

    assert world.mkto.members_by_email(program_id)["eve@example.com"] == "Registered"
    assert len(world.marketo_sleeps) == 2
    assert result["failures"] == []


def test_an_http_413_from_marketo_is_a_clear_error_and_the_run_is_recorded(world, linked):
    """Error Codes, HTTP-level: 413 Request Entity Too Large carries no JSON envelope."""
    program_id, campaign_id = linked
    sf_member(world, campaign_id, "eve@example.com", "Registered")
    world.mkto.inject_fault("413", 1, kinds=["members_status"])
    later(world)

    status, body = call(world, "POST", f"/programs/{program_id}/sync")

    assert (status, body["error"]) == (502, "MARKETO_REQUEST_TOO_LARGE")
    assert "Request Entity Too Large" in body["message"]
    last = call(world, "GET", "/program-links")[1]["links"][0]["last_sync"]
    assert last["completed"] is False
    assert "413" in last["error"]


def test_a_15_character_campaign_id_is_stored_as_the_18_salesforce_returns(world):
    """Salesforce ids: 15 characters (case-sensitive) or 18 with a checksum suffix; the API
    returns the 18-character form. Source: "Working with Record IDs", Salesforce Developers,
    https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/intro_working_with_record_ids.htm"""
    program_id, campaign_id = a_program(world), a_campaign(world)

    status, body = link(world, program_id, campaign_id[:15])

    assert (status, body["campaign_id"]) == (201, campaign_id)
    assert world.program_sync.deps.program_links.program_for_campaign(campaign_id) == program_id
    assert link(world, a_program(world, "Other"), campaign_id)[1]["error"] == (
        "CAMPAIGN_ALREADY_LINKED"
    )


def test_an_expired_salesforce_session_is_renewed_in_the_program_sync(world, linked):
    """INVALID_SESSION_ID: the sync logs in again from the secret and completes the run."""
    program_id, campaign_id = linked
    sf_member(world, campaign_id, "eve@example.com", "Registered")
    world.org.accepted_tokens = {"00D!renewed"}
    secret = {"instance_url": "https://acme.my.salesforce.com", "access_token": "00D!renewed"}
    world.session.client("secretsmanager").put_secret_value(
        SecretId="offline-touchpoints/salesforce",
        SecretString=json.dumps({**secret, "username": "integration@acme.com"}),
    )
    later(world)

    result = sync(world, program_id)

    assert world.mkto.members_by_email(program_id)["eve@example.com"] == "Registered"
    assert result["failures"] == []


def test_a_person_is_matched_by_marketos_salesforce_link_before_the_email(world, linked):
    """Marketo's sfdcLeadId / sfdcContactId link a lead to its Salesforce record (Get Leads by
    Filter Type accepts them as filterType): that link matches before the email does. Source:
    https://developer.adobe.com/marketo-apis/api/mapi/#tag/Leads/operation/getLeadsByFilterUsingGET"""
    program_id, campaign_id = linked
    lead_id = a_lead(world, "fay@corp.example.com")
    contact_id = world.org.insert("Contact", {"LastName": "Gus", "Email": "gus@corp.example.com"})
    sf_member(world, campaign_id, "fay@corp.example.com", "Registered")
    fay = world.mkto.add_lead("fay@home.example.com", sfdcLeadId=lead_id)
    world.mkto.set_member(program_id, fay, "Registered")
    gus = world.mkto.add_lead("gus@home.example.com", sfdcContactId=contact_id)
    world.mkto.set_member(program_id, gus, "Attended")
    leads_before = len(world.org.records("Lead"))
    later(world)

    result = sync(world, program_id)

    members = [m for m in world.org.records("CampaignMember") if m["CampaignId"] == campaign_id]
    assert {m.get("ContactId") for m in members} >= {contact_id}
    assert sum(m.get("LeadId") == lead_id for m in members) == 1
    assert len(world.org.records("Lead")) == leads_before  # nobody created by email
    assert len(members) == 5
    assert "fay@corp.example.com" not in world.mkto.members_by_email(program_id)
    assert result["failures"] == []


def test_a_converted_lead_is_never_matched(world, linked):
    """Lead.IsConverted: a converted Lead is read-only history; its person is the Contact.
    Source: "Lead", Salesforce Object Reference,
    https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_lead.htm"""
    program_id, campaign_id = linked
    converted = a_lead(world, "hal@example.com", IsConverted=True)
    mkto_member(world, program_id, "hal@example.com", "Registered", lastName="Hal")
    later(world)

    result = sync(world, program_id)

    hal_leads = [r for r in world.org.records("Lead") if r.get("Email") == "hal@example.com"]
    assert len(hal_leads) == 2  # a new Lead, the converted one left alone
    members = [m for m in world.org.records("CampaignMember") if m["CampaignId"] == campaign_id]
    assert all(m.get("LeadId") != converted for m in members)
    assert sf_statuses(world, campaign_id)["hal@example.com"] == "Registered"
    assert result["to_salesforce"]["leads_created"] == 1
