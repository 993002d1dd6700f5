"""The Recycle Bin: deletes, cascades, SetNull lookups, undelete and merge.

Sources:
- "QueryAll", REST API Developer Guide,
  https://developer.salesforce.com/docs/platform/api-rest/guide/resources-queryall.html: unlike
  Query, QueryAll returns records soft-deleted by a merge or delete.
- "Deleting Records", Apex Developer Guide,
  https://developer.salesforce.com/docs/atlas.en-us.apexcode.meta/apexcode/langCon_apex_dml_examples_delete.htm:
  deleted records stay in the Recycle Bin 15 days; delete cascades to children; undelete restores
  the record associations of all custom lookup relationships (Salesforce Help, "Restore Deleted
  Records": only those not replaced since).
- "undelete()", SOAP API Developer Guide,
  https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_undelete.htm:
  an undelete undeletes the cascade-deleted records; REST has no undelete resource, so the
  emulator offers it as a test-side helper (`undelete_record`).
- "Merging Records", Apex Developer Guide,
  https://developer.salesforce.com/docs/atlas.en-us.apexcode.meta/apexcode/langCon_apex_dml_examples_merge.htm:
  a merge keeps the master, deletes the others and reparents their related records; QueryAll
  shows the losers with `MasterRecordId` (REST has no merge resource: `merge_records`).
- The shipped metadata: `Buyer_Touchpoint__c.Campaign__c`, `Lead__c` and `Contact__c` declare
  `<deleteConstraint>SetNull</deleteConstraint>`.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from defusedxml import ElementTree

FIELDS = Path(__file__).resolve().parents[2] / (
    "salesforce/force-app/main/default/objects/Buyer_Touchpoint__c/fields"
)


@pytest.fixture
def people(org, campaign):
    lead = org.insert("Lead", {"LastName": "Ng", "Company": "Acme"})
    contact = org.insert("Contact", {"LastName": "Roe"})
    members = {
        "lead": org.insert("CampaignMember", {"CampaignId": campaign, "LeadId": lead}),
        "contact": org.insert("CampaignMember", {"CampaignId": campaign, "ContactId": contact}),
    }
    return lead, contact, members


def _deleted(sf, sobject: str) -> dict[str, dict]:
    soql = f"SELECT Id, IsDeleted, SystemModstamp FROM {sobject} WHERE IsDeleted = true"
    return {r["Id"]: r for r in sf.query_all(soql, include_deleted=True)["records"]}


def test_a_deleted_member_is_binned_with_a_new_modstamp(sf, org, people):
    _, _, members = people
    org.advance(minutes=5)
    sf.CampaignMember.delete(members["lead"])
    assert [r["Id"] for r in sf.query("SELECT Id FROM CampaignMember")["records"]] == [
        members["contact"]
    ]
    binned = _deleted(sf, "CampaignMember")[members["lead"]]
    assert binned["IsDeleted"] is True
    assert binned["SystemModstamp"] == "2026-02-05T16:35:00.000+0000"


def test_bulk_query_all_returns_binned_members(sf, org, people):
    _, _, members = people
    sf.CampaignMember.delete(members["lead"])
    [page] = sf.bulk2.CampaignMember.query_all(
        "SELECT Id FROM CampaignMember WHERE IsDeleted = true", wait=0
    )
    assert members["lead"] in page
    assert members["contact"] not in page


def test_deleting_a_lead_or_contact_deletes_its_memberships(sf, org, people):
    lead, contact, members = people
    sf.Lead.delete(lead)
    sf.Contact.delete(contact)
    assert set(_deleted(sf, "CampaignMember")) == set(members.values())


def test_undelete_restores_a_campaign_with_its_members(sf, org, campaign, people):
    _, _, members = people
    sf.Campaign.delete(campaign)
    assert not sf.query("SELECT Id FROM CampaignMember")["records"]
    org.advance(minutes=3)
    org.undelete_record("Campaign", campaign)
    live = sf.query("SELECT Id, SystemModstamp FROM CampaignMember")["records"]
    assert {r["Id"] for r in live} == set(members.values())
    assert {r["SystemModstamp"] for r in live} == {"2026-02-05T16:33:00.000+0000"}
    assert sf.Campaign.get(campaign)["IsDeleted"] is False
    assert not _deleted(sf, "CampaignMember")


def test_undelete_of_a_record_not_in_the_bin_is_refused(org, campaign):
    with pytest.raises(ValueError, match="INVALID_ID_FIELD"):
        org.undelete_record("Campaign", campaign)


def test_a_member_cannot_come_back_while_its_campaign_is_deleted(sf, org, campaign, people):
    _, _, members = people
    sf.Campaign.delete(campaign)
    with pytest.raises(ValueError, match="ENTITY_IS_DELETED"):
        org.undelete_record("CampaignMember", members["lead"])


@pytest.mark.parametrize("field", ["Campaign__c", "Lead__c", "Contact__c"])
def test_the_shipped_touchpoint_lookups_are_set_null(field):
    root = ElementTree.parse(FIELDS / f"{field}.field-meta.xml").getroot()
    namespace = "{http://soap.sforce.com/2006/04/metadata}"
    assert root.findtext(f"{namespace}deleteConstraint") == "SetNull"


@pytest.fixture
def touchpoint(org, campaign, people):
    lead, _, members = people
    for target in ("Campaign", "Lead", "Contact"):
        org.define_set_null_lookup("Buyer_Touchpoint__c", f"{target}__c", target)
    return org.insert(
        "Buyer_Touchpoint__c",
        {"Campaign__c": campaign, "Lead__c": lead, "Campaign_Member_Id__c": members["lead"]},
    )


def test_a_set_null_lookup_is_cleared_on_delete_and_restored_on_undelete(
    sf, org, campaign, touchpoint
):
    sf.Campaign.delete(campaign)
    assert org.get("Buyer_Touchpoint__c", touchpoint)["Campaign__c"] is None
    org.undelete_record("Campaign", campaign)
    assert org.get("Buyer_Touchpoint__c", touchpoint)["Campaign__c"] == campaign


def test_undelete_keeps_a_lookup_replaced_since(sf, org, campaign, touchpoint):
    other = org.insert("Campaign", {"Name": "Other"})
    sf.Campaign.delete(campaign)
    org.update_record("Buyer_Touchpoint__c", touchpoint, {"Campaign__c": other})
    org.undelete_record("Campaign", campaign)
    assert org.get("Buyer_Touchpoint__c", touchpoint)["Campaign__c"] == other


def test_a_merge_moves_memberships_to_the_master_and_bins_the_loser(sf, org, campaign, touchpoint):
    loser = org.get("Buyer_Touchpoint__c", touchpoint)["Lead__c"]
    master = org.insert("Lead", {"LastName": "Ng", "Company": "Acme", "Email": "ng@x.com"})
    second = org.insert("Campaign", {"Name": "Second"})
    org.insert("CampaignMember", {"CampaignId": second, "LeadId": master})
    duplicate = org.insert("CampaignMember", {"CampaignId": second, "LeadId": loser})
    org.advance(timedelta(minutes=1))
    org.merge_records("Lead", master, loser)
    members = sf.query(f"SELECT Id, CampaignId FROM CampaignMember WHERE LeadId = '{master}'")
    assert {r["CampaignId"] for r in members["records"]} == {campaign, second}
    assert duplicate in _deleted(sf, "CampaignMember")
    [binned] = sf.query_all(
        f"SELECT Id, IsDeleted, MasterRecordId FROM Lead WHERE Id = '{loser}'",
        include_deleted=True,
    )["records"]
    assert (binned["IsDeleted"], binned["MasterRecordId"]) == (True, master)
    assert org.get("Buyer_Touchpoint__c", touchpoint)["Lead__c"] == master


def test_only_leads_and_contacts_merge(org, campaign):
    other = org.insert("Campaign", {"Name": "Other"})
    with pytest.raises(ValueError, match="merge"):
        org.merge_records("Campaign", campaign, other)


def test_undeleting_a_lead_brings_its_memberships_back(sf, org, people):
    lead, _, members = people
    sf.Lead.delete(lead)
    org.undelete_record("Lead", lead)
    assert members["lead"] not in _deleted(sf, "CampaignMember")
    assert org.get("CampaignMember", members["lead"])["LeadId"] == lead
