"""Object permissions and field-level security for the API user, from an SFDX permission set.

Sources (each test names the one it checks):
- [DATA ACCESS] "Factors that Affect Data Access", Object Reference for the Salesforce Platform,
  https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/obj_ref_data_access.htm
- [INVALID_FIELD] "INVALID_FIELD: No such column 'X' on entity 'Y'",
  https://salesforcedictionary.com/errors/invalid-field-no-such-column (the same error for a field
  that does not exist and for one the user has no field-level access to)
- [FIELD ACCESS] "What Determines Field Access?", Salesforce Help,
  https://help.salesforce.com/s/articleView?id=platform.customize_fieldaccess.htm
- [MEMBERS] "Displaying and Editing a Campaign Member", Salesforce Help,
  https://help.salesforce.com/s/articleView?id=sales.campaigns_members_detail.htm
- [PERMSET] "PermissionSet", Metadata API Developer Guide,
  https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_permissionset.htm
- [REFUSALS] INSUFFICIENT_ACCESS_OR_READONLY "insufficient access rights on object id",
  https://salesforcedictionary.com/errors/insufficient-access-or-readonly; an insert without
  Create answers CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY "entity type cannot be inserted: X".
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest, SalesforceResourceNotFound

OBJECT_FLAGS = ("allowCreate", "allowDelete", "allowEdit", "allowRead")


def write_permission_set(
    root: Path,
    objects: dict[str, str],
    fields: dict[str, str],
    required_custom_fields: tuple[str, ...] = (),
) -> Path:
    """An SFDX package under `root`: objects as {"Lead": "r" | "rc" | "rce" | "rced"}, fields
    as {"Lead.Email": "r" | "re"}, and custom fields marked required in their own metadata."""
    ns = "http://soap.sforce.com/2006/04/metadata"
    parts = [f'<?xml version="1.0" encoding="UTF-8"?>\n<PermissionSet xmlns="{ns}">']
    for field, mode in fields.items():
        parts.append(
            f"<fieldPermissions><editable>{str('e' in mode).lower()}</editable>"
            f"<field>{field}</field><readable>true</readable></fieldPermissions>"
        )
    parts.append("<label>Test</label>")
    for sobject, mode in objects.items():
        letters = {"allowCreate": "c", "allowDelete": "d", "allowEdit": "e", "allowRead": "r"}
        flags = "".join(
            f"<{flag}>{str(letters[flag] in mode).lower()}</{flag}>" for flag in OBJECT_FLAGS
        )
        parts.append(f"<objectPermissions>{flags}<object>{sobject}</object></objectPermissions>")
    parts.append("</PermissionSet>")
    path = root / "permissionsets" / "Test.permissionset-meta.xml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(parts))
    for qualified in required_custom_fields:
        sobject, field = qualified.split(".")
        meta = root / "objects" / sobject / "fields" / f"{field}.field-meta.xml"
        meta.parent.mkdir(parents=True, exist_ok=True)
        meta.write_text(
            f'<CustomField xmlns="{ns}"><fullName>{field}</fullName>'
            "<required>true</required><type>Text</type></CustomField>"
        )
    return path


@pytest.fixture
def enforce(org, tmp_path):
    def apply(objects, fields, required_custom_fields=()):
        org.enforce_permission_set(
            write_permission_set(tmp_path, objects, fields, required_custom_fields)
        )

    return apply


@pytest.fixture
def member(org, campaign) -> str:
    lead = org.insert("Lead", {"LastName": "Ann", "Company": "Acme", "Email": "ann@example.com"})
    return org.insert("CampaignMember", {"CampaignId": campaign, "LeadId": lead})


def error_of(raised) -> dict:
    return raised.value.content[0]


# -- queries -----------------------------------------------------------------------------------


def test_a_query_naming_a_field_the_user_cannot_read_fails_as_if_the_field_did_not_exist(
    sf, enforce, campaign
):
    """[DATA ACCESS] fields not visible to the user are not returned by query(); [INVALID_FIELD]
    the error is INVALID_FIELD "No such column 'Type' on entity 'Campaign'"."""
    enforce({"Campaign": "r"}, {})
    with pytest.raises(SalesforceMalformedRequest) as refused:
        sf.query("SELECT Id, Name, Type FROM Campaign")
    assert error_of(refused)["errorCode"] == "INVALID_FIELD"
    assert "No such column 'Type' on entity 'Campaign'" in error_of(refused)["message"]

    enforce({"Campaign": "r"}, {"Campaign.Type": "r"})  # granted: the same query works
    assert sf.query("SELECT Id, Name, Type FROM Campaign")["records"][0]["Type"] == "Conference"


def test_hidden_fields_are_refused_in_filters_and_relationship_paths(sf, enforce, member):
    """[DATA ACCESS] / [INVALID_FIELD]: a hidden field is unknown wherever the query names it,
    including a parent's field reached through a lookup (Lead.Email on a campaign member)."""
    enforce({"Campaign": "r", "Lead": "r", "Contact": "r"}, {})
    for soql in (
        "SELECT Id, Lead.Email FROM CampaignMember",
        "SELECT Id FROM Lead WHERE Email = 'ann@example.com'",
        "SELECT Id FROM Lead ORDER BY Email",
    ):
        with pytest.raises(SalesforceMalformedRequest) as refused:
            sf.query(soql)
        assert error_of(refused)["errorCode"] == "INVALID_FIELD", soql
        assert "No such column 'Email' on entity 'Lead'" in error_of(refused)["message"]


