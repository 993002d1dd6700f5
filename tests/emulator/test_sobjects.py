from datetime import timedelta

import pytest
from simple_salesforce.exceptions import (
    SalesforceMalformedRequest,
    SalesforceResourceNotFound,
)


def test_create_get_update_delete_roundtrip(sf, org):
    created = sf.Campaign.create({"Name": "Field Day", "Type": "Field Event"})
    assert created["success"] is True
    assert created["errors"] == []
    record = sf.Campaign.get(created["id"])
    assert record["attributes"] == {
        "type": "Campaign",
        "url": f"/services/data/v59.0/sobjects/Campaign/{created['id']}",
    }
    assert record["Name"] == "Field Day"
    assert record["CreatedDate"] == "2026-02-05T16:30:00.000+0000"

    org.advance(hours=1)
    assert sf.Campaign.update(created["id"], {"Type": "Webinar"}) == 204
    updated = org.get("Campaign", created["id"])
    assert updated["Type"] == "Webinar"
    assert updated["LastModifiedDate"] == "2026-02-05T17:30:00.000+0000"
    assert updated["SystemModstamp"] == updated["LastModifiedDate"]
    assert updated["CreatedDate"] == "2026-02-05T16:30:00.000+0000"

    assert sf.Campaign.delete(created["id"]) == 204
    assert org.get("Campaign", created["id"]) is None
    with pytest.raises(SalesforceResourceNotFound) as deleted:
        sf.Campaign.get(created["id"])
    assert deleted.value.content[0]["errorCode"] == "ENTITY_IS_DELETED"


def test_get_with_fields_returns_only_those(sf, campaign):
    record = sf.Campaign.get(campaign, params={"fields": "Name,Type"})
    assert list(record) == ["attributes", "Name", "Type"]


