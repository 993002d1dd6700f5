"""Opportunities, their contact roles, Campaign Influence and influence models.

Sources (each test names the one it checks):
- [OPPORTUNITY] "Opportunity", Object Reference for the Salesforce Platform,
  https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_opportunity.htm,
  and [STAGE] "OpportunityStage",
  https://developer.salesforce.com/docs/platform/object-reference/references/standard-objects/object-opportunitystage.html
  (IsClosed and IsWon belong to the stage; the opportunity's follow its StageName).
- [ROLE] "OpportunityContactRole", Object Reference,
  https://developer.salesforce.com/docs/platform/object-reference/references/standard-objects/object-opportunitycontactrole.html
- [INFLUENCE] "CampaignInfluence", Object Reference,
  https://developer.salesforce.com/docs/platform/object-reference/references/standard-objects/object-campaigninfluence.html
- [MODEL] "CampaignInfluenceModel", Object Reference,
  https://developer.salesforce.com/docs/platform/object-reference/references/standard-objects/object-campaigninfluencemodel.html
"""

from __future__ import annotations

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest

from tests.emulator.test_permissions import write_permission_set


@pytest.fixture
def contact(org) -> str:
    return org.insert("Contact", {"LastName": "Ng", "Email": "ng@example.com"})


@pytest.fixture
def opportunity(org) -> str:
    return org.insert(
        "Opportunity",
        {
            "Name": "Acme renewal",
            "StageName": "Prospecting",
            "CloseDate": "2026-03-31",
            "Amount": 50000,
        },
    )


@pytest.fixture
def locked_model(org) -> str:
    return org.insert(
        "CampaignInfluenceModel",
        {"DeveloperName": "Event_Dated", "MasterLabel": "Event dated", "IsModelLocked": True},
    )


def error_of(raised) -> dict:
    return raised.value.content[0]


def test_an_opportunitys_stage_decides_closed_and_won(sf, opportunity):
    """[OPPORTUNITY]/[STAGE]: IsClosed and IsWon follow StageName."""
    record = sf.Opportunity.get(opportunity)
    assert (record["IsClosed"], record["IsWon"]) == (False, False)
    sf.Opportunity.update(opportunity, {"StageName": "Closed Won"})
    record = sf.Opportunity.get(opportunity)
    assert (record["IsClosed"], record["IsWon"]) == (True, True)
    sf.Opportunity.update(opportunity, {"StageName": "Closed Lost"})
    record = sf.Opportunity.get(opportunity)
    assert (record["IsClosed"], record["IsWon"]) == (True, False)
    assert record["CloseDate"] == "2026-03-31"
    assert record["Amount"] == 50000