def test_a_query_of_an_object_the_user_cannot_read_is_an_invalid_type(sf, enforce, member):
    """[DATA ACCESS] objects are accessible only if the user's permissions allow it: without
    Read the object is unknown, INVALID_TYPE "sObject type 'Lead' is not supported"; a lookup
    to it is not understood either."""
    enforce({"Campaign": "r", "Contact": "r"}, {})
    with pytest.raises(SalesforceMalformedRequest) as refused:
        sf.query("SELECT Id FROM Lead")
    assert error_of(refused)["errorCode"] == "INVALID_TYPE"
    assert "sObject type 'Lead' is not supported" in error_of(refused)["message"]
    with pytest.raises(SalesforceMalformedRequest) as refused:
        sf.query("SELECT Id FROM CampaignMember")  # members need Read on leads too
    assert error_of(refused)["errorCode"] == "INVALID_TYPE"


def test_system_required_and_member_defining_fields_need_no_field_permission(sf, enforce, member):
    """[FIELD ACCESS] universally required fields override field-level security and system
    fields are read-only for everyone: Id, Name (required on Campaign), audit fields, and a
    campaign member's CampaignId (required), its Lead/Contact lookups, Status and HasResponded
    are readable with object Read alone."""
    enforce({"Campaign": "r", "Lead": "r", "Contact": "r"}, {})
    records = sf.query(
        "SELECT Id, Name, CreatedDate, CreatedById, LastModifiedDate, SystemModstamp, IsDeleted "
        "FROM Campaign"
    )["records"]
    assert records[0]["Name"] == "Jan Conf"
    members = sf.query(
        "SELECT Id, CampaignId, LeadId, ContactId, Status, HasResponded, Lead.LastName, "
        "Lead.Company FROM CampaignMember"
    )["records"]
    assert members[0]["Id"] == member
    assert members[0]["Lead"] == {
        "attributes": members[0]["Lead"]["attributes"],
        "LastName": "Ann",
        "Company": "Acme",
    }


def test_a_custom_field_required_in_its_metadata_needs_no_field_permission(sf, org, enforce):
    """[FIELD ACCESS] universally required (custom) fields override field-level security; the
    emulator reads `<required>true</required>` from the field metadata beside the permission
    set; [PERMSET] Salesforce does not accept field permissions for such fields."""
    org.insert("Gadget__c", {"Code__c": "G-1", "Note__c": "x"})
    enforce({"Gadget__c": "r"}, {}, required_custom_fields=("Gadget__c.Code__c",))
    assert sf.query("SELECT Code__c FROM Gadget__c")["records"][0]["Code__c"] == "G-1"
    with pytest.raises(SalesforceMalformedRequest):
        sf.query("SELECT Note__c FROM Gadget__c")