def test_unknown_id_is_not_found(sf):
    with pytest.raises(SalesforceResourceNotFound) as error:
        sf.Campaign.get("7015g000000zzzzAAA")
    assert error.value.content == [
        {"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}
    ]


def test_datetimes_are_stored_in_utc_salesforce_format(sf, org):
    lead = org.insert("Lead", {"LastName": "Ng"})
    campaign = org.insert("Campaign", {"Name": "C"})
    member = sf.CampaignMember.create(
        {
            "CampaignId": campaign,
            "LeadId": lead,
            "Buyer_Touchpoint_Date__c": "2026-01-15T10:00:00+02:00",
        }
    )["id"]
    assert org.get("CampaignMember", member)["Buyer_Touchpoint_Date__c"] == (
        "2026-01-15T08:00:00.000+0000"
    )


def test_read_only_fields_are_refused(sf, org, campaign):
    lead = org.insert("Lead", {"LastName": "Ng"})
    with pytest.raises(SalesforceMalformedRequest) as error:
        sf.CampaignMember.create({"CampaignId": campaign, "LeadId": lead, "HasResponded": True})
    assert error.value.content[0]["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    assert error.value.content[0]["fields"] == ["HasResponded"]
    member = org.insert("CampaignMember", {"CampaignId": campaign, "LeadId": lead})
    with pytest.raises(SalesforceMalformedRequest):
        sf.CampaignMember.update(member, {"FirstRespondedDate": "2026-01-01"})
    with pytest.raises(SalesforceMalformedRequest):
        sf.Campaign.create({"Name": "x", "CreatedDate": "2026-01-01T00:00:00Z"})


def test_upsert_creates_then_updates(sf, org):
    org.define_external_id("Buyer_Touchpoint__c", "Touchpoint_Key__c")
    first = sf.Buyer_Touchpoint__c.upsert("Touchpoint_Key__c/cm-1", {"Email__c": "a@x.com"})
    assert first == 201
    second = sf.Buyer_Touchpoint__c.upsert(
        "Touchpoint_Key__c/cm-1", {"Email__c": "b@x.com"}, raw_response=True
    )
    assert second.status_code == 200
    assert second.json()["created"] is False
    [record] = org.records("Buyer_Touchpoint__c")
    assert record["Email__c"] == "b@x.com"
    assert record["Touchpoint_Key__c"] == "cm-1"
    assert second.json()["id"] == record["Id"]


def test_upsert_on_a_field_that_is_not_an_external_id_is_not_found(sf):
    with pytest.raises(SalesforceResourceNotFound):
        sf.Buyer_Touchpoint__c.upsert("Email__c/a@x.com", {"Name": "x"})


def test_unique_external_id_rejects_a_duplicate(sf, org):
    org.define_external_id("Buyer_Touchpoint__c", "Touchpoint_Key__c")
    existing = sf.Buyer_Touchpoint__c.create({"Touchpoint_Key__c": "K1"})["id"]
    with pytest.raises(SalesforceMalformedRequest) as error:
        sf.Buyer_Touchpoint__c.create({"Touchpoint_Key__c": "k1"})
    assert error.value.content[0]["errorCode"] == "DUPLICATE_VALUE"
    assert existing in error.value.content[0]["message"]


class TestCampaignMemberResponse:
    def test_default_statuses_sent_and_responded(self, sf, org, campaign):
        lead = org.insert("Lead", {"LastName": "Ng"})
        member = sf.CampaignMember.create({"CampaignId": campaign, "LeadId": lead})["id"]
        record = sf.CampaignMember.get(member)
        assert (record["Status"], record["HasResponded"]) == ("Sent", False)
        assert record["FirstRespondedDate"] is None

        sf.CampaignMember.update(member, {"Status": "Responded"})
        record = sf.CampaignMember.get(member)
        assert record["HasResponded"] is True
        assert record["FirstRespondedDate"] == "2026-02-05"

    def test_first_responded_date_is_kept_when_status_goes_back(self, sf, org, campaign):
        lead = org.insert("Lead", {"LastName": "Ng"})
        member = org.insert(
            "CampaignMember", {"CampaignId": campaign, "LeadId": lead, "Status": "Responded"}
        )
        org.advance(timedelta(days=3))
        sf.CampaignMember.update(member, {"Status": "Sent"})
        sf.CampaignMember.update(member, {"Status": "Responded"})
        record = org.get("CampaignMember", member)
        assert record["HasResponded"] is True
        assert record["FirstRespondedDate"] == "2026-02-05"

    def test_campaign_defined_statuses(self, sf, org, campaign):
        org.insert(
            "CampaignMemberStatus",
            {"CampaignId": campaign, "Label": "Attended", "HasResponded": True},
        )
        org.insert(
            "CampaignMemberStatus",
            {"CampaignId": campaign, "Label": "Registered", "HasResponded": False},
        )
        lead = org.insert("Lead", {"LastName": "Ng"})
        attended = sf.CampaignMember.create(
            {"CampaignId": campaign, "LeadId": lead, "Status": "Attended"}
        )["id"]
        assert org.get("CampaignMember", attended)["HasResponded"] is True
        statuses = sf.query(
            f"SELECT Label, HasResponded FROM CampaignMemberStatus WHERE CampaignId = '{campaign}'"
            " ORDER BY SortOrder"
        )["records"]
        assert [(s["Label"], s["HasResponded"]) for s in statuses] == [
            ("Sent", False),
            ("Responded", True),
            ("Attended", True),
            ("Registered", False),
        ]

    def test_changing_a_status_definition_recomputes_members(self, org, campaign):
        lead = org.insert("Lead", {"LastName": "Ng"})
        member = org.insert(
            "CampaignMember", {"CampaignId": campaign, "LeadId": lead, "Status": "Attended"}
        )
        assert org.get("CampaignMember", member)["HasResponded"] is False
        org.set_status_responded("Attended", True, campaign_id=campaign)
        assert org.get("CampaignMember", member)["HasResponded"] is True
        assert org.get("CampaignMember", member)["FirstRespondedDate"] == "2026-02-05"

    def test_org_wide_status_rule(self, org, campaign):
        org.set_status_responded("Visited Booth", True)
        lead = org.insert("Lead", {"LastName": "Ng"})
        member = org.insert(
            "CampaignMember", {"CampaignId": campaign, "LeadId": lead, "Status": "Visited Booth"}
        )
        assert org.get("CampaignMember", member)["HasResponded"] is True

    def test_a_person_is_a_member_once(self, sf, org, campaign):
        lead = org.insert("Lead", {"LastName": "Ng"})
        sf.CampaignMember.create({"CampaignId": campaign, "LeadId": lead})
        with pytest.raises(SalesforceMalformedRequest) as error:
            sf.CampaignMember.create({"CampaignId": campaign, "LeadId": lead})
        assert error.value.content[0]["errorCode"] == "DUPLICATE_VALUE"

    def test_member_needs_a_live_campaign(self, sf, org):
        lead = org.insert("Lead", {"LastName": "Ng"})
        with pytest.raises(SalesforceMalformedRequest) as error:
            sf.CampaignMember.create({"LeadId": lead})
        assert error.value.content[0]["errorCode"] == "REQUIRED_FIELD_MISSING"

    def test_deleting_a_campaign_removes_its_members(self, sf, org, campaign):
        lead = org.insert("Lead", {"LastName": "Ng"})
        member = org.insert("CampaignMember", {"CampaignId": campaign, "LeadId": lead})
        sf.Campaign.delete(campaign)
        assert org.get("CampaignMember", member) is None
        deleted = sf.query_all("SELECT Id, IsDeleted FROM CampaignMember", include_deleted=True)[
            "records"
        ]
        assert [(r["Id"], r["IsDeleted"]) for r in deleted] == [(member, True)]