def test_closed_and_won_cannot_be_written(sf, opportunity):
    """[OPPORTUNITY]: IsWon and IsClosed cannot be set directly, only through StageName."""
    with pytest.raises(SalesforceMalformedRequest) as refused:
        sf.Opportunity.update(opportunity, {"IsWon": True})
    assert error_of(refused)["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"


def test_a_contact_role_links_a_contact_to_an_opportunity(sf, opportunity, contact):
    """[ROLE]: OpportunityId is required, IsPrimary defaults to false, Role is a picklist."""
    role = sf.OpportunityContactRole.create(
        {"OpportunityId": opportunity, "ContactId": contact, "Role": "Decision Maker"}
    )["id"]
    assert role.startswith("00K")
    found = sf.query(
        f"SELECT ContactId, IsPrimary, Role FROM OpportunityContactRole WHERE OpportunityId = '{opportunity}'"
    )["records"]
    assert [(row["ContactId"], row["IsPrimary"], row["Role"]) for row in found] == [
        (contact, False, "Decision Maker")
    ]
    with pytest.raises(SalesforceMalformedRequest) as missing:
        sf.OpportunityContactRole.create({"ContactId": contact})
    assert error_of(missing)["errorCode"] == "REQUIRED_FIELD_MISSING"


def roles_of(sf, opportunity, include_deleted) -> list[tuple[str, bool]]:
    soql = f"SELECT Id, IsDeleted FROM OpportunityContactRole WHERE OpportunityId = '{opportunity}'"
    found = sf.query_all(soql, include_deleted=include_deleted)["records"]
    return [(row["Id"], row["IsDeleted"]) for row in found]


def test_a_contact_role_deleted_on_its_own_is_not_kept_in_the_recycle_bin(sf, opportunity, contact):
    """[ROLE], IsDeleted: "usable only when the parent record is deleted to the recycle bin, and
    not when the OpportunityContactRole record is deleted directly": queryAll does not return it."""
    role = sf.OpportunityContactRole.create({"OpportunityId": opportunity, "ContactId": contact})
    sf.OpportunityContactRole.delete(role["id"])

    assert roles_of(sf, opportunity, include_deleted=False) == []
    assert roles_of(sf, opportunity, include_deleted=True) == []


def test_an_opportunitys_roles_go_to_the_recycle_bin_with_it_and_come_back_with_it(
    sf, org, opportunity, contact
):
    """[ROLE], IsDeleted: a role whose opportunity was deleted to the Recycle Bin is there too,
    `IsDeleted` true (queryAll returns it); undeleting the opportunity restores it."""
    role = org.insert(
        "OpportunityContactRole", {"OpportunityId": opportunity, "ContactId": contact}
    )
    sf.Opportunity.delete(opportunity)

    assert roles_of(sf, opportunity, include_deleted=False) == []
    assert roles_of(sf, opportunity, include_deleted=True) == [(role, True)]
    org.undelete_record("Opportunity", opportunity)
    assert roles_of(sf, opportunity, include_deleted=False) == [(role, False)]


def test_a_contact_roles_opportunity_cannot_change(sf, org, opportunity, contact):
    """[ROLE]: OpportunityId "is non-nullable, and it cannot be updated"."""
    role = org.insert(
        "OpportunityContactRole", {"OpportunityId": opportunity, "ContactId": contact}
    )
    other = org.insert(
        "Opportunity", {"Name": "Other", "StageName": "Prospecting", "CloseDate": "2026-04-30"}
    )
    with pytest.raises(SalesforceMalformedRequest) as refused:
        sf.OpportunityContactRole.update(role, {"OpportunityId": other})
    assert error_of(refused)["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"


def test_an_opportunity_has_one_primary_contact(sf, org, opportunity, contact):
    """[ROLE]: "Each Opportunity has only one primary contact": a new primary replaces the old."""
    second = org.insert("Contact", {"LastName": "Ito"})
    first_role = sf.OpportunityContactRole.create(
        {"OpportunityId": opportunity, "ContactId": contact, "IsPrimary": True}
    )["id"]
    sf.OpportunityContactRole.create(
        {"OpportunityId": opportunity, "ContactId": second, "IsPrimary": True}
    )
    assert org.get("OpportunityContactRole", first_role)["IsPrimary"] is False


def test_campaign_influence_of_a_locked_model_is_written_through_the_api(
    sf, org, opportunity, contact, campaign, locked_model
):
    """[INFLUENCE]: create, update, upsert and delete are supported; Influence is the percent of the
    opportunity's Amount and RevenueShare the amount it attributes. [MODEL]: records of a locked
    model are added, edited or deleted only through the API."""
    influence = sf.CampaignInfluence.create(
        {
            "CampaignId": campaign,
            "OpportunityId": opportunity,
            "ContactId": contact,
            "ModelId": locked_model,
            "Influence": 40,
        }
    )["id"]
    assert sf.CampaignInfluence.get(influence)["RevenueShare"] == 20000
    sf.CampaignInfluence.update(influence, {"Influence": 12.5})
    assert sf.CampaignInfluence.get(influence)["RevenueShare"] == 6250
    sf.Opportunity.update(opportunity, {"Amount": 1000})
    assert sf.CampaignInfluence.get(influence)["RevenueShare"] == 125
    sf.CampaignInfluence.delete(influence)
    assert org.get("CampaignInfluence", influence) is None


def test_revenue_share_is_computed_not_written(sf, opportunity, contact, campaign, locked_model):
    """[INFLUENCE]: RevenueShare is neither Create nor Update."""
    with pytest.raises(SalesforceMalformedRequest) as refused:
        sf.CampaignInfluence.create(
            {
                "CampaignId": campaign,
                "OpportunityId": opportunity,
                "ModelId": locked_model,
                "RevenueShare": 10,
            }
        )
    assert error_of(refused)["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"


def test_campaign_influence_keeps_its_campaign_opportunity_contact_and_model(
    sf, org, opportunity, contact, campaign, locked_model
):
    """[INFLUENCE]: CampaignId, OpportunityId, ContactId and ModelId are Create only; the first
    three without ContactId are required lookups."""
    influence = org.insert(
        "CampaignInfluence",
        {"CampaignId": campaign, "OpportunityId": opportunity, "ModelId": locked_model},
    )
    other = org.insert("Campaign", {"Name": "Feb Webinar"})
    with pytest.raises(SalesforceMalformedRequest) as refused:
        sf.CampaignInfluence.update(influence, {"CampaignId": other})
    assert error_of(refused)["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    with pytest.raises(SalesforceMalformedRequest) as missing:
        sf.CampaignInfluence.create({"CampaignId": campaign, "OpportunityId": opportunity})
    assert error_of(missing)["errorCode"] == "REQUIRED_FIELD_MISSING"
    with pytest.raises(SalesforceMalformedRequest) as wrong_type:
        sf.CampaignInfluence.create(
            {"CampaignId": campaign, "OpportunityId": opportunity, "ModelId": contact}
        )
    assert error_of(wrong_type)["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"


def test_influence_models_are_read_only_through_the_api(sf, locked_model):
    """[MODEL]: supported calls are describeSObjects(), query() and retrieve(); IsActive and
    IsDefaultModel default to false."""
    found = sf.query(
        "SELECT Id, IsModelLocked, IsActive, IsDefaultModel FROM CampaignInfluenceModel "
        "WHERE DeveloperName = 'Event_Dated'"
    )["records"]
    assert [
        (row["Id"], row["IsModelLocked"], row["IsActive"], row["IsDefaultModel"]) for row in found
    ] == [(locked_model, True, False, False)]
    with pytest.raises(SalesforceMalformedRequest) as refused:
        sf.CampaignInfluenceModel.create({"DeveloperName": "Mine", "MasterLabel": "Mine"})
    assert error_of(refused)["errorCode"] == "CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY"
    with pytest.raises(SalesforceMalformedRequest):
        sf.CampaignInfluenceModel.update(locked_model, {"IsModelLocked": False})


def test_contact_roles_and_influence_follow_the_opportunitys_permissions(
    sf, org, tmp_path, opportunity, contact, campaign, locked_model
):
    """[ROLE]: "The API applies user access rights to the associated Opportunity for this object".
    Campaign Influence names no object permission of its own: reading it takes the opportunity
    and the campaign, writing it the opportunity's Edit."""
    org.enforce_permission_set(
        write_permission_set(tmp_path, {"Opportunity": "r", "Campaign": "r", "Contact": "r"}, {})
    )
    assert sf.query("SELECT Id FROM OpportunityContactRole")["totalSize"] == 0
    with pytest.raises(SalesforceMalformedRequest) as refused:
        sf.CampaignInfluence.create(
            {"CampaignId": campaign, "OpportunityId": opportunity, "ModelId": locked_model}
        )
    assert error_of(refused)["errorCode"] == "CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY"
    org.enforce_permission_set(
        write_permission_set(tmp_path, {"Opportunity": "re", "Campaign": "r", "Contact": "r"}, {})
    )
    created = sf.CampaignInfluence.create(
        {
            "CampaignId": campaign,
            "OpportunityId": opportunity,
            "ModelId": locked_model,
            "Influence": 10,
        }
    )
    assert created["success"] is True


def test_a_converted_lead_names_its_contact(sf, org, contact):
    """ "Change Events for Lead Conversion", Change Data Capture Developer Guide,
    https://developer.salesforce.com/docs/atlas.en-us.change_data_capture.meta/change_data_capture/cdc_standard_objects_lead_conversion.htm:
    conversion sets IsConverted and ConvertedContactId ("the ID of the contact created in the lead
    conversion") on the lead; a query can find the lead by its contact."""
    lead = org.insert(
        "Lead",
        {"LastName": "Ng", "Company": "Acme", "IsConverted": True, "ConvertedContactId": contact},
    )
    found = sf.query(f"SELECT Id, CreatedDate FROM Lead WHERE ConvertedContactId = '{contact}'")
    assert [row["Id"] for row in found["records"]] == [lead]
