"""The Change Data Capture events the builder composes have the shape Event Relay delivers.

Sources:
- Amazon EventBridge, "Event structure" (every event's top-level fields):
  https://docs.aws.amazon.com/eventbridge/latest/ref/overiew-event-structure.html
- Salesforce, "EventRelayFeedback" (RemoteResource: the partner event source,
  `aws.partner/salesforce.com/orgID/channelID`):
  https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_eventrelayfeedback.htm
- Salesforce, "Change Data Capture Events" (event names `<Standard_Object_Name>ChangeEvent`):
  https://developer.salesforce.com/docs/atlas.en-us.platform_events.meta/platform_events/platform_events_objects_change_data_capture.htm
- Salesforce, "Change Event Message Structure" (`payload` with `ChangeEventHeader` and the fields,
  a `schema` id): https://developer.salesforce.com/docs/atlas.en-us.change_data_capture.meta/change_data_capture/cdc_message_structure.htm
- Salesforce, "ChangeEventHeader Fields":
  https://developer.salesforce.com/docs/atlas.en-us.change_data_capture.meta/change_data_capture/cdc_event_fields_header.htm
- Salesforce, "Change Event Body Fields" (JSON messages: create and undelete carry the non-empty
  fields, update the changed ones and LastModifiedDate, delete none):
  https://developer.salesforce.com/docs/atlas.en-us.change_data_capture.meta/change_data_capture/cdc_event_fields_body.htm
- Salesforce, "Gap Events" (header only, GAP_CREATE/UPDATE/DELETE/UNDELETE, sequenceNumber 1):
  https://developer.salesforce.com/docs/atlas.en-us.change_data_capture.meta/change_data_capture/cdc_other_events_gap.htm
- Salesforce, "Overflow Events" (GAP_OVERFLOW; header only; the entity, no record ids):
  https://developer.salesforce.com/docs/atlas.en-us.change_data_capture.meta/change_data_capture/cdc_other_events_overflow.htm
- Salesforce, "Change Event Object Support" (the standard objects that publish change events,
  Opportunity and OpportunityContactRole among them; every custom object):
  https://developer.salesforce.com/docs/atlas.en-us.226.0.change_data_capture.meta/change_data_capture/cdc_object_support.htm
- Salesforce, "StandardObjectNameChangeEvent", Object Reference (a change event's fields are its
  object's, never IsDeleted nor SystemModStamp):
  https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/api/sforce_api_associated_objects_change_event.htm
"""

from datetime import UTC, datetime

import pytest

from emulators.change_events import change_event, partner_event_source

ORG = "00D5w000004qGTOEA2"
MEMBER = "00v5w00000AbCdEAAV"
CAMPAIGN = "7015w000001AbCdAAK"
AT = datetime(2026, 2, 5, 17, 0, 1, tzinfo=UTC)


def test_the_envelope_is_eventbridge_s_with_the_relay_s_partner_source():
    """EventBridge "Event structure": version, id, detail-type, source, account, time, region,
    resources, detail. EventRelayFeedback.RemoteResource: aws.partner/salesforce.com/<org>/<channel>.
    "Change Data Capture Events": the event of a standard object is <Object>ChangeEvent."""
    event = change_event(ORG, "CampaignMember", "DELETE", [MEMBER], committed_at=AT)

    assert set(event) == {
        "version",
        "id",
        "detail-type",
        "source",
        "account",
        "time",
        "region",
        "resources",
        "detail",
    }
    assert event["version"] == "0"
    assert event["detail-type"] == "CampaignMemberChangeEvent"
    assert event["source"] == partner_event_source(ORG)
    partner, company, org_id, channel_id = event["source"].split("/")
    assert (partner, company, org_id, channel_id[:3]) == (
        "aws.partner",
        "salesforce.com",
        ORG,
        "0YL",
    )
    assert event["time"] == "2026-02-05T17:00:01Z"
    assert set(event["detail"]) == {"payload", "schemaId", "id"}


def test_the_header_carries_every_change_event_header_field():
    """ "ChangeEventHeader Fields": entityName, recordIds, changeType, changeOrigin, transactionKey,
    sequenceNumber, commitTimestamp (ms since the epoch), commitNumber, commitUser, nulledFields,
    diffFields, changedFields."""
    header = change_event(ORG, "Campaign", "DELETE", [CAMPAIGN], committed_at=AT)["detail"][
        "payload"
    ]["ChangeEventHeader"]

    assert set(header) == {
        "entityName",
        "recordIds",
        "changeType",
        "changeOrigin",
        "transactionKey",
        "sequenceNumber",
        "commitTimestamp",
        "commitNumber",
        "commitUser",
        "nulledFields",
        "diffFields",
        "changedFields",
    }
    assert header["entityName"] == "Campaign"
    assert header["recordIds"] == [CAMPAIGN]
    assert header["commitTimestamp"] == int(AT.timestamp() * 1000)


def test_an_update_carries_only_the_changed_fields_and_last_modified_date():
    """ "Change Event Body Fields": an update's body holds the changed fields, those set to null
    included, and LastModifiedDate; changedFields names them, nulledFields the nulled ones."""
    payload = change_event(
        ORG,
        "Lead",
        "UPDATE",
        ["00Q5w00000AbCdEEAV"],
        committed_at=AT,
        fields={"Email": "ada@example.com", "Phone": None},
    )["detail"]["payload"]

    header = payload["ChangeEventHeader"]
    assert header["changedFields"] == ["Email", "LastModifiedDate", "Phone"]
    assert header["nulledFields"] == ["Phone"]
    assert set(payload) == {"ChangeEventHeader", "Email", "LastModifiedDate"}