def test_a_bulk_query_job_naming_a_hidden_field_is_refused(sf, enforce, campaign):
    """[DATA ACCESS] / [INVALID_FIELD]: Bulk API 2.0 parses the same SOQL, so a query job that
    names a hidden field is refused with the same INVALID_FIELD error when it is created."""
    enforce({"Campaign": "r"}, {})
    with pytest.raises(SalesforceMalformedRequest) as refused:
        list(sf.bulk2.Campaign.query("SELECT Id, Type FROM Campaign", wait=0))
    assert error_of(refused)["errorCode"] == "INVALID_FIELD"


# -- sObject reads -----------------------------------------------------------------------------


def test_a_record_read_leaves_out_hidden_fields_and_refuses_to_name_them(sf, enforce, campaign):
    """[DATA ACCESS] fields that are not visible are not returned; naming one in `fields=` is
    INVALID_FIELD; an object without Read has no REST resource (NOT_FOUND)."""
    enforce({"Campaign": "r"}, {})
    record = sf.Campaign.get(campaign)
    assert record["Name"] == "Jan Conf"
    assert "Type" not in record
    with pytest.raises(SalesforceMalformedRequest) as refused:
        sf.restful(f"sobjects/Campaign/{campaign}", params={"fields": "Type"})
    assert error_of(refused)["errorCode"] == "INVALID_FIELD"
    with pytest.raises(SalesforceResourceNotFound):
        sf.Account.describe()


# -- writes ------------------------------------------------------------------------------------


def test_collection_writes_are_refused_per_record_without_the_object_permission(
    sf, org, enforce, campaign
):
    """[REFUSALS] an insert without Create is CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY "entity type
    cannot be inserted"; the other records of the collection are written."""
    enforce({"Lead": "r", "Buyer_Touchpoint__c": "rc"}, {"Buyer_Touchpoint__c.Key__c": "re"})
    body = {
        "allOrNone": False,
        "records": [
            {"attributes": {"type": "Lead"}, "LastName": "Bob", "Company": "Acme"},
            {"attributes": {"type": "Buyer_Touchpoint__c"}, "Key__c": "k1"},
        ],
    }
    refused, created = sf.restful("composite/sobjects", method="POST", json=body)
    assert refused["errors"][0]["statusCode"] == "CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY"
    assert refused["errors"][0]["message"] == "entity type cannot be inserted: Lead"
    assert created["success"] is True
    assert org.records("Lead") == []


