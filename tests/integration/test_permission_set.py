"""The shipped permission set grants every object and field the adapters read or write.

The integration user runs on a minimum-access profile plus Offline_Touchpoints_Integration
(DESIGN.md), so anything not granted there is invisible or read-only to it. Field-level security
applies to most standard fields too ("Factors that Affect Data Access", Object Reference,
https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/obj_ref_data_access.htm);
the fields that need no grant are listed, with their sources, in emulators/salesforce/permissions.py.
"""

from __future__ import annotations

from dataclasses import astuple

import pytest

from emulators.salesforce.permissions import FULL, PermissionSetAccess
from emulators.world import PERMISSION_SET
from touchpoints.adapters.salesforce_records import RecordMapper
from touchpoints.settings import AttributionFields, CampaignFields, TouchpointFields

TOUCHPOINTS = TouchpointFields()
CAMPAIGN = CampaignFields()
ATTRIBUTION = AttributionFields()
MAPPER = RecordMapper(CAMPAIGN, TOUCHPOINTS)

# Standard fields the adapters name in their SOQL and writes (salesforce.py,
# salesforce_campaigns.py); the custom ones come from the settings below.
READ = {
    "Campaign": [
        "Id",
        "Name",
        "Type",
        "ActualCost",
        CAMPAIGN.sync_mode,
        CAMPAIGN.start_date,
        CAMPAIGN.end_date,
    ],
    "CampaignMember": [c.strip() for c in MAPPER.member_columns.split(",")]
    + [
        "Lead.FirstName",
        "Lead.LastName",
        "Lead.Company",
        "Lead.IsConverted",
        "Contact.FirstName",
        "Contact.LastName",
    ],
    "CampaignMemberStatus": ["Label", "CampaignId", "SortOrder"],
    "Lead": ["Id", "Email", "IsConverted", "CreatedDate", "ConvertedContactId"],
    "Contact": ["Id", "Email", "CreatedDate"],
    "User": ["Id", "Username", "UserPermissionsMarketingUser"],
    TOUCHPOINTS.sobject: [c.strip() for c in MAPPER.touchpoint_columns.split(",")],
    # attribution (DESIGN.md, "Attribution"): opportunities through their contact roles, the
    # records it keeps in step, and the locked influence model it writes Campaign Influence under
    "Opportunity": ["Id", "Amount", "CloseDate", "CreatedDate", "IsWon", "IsClosed", "StageName"],
    "OpportunityContactRole": ["OpportunityId", "ContactId"],
    ATTRIBUTION.sobject: ["Id", *astuple(ATTRIBUTION)[1:]],
    "CampaignInfluence": ["Id", "CampaignId", "OpportunityId", "ContactId", "ModelId", "Influence"],
    "CampaignInfluenceModel": ["Id", "DeveloperName", "IsModelLocked"],
}
WRITE = {
    # the program sync's channel and cost (rules/program_sync.py: campaign_updates)
    "Campaign": ["Type", "ActualCost"],
    # members added and restatused by the sync, dated by the bulk date update, outcome write-back
    "CampaignMember": [
        "CampaignId",
        "LeadId",
        "ContactId",
        "Status",
        CAMPAIGN.member_touchpoint_date,
        CAMPAIGN.member_status,
    ],
    # leads the sync creates for Marketo-only people
    "Lead": ["Email", "FirstName", "LastName", "Company"],
    TOUCHPOINTS.sobject: list(astuple(TOUCHPOINTS)[1:]),
    ATTRIBUTION.sobject: list(astuple(ATTRIBUTION)[1:]),
    "CampaignInfluence": ["CampaignId", "OpportunityId", "ContactId", "ModelId", "Influence"],
}


@pytest.fixture(scope="module")
def access() -> PermissionSetAccess:
    return PermissionSetAccess.load(PERMISSION_SET)


def readable(access: PermissionSetAccess, sobject: str, path: str) -> bool:
    """A field, or a parent's field through a lookup (Lead.Email on CampaignMember)."""
    *relationships, field = path.split(".")
    for relationship in relationships:
        target = access.relationship_target(sobject, relationship)
        if target is None or not access.can_read_field(sobject, relationship + "Id"):
            return False
        sobject = target
    return access.can_read_object(sobject) and access.can_read_field(sobject, field)


@pytest.mark.parametrize(
    ("sobject", "path"), [(sobject, path) for sobject, paths in READ.items() for path in paths]
)
def test_every_field_the_adapters_read_is_readable(access, sobject, path):
    assert readable(access, sobject, path), f"{sobject}.{path} is not readable"


@pytest.mark.parametrize(
    ("sobject", "field"),
    [(sobject, field) for sobject, fields in WRITE.items() for field in fields],
)
def test_every_field_the_adapters_write_is_editable(access, sobject, field):
    assert access.can_edit_field(sobject, field), f"{sobject}.{field} is not editable"


def test_the_objects_the_flows_write_allow_those_writes(access):
    """Touchpoints are upserted and deleted; the sync creates leads and adds, restatuses and
    removes members; campaigns take the sync's type and cost."""
    assert access.object_access(TOUCHPOINTS.sobject) == FULL
    assert access.object_access("CampaignMember") == FULL
    assert access.object_access("Lead").create
    assert access.object_access("Campaign").edit
    assert access.object_access(ATTRIBUTION.sobject) == FULL
    assert access.object_access("CampaignInfluence") == FULL


def test_nothing_is_granted_that_no_flow_uses(access):
    """Least privilege: every field permission in the set is one the adapters read or write."""
    used = set()
    for sobject, paths in (*READ.items(), *WRITE.items()):
        for path in paths:
            *relationships, field = path.split(".")
            owner = sobject
            for relationship in relationships:
                owner = access.relationship_target(owner, relationship)
            used.add((owner.lower(), field.lower()))
    assert set(access.permissions.fields) - used == set()