def test_a_create_and_an_undelete_carry_the_record_s_fields_a_delete_none():
    """ "Change Event Body Fields": create and undelete carry the record's non-empty fields; a
    delete carries no fields."""
    fields = {"CampaignId": CAMPAIGN, "Status": "Sent"}
    created = change_event(
        ORG, "CampaignMember", "CREATE", [MEMBER], committed_at=AT, fields=fields
    )
    undeleted = change_event(
        ORG, "CampaignMember", "UNDELETE", [MEMBER], committed_at=AT, fields=fields
    )
    deleted = change_event(ORG, "CampaignMember", "DELETE", [MEMBER], committed_at=AT)

    assert created["detail"]["payload"]["CampaignId"] == CAMPAIGN
    assert undeleted["detail"]["payload"]["Status"] == "Sent"
    assert set(deleted["detail"]["payload"]) == {"ChangeEventHeader"}
    with pytest.raises(ValueError, match="carries no record fields"):
        change_event(ORG, "CampaignMember", "DELETE", [MEMBER], committed_at=AT, fields=fields)


@pytest.mark.parametrize("gap", ["GAP_CREATE", "GAP_UPDATE", "GAP_DELETE", "GAP_UNDELETE"])
def test_a_gap_event_names_its_records_and_carries_no_fields(gap):
    """ "Gap Events": the header holds the change type and record ids, no record fields; the
    sequenceNumber of a gap event is always 1."""
    event = change_event(ORG, "CampaignMember", gap, [MEMBER], committed_at=AT, sequence_number=7)
    payload = event["detail"]["payload"]

    assert set(payload) == {"ChangeEventHeader"}
    assert payload["ChangeEventHeader"]["changeType"] == gap
    assert payload["ChangeEventHeader"]["recordIds"] == [MEMBER]
    assert payload["ChangeEventHeader"]["sequenceNumber"] == 1


def test_an_overflow_event_names_only_its_entity():
    """ "Overflow Events": changeType GAP_OVERFLOW, only header fields, the object in entityName,
    no record fields or record ids."""
    event = change_event(ORG, "CampaignMember", "GAP_OVERFLOW", committed_at=AT)
    header = event["detail"]["payload"]["ChangeEventHeader"]

    assert set(event["detail"]["payload"]) == {"ChangeEventHeader"}
    assert header["changeType"] == "GAP_OVERFLOW"
    assert header["entityName"] == "CampaignMember"
    assert header["recordIds"] == []


def test_events_of_one_entity_share_a_schema_id_and_each_event_has_its_own_id():
    """ "Change Event Message Structure": the schema id names the event's schema, one per
    event schema; each event is its own message."""
    first = change_event(ORG, "Contact", "DELETE", ["0035w00000AbCdEAAV"], committed_at=AT)
    second = change_event(ORG, "Contact", "DELETE", ["0035w00000AbCdFAAV"], committed_at=AT)
    other = change_event(ORG, "Lead", "DELETE", ["00Q5w00000AbCdEEAV"], committed_at=AT)

    assert first["detail"]["schemaId"] == second["detail"]["schemaId"]
    assert first["detail"]["schemaId"] != other["detail"]["schemaId"]
    assert first["detail"]["id"] != second["detail"]["id"]
    assert first["id"] != second["id"]


@pytest.mark.parametrize("entity", ["Opportunity", "OpportunityContactRole", "Touchpoint__c"])
def test_opportunities_contact_roles_and_custom_objects_publish_change_events(entity):
    """ "Change Event Object Support": Opportunity and OpportunityContactRole are among the
    standard objects with change events, and every custom object has them."""
    event = change_event(ORG, entity, "UNDELETE", ["0065w00000AbCdEAAV"], committed_at=AT)
    assert event["detail-type"] == f"{entity}ChangeEvent"
    assert event["detail"]["payload"]["ChangeEventHeader"]["entityName"] == entity


def test_a_contact_role_event_carries_the_role_s_fields_and_its_delete_none():
    """ "Change Event Body Fields": a create carries the record's non-empty fields (a role's
    OpportunityId and ContactId); a delete carries only the header."""
    role, opportunity, contact = "00K5w00000AbCdEEAV", "0065w00000AbCdEAAV", "0035w00000AbCdEAAV"
    fields = {"OpportunityId": opportunity, "ContactId": contact, "Role": None}
    created = change_event(
        ORG, "OpportunityContactRole", "CREATE", [role], committed_at=AT, fields=fields
    )
    payload = created["detail"]["payload"]
    assert (payload["OpportunityId"], payload["ContactId"]) == (opportunity, contact)
    assert "Role" not in payload
    deleted = change_event(ORG, "OpportunityContactRole", "DELETE", [role], committed_at=AT)
    assert set(deleted["detail"]["payload"]) == {"ChangeEventHeader"}


def test_objects_without_change_events_and_fields_no_event_carries_are_refused():
    """ "Change Event Object Support" does not list CampaignInfluence; "StandardObjectNameChange
    Event": IsDeleted and SystemModStamp are never in a change event."""
    with pytest.raises(ValueError, match="publishes no change events"):
        change_event(ORG, "CampaignInfluence", "DELETE", ["0BE5w00000AbCdEAAV"], committed_at=AT)
    with pytest.raises(ValueError, match="never carries"):
        change_event(
            ORG,
            "Opportunity",
            "UPDATE",
            ["0065w00000AbCdEAAV"],
            committed_at=AT,
            fields={"SystemModstamp": "2026-02-05T17:00:01Z"},
        )