def test_a_field_the_user_can_read_but_not_edit_is_refused_per_record(sf, org, enforce, campaign):
    """[DATA ACCESS] read-only fields can't be updated: INVALID_FIELD_FOR_INSERT_UPDATE naming
    the field; a field the user cannot see at all is unknown (INVALID_FIELD)."""
    enforce({"Campaign": "re"}, {"Campaign.Type": "r", "Campaign.ActualCost": "re"})
    body = {
        "allOrNone": False,
        "records": [
            {"attributes": {"type": "Campaign"}, "Id": campaign, "Type": "Webinar"},
            {"attributes": {"type": "Campaign"}, "Id": campaign, "Description": "x"},
            {"attributes": {"type": "Campaign"}, "Id": campaign, "ActualCost": 12.5},
        ],
    }
    read_only, hidden, ok = sf.restful("composite/sobjects", method="PATCH", json=body)
    assert read_only["errors"][0]["statusCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    assert read_only["errors"][0]["fields"] == ["Type"]
    assert hidden["errors"][0]["statusCode"] == "INVALID_FIELD"
    assert ok["success"] is True
    assert org.get("Campaign", campaign)["Type"] == "Conference"
    assert org.get("Campaign", campaign)["ActualCost"] == 12.5


def test_updates_and_deletes_without_edit_or_delete_are_insufficient_access(
    sf, org, enforce, campaign
):
    """[REFUSALS] INSUFFICIENT_ACCESS_OR_READONLY "insufficient access rights on object id" for a
    single-record update without Edit and per record for a collection delete without Delete."""
    enforce({"Campaign": "r"}, {})
    with pytest.raises(SalesforceMalformedRequest) as refused:
        sf.Campaign.update(campaign, {"Name": "Renamed"})
    assert error_of(refused)["errorCode"] == "INSUFFICIENT_ACCESS_OR_READONLY"
    (result,) = sf.restful(
        "composite/sobjects", method="DELETE", params={"ids": campaign, "allOrNone": "false"}
    )
    assert result["errors"][0]["statusCode"] == "INSUFFICIENT_ACCESS_OR_READONLY"
    assert org.get("Campaign", campaign)["Name"] == "Jan Conf"


def test_adding_a_campaign_member_needs_edit_on_leads_and_contacts(sf, org, enforce, campaign):
    """[MEMBERS] campaign members have no object permissions of their own: viewing or editing
    one needs Read on campaigns, leads and contacts; adding one needs Read on campaigns and Edit
    on leads and contacts."""
    lead = org.insert("Lead", {"LastName": "Ann", "Company": "Acme"})
    record = {"attributes": {"type": "CampaignMember"}, "CampaignId": campaign, "LeadId": lead}
    body = {"allOrNone": False, "records": [record]}
    enforce({"Campaign": "r", "Lead": "r", "Contact": "r"}, {})
    (refused,) = sf.restful("composite/sobjects", method="POST", json=body)
    assert refused["errors"][0]["statusCode"] == "CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY"
    enforce({"Campaign": "r", "Lead": "re", "Contact": "re"}, {})
    (added,) = sf.restful("composite/sobjects", method="POST", json=body)
    assert added["success"] is True


def test_bulk_ingest_refuses_rows_per_record_and_fails_a_job_with_a_hidden_column(
    sf, org, enforce, campaign, member
):
    """[DATA ACCESS] read-only fields can't be updated: each row comes back in the failed
    results with sf__Error INVALID_FIELD_FOR_INSERT_UPDATE; a column the user cannot see is a
    field the job cannot find ("InvalidBatch : Field name not found"), and the job fails."""
    enforce(
        {"Campaign": "r", "Lead": "r", "Contact": "r"},
        {"CampaignMember.Note__c": "r"},
    )
    client = sf.bulk2.CampaignMember._client
    job = client.create_job("update")
    client.upload_job_data(job["id"], f"Id,Note__c\n{member},hello\n")
    client.close_job(job["id"])
    failed = list(
        csv.DictReader(io.StringIO(client.get_ingest_results(job["id"], "failedResults")))
    )
    assert failed[0]["sf__Error"].startswith("INVALID_FIELD_FOR_INSERT_UPDATE:")

    hidden = client.create_job("update")
    client.upload_job_data(hidden["id"], f"Id,Secret__c\n{member},x\n")
    client.close_job(hidden["id"])
    info = client.get_job(hidden["id"], False)
    assert info["state"] == "Failed"
    assert info["errorMessage"] == "InvalidBatch : Field name not found : Secret__c"


def test_seeding_stays_unrestricted_and_the_default_grants_everything(sf, org, enforce):
    """Seeding is the test's own administrator access, not an API call; without a permission
    set the emulated API user may do anything ([PERMSET]: a permission set only grants)."""
    enforce({}, {})
    campaign = org.insert("Campaign", {"Name": "Seeded", "Type": "Webinar", "Secret__c": "s"})
    assert org.get("Campaign", campaign)["Secret__c"] == "s"
    with pytest.raises(SalesforceMalformedRequest):
        sf.query("SELECT Id FROM Campaign")
    org.grant_everything()
    assert sf.query("SELECT Type, Secret__c FROM Campaign")["records"][0]["Secret__c"] == "s"
