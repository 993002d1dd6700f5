"""The Salesforce field names are configuration: one JSON setting, checked when a function starts."""

from __future__ import annotations

import json

import pytest

from touchpoints.settings import (
    CampaignFields,
    SettingsError,
    TouchpointFields,
    load_settings,
    parse_field_names,
)

ENVIRONMENT = {
    "TABLE_NAME": "state",
    "RECOMPUTE_QUEUE_URL": "https://sqs.eu-west-1.amazonaws.com/123456789012/recompute.fifo",
    "SALESFORCE_SECRET_ID": "salesforce",
    "ALLOWED_ORG_IDS": "00D5w000004qGTOEA2",
}


def with_names(document: object) -> dict[str, str]:
    return {**ENVIRONMENT, "SALESFORCE_FIELD_NAMES": json.dumps(document)}


@pytest.mark.parametrize("raw", ["", "{}", "  "])
def test_no_configured_names_keeps_the_shipped_ones(raw):
    assert parse_field_names(raw) == (TouchpointFields(), CampaignFields())


def test_configured_names_override_only_the_entries_given():
    settings = load_settings(
        with_names(
            {
                "touchpoint": {
                    "sobject": "bizible2__Bizible_Touchpoint__c",
                    "key": "bizible2__Touchpoint_Key__c",
                },
                "campaign": {"sync_mode": "bizible2__Enable_Buyer_Touchpoints__c"},
            }
        )
    )
    assert settings.touchpoint_fields.sobject == "bizible2__Bizible_Touchpoint__c"
    assert settings.touchpoint_fields.key == "bizible2__Touchpoint_Key__c"
    assert settings.touchpoint_fields.email == TouchpointFields().email
    assert settings.campaign_fields.sync_mode == "bizible2__Enable_Buyer_Touchpoints__c"
    assert settings.campaign_fields.end_date == CampaignFields().end_date


def test_a_standard_field_may_be_named():
    _, campaign = parse_field_names(json.dumps({"campaign": {"member_status": "Description"}}))
    assert campaign.member_status == "Description"


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"touchpionts": {}}, "unknown section 'touchpionts'"),
        ({"touchpoint": {"keys": "Key__c"}}, "touchpoint.keys is not a configurable name"),
        ({"campaign": {"sync_mode": 3}}, "campaign.sync_mode must be a Salesforce API name"),
        ({"campaign": {"sync_mode": None}}, "campaign.sync_mode must be a Salesforce API name"),
        ({"touchpoint": {"email": "Email c"}}, "touchpoint.email must be a Salesforce API name"),
        ({"touchpoint": {"email": "1Email__c"}}, "touchpoint.email must be a Salesforce API name"),
        ({"touchpoint": {"email": "Email___c"}}, "touchpoint.email must be a Salesforce API name"),
        ({"touchpoint": {"email": "Email_"}}, "touchpoint.email must be a Salesforce API name"),
        ({"touchpoint": {"email": "a__b__c__c"}}, "touchpoint.email must be a Salesforce API name"),
        (
            {"touchpoint": {"email": "Email__c FROM Lead"}},
            "touchpoint.email must be a Salesforce API name",
        ),
        ({"touchpoint": {"sobject": "Task"}}, "touchpoint.sobject must be a custom object"),
        ({"touchpoint": "Buyer_Touchpoint__c"}, "touchpoint must be a JSON object"),
        (["touchpoint"], "must be a JSON object"),
        (
            {"touchpoint": {"lead": "Person__c", "contact": "Person__c"}},
            "touchpoint.contact and touchpoint.lead name the same field 'Person__c'",
        ),
    ],
)
def test_a_bad_entry_stops_the_function_naming_it(document, message):
    with pytest.raises(SettingsError, match="SALESFORCE_FIELD_NAMES") as refused:
        load_settings(with_names(document))
    assert message in str(refused.value)


def test_malformed_json_is_refused():
    with pytest.raises(SettingsError, match="SALESFORCE_FIELD_NAMES is not valid JSON"):
        load_settings({**ENVIRONMENT, "SALESFORCE_FIELD_NAMES": '{"touchpoint": '})
