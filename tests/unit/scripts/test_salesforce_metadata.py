"""The generated Salesforce metadata: what each file says, built from a stack's outputs.

Shapes follow the Metadata API Developer Guide ("Workflow" outboundMessages, "Flow",
"ExternalCredential", "NamedCredential", "ExternalServiceRegistration", "PermissionSet");
`make salesforce-check` has the Salesforce CLI convert the same tree.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from types import SimpleNamespace

import boto3
import pytest
from botocore.stub import Stubber
from defusedxml import ElementTree
from moto import mock_aws

from scripts import salesforce_metadata as generator
from touchpoints.rules.sync_mode import SyncSettingValues
from touchpoints.settings import AttributionFields, CampaignFields, TouchpointFields

NS = {"md": generator.NAMESPACE}
FACTS = replace(generator.SAMPLE, outbound_token="t0ken&<quoted>")
OPENAPI = json.loads(generator.OPENAPI.read_text())
BIZIBLE_TOUCHPOINTS = TouchpointFields(
    *(f"bizible2__{name}" for name in generator.astuple(TouchpointFields()))
)


def parsed(files: dict[str, str], name: str):
    return ElementTree.fromstring(files[name].encode())


def texts(root, path: str) -> list[str]:
    return [element.text for element in root.findall(path, NS)]


@pytest.fixture(scope="module")
def files() -> dict[str, str]:
    return generator.metadata_files(FACTS, OPENAPI)


def test_every_file_is_well_formed_metadata(files):
    for name in files:
        root = parsed(files, name)
        assert root.tag.startswith(f"{{{generator.NAMESPACE}}}"), name


@pytest.mark.parametrize("sobject", ["Campaign", "CampaignMember"])
def test_the_outbound_message_posts_to_the_stack_with_its_token(files, sobject):
    root = parsed(files, f"workflows/{sobject}.workflow-meta.xml")
    [url] = texts(root, "md:outboundMessages/md:endpointUrl")
    assert url == (
        "https://abc123defg.execute-api.eu-west-1.amazonaws.com/Prod/salesforce/outbound"
        "?token=t0ken&<quoted>"
    )
    assert texts(root, "md:outboundMessages/md:integrationUser") == ["integration@example.com"]
    assert texts(root, "md:outboundMessages/md:includeSessionId") == ["false"]
    assert "&amp;&lt;quoted&gt;" in files[f"workflows/{sobject}.workflow-meta.xml"]


def test_the_outbound_messages_carry_the_fields_the_readme_names(files):
    campaign = parsed(files, "workflows/Campaign.workflow-meta.xml")
    member = parsed(files, "workflows/CampaignMember.workflow-meta.xml")
    assert texts(campaign, "md:outboundMessages/md:fields") == [
        "Id",
        "Name",
        "Type",
        "Enable_Buyer_Touchpoints__c",
        "Touchpoint_Start_Date__c",
        "Touchpoint_End_Date__c",
        "LastModifiedDate",
        "SystemModstamp",
    ]
    assert texts(member, "md:outboundMessages/md:fields") == [
        "Id",
        "CampaignId",
        "Status",
        "Buyer_Touchpoint_Date__c",
        "LastModifiedDate",
        "SystemModstamp",
    ]


@pytest.mark.parametrize("sobject", ["Campaign", "CampaignMember"])
def test_a_record_triggered_flow_sends_each_message(files, sobject):
    root = parsed(files, f"flows/Offline_Touchpoints_{sobject}_Changed.flow-meta.xml")
    assert texts(root, "md:actionCalls/md:actionType") == ["outboundMessage"]
    assert texts(root, "md:actionCalls/md:actionName") == [
        f"{sobject}.Offline_Touchpoints_{sobject}"
    ]
    assert texts(root, "md:start/md:object") == [sobject]
    assert texts(root, "md:start/md:triggerType") == ["RecordAfterSave"]
    assert texts(root, "md:start/md:recordTriggerType") == ["CreateAndUpdate"]
    assert texts(root, "md:start/md:connector/md:targetReference") == ["Send_Outbound_Message"]
    assert texts(root, "md:status") == ["Active"]


def test_the_campaign_flow_runs_when_the_sync_mode_is_set_or_changed(files):
    root = parsed(files, "flows/Offline_Touchpoints_Campaign_Changed.flow-meta.xml")
    assert texts(root, "md:start/md:filterLogic") == ["or"]
    assert texts(root, "md:start/md:filters/md:field") == ["Enable_Buyer_Touchpoints__c"] * 2
    assert texts(root, "md:start/md:filters/md:operator") == ["IsNull", "IsChanged"]


def test_the_member_flow_runs_only_for_members_of_campaigns_synced_to_include_them(files):
    """A formula entry condition on the parent campaign's sync value ("FlowStart.filterFormula",
    Metadata API Developer Guide): one ISPICKVAL per including value, Measure's wording too."""
    root = parsed(files, "flows/Offline_Touchpoints_CampaignMember_Changed.flow-meta.xml")
    assert texts(root, "md:start/md:filters") == []
    [formula] = texts(root, "md:start/md:filterFormula")
    field_path = "{!$Record.Campaign.Enable_Buyer_Touchpoints__c}"
    assert formula.split(" || ") == [
        f'ISPICKVAL({field_path}, "Include All Campaign Members")',
        f'ISPICKVAL({field_path}, "Include Responded Campaign Members")',
        f'ISPICKVAL({field_path}, "Include only \\"Responded\\" Campaign Members")',
    ]
    assert "Exclude" not in formula


def test_the_member_flow_follows_configured_values_and_field_names():
    facts = replace(
        FACTS,
        campaign_fields=CampaignFields(sync_mode="bizible2__Bizible_Touchpoints__c"),
        sync_setting_values=SyncSettingValues(("Yes",), ("Responders",), ("No",)),
    )
    member_flow = generator.flow(facts, "CampaignMember")
    [formula] = texts(ElementTree.fromstring(member_flow.encode()), "md:start/md:filterFormula")
    assert formula == (
        'ISPICKVAL({!$Record.Campaign.bizible2__Bizible_Touchpoints__c}, "Yes") || '
        'ISPICKVAL({!$Record.Campaign.bizible2__Bizible_Touchpoints__c}, "Responders")'
    )


def credential_parameters(files) -> dict[str, tuple[str, str | None]]:
    credential = parsed(
        files, "externalCredentials/Offline_Touchpoints_Admin_Api.externalCredential-meta.xml"
    )
    assert texts(credential, "md:authenticationProtocol") == ["AwsSv4"]
    return {
        p.findtext("md:parameterName", namespaces=NS): (
            p.findtext("md:parameterType", namespaces=NS),
            p.findtext("md:parameterValue", namespaces=NS),
        )
        for p in credential.findall("md:externalCredentialParameters", NS)
    }


def test_the_admin_api_is_signed_with_sigv4_through_the_stacks_role(files):
    """AwsSv4_STS: Salesforce assumes AdminApiCallerRole with the principal's key and the
    stack's external id ("ExternalCredential", Metadata API Developer Guide: AuthProtocolVariant,
    AwsStsPrincipal, AuthProviderUrlQueryParameter AwsExternalId)."""
    assert credential_parameters(files) == {
        "Admin_Api_Caller": ("NamedPrincipal", None),
        "AwsService": ("AuthParameter", "execute-api"),
        "AwsRegion": ("AuthParameter", "eu-west-1"),
        "X-Salesforce-User": ("AuthHeader", "{!$User.Username}"),
        "AwsSv4": ("AuthProtocolVariant", "AwsSv4_STS"),
        "AwsStsPrincipal": ("AwsStsPrincipal", None),
        "AwsAccountId": ("AuthParameter", "123456789012"),
        "AwsExternalId": ("AuthProviderUrlQueryParameter", "0a1b2c3d-4e5f-6789-abcd-ef0123456789"),
    }


def test_the_admin_api_is_signed_with_sigv4_for_execute_api_in_the_stack_region():
    """The IAM-user option: the principal's own key signs; the user still travels in a header."""
    files = generator.metadata_files(replace(FACTS, caller_role=None), OPENAPI)
    assert credential_parameters(files) == {
        "Admin_Api_Caller": ("NamedPrincipal", None),
        "AwsService": ("AuthParameter", "execute-api"),
        "AwsRegion": ("AuthParameter", "eu-west-1"),
        "X-Salesforce-User": ("AuthHeader", "{!$User.Username}"),
    }
    assert (
        "aws_secret"
        not in files[
            "externalCredentials/Offline_Touchpoints_Admin_Api.externalCredential-meta.xml"
        ].lower()
    )

    named = parsed(files, "namedCredentials/Offline_Touchpoints_Admin_Api.namedCredential-meta.xml")
    assert texts(named, "md:namedCredentialType") == ["SecuredEndpoint"]
    assert texts(named, "md:namedCredentialParameters/md:parameterValue") == [
        "https://abc123defg.execute-api.eu-west-1.amazonaws.com/Prod"
    ]
    assert texts(named, "md:namedCredentialParameters/md:externalCredential") == [
        "Offline_Touchpoints_Admin_Api"
    ]
    callers = parsed(
        files, "permissionsets/Offline_Touchpoints_Admin_Api_Callers.permissionset-meta.xml"
    )
    assert texts(
        callers, "md:externalCredentialPrincipalAccesses/md:externalCredentialPrincipal"
    ) == ["Offline_Touchpoints_Admin_Api-Admin_Api_Caller"]


def test_the_external_service_registers_every_admin_operation_as_openapi_3_0(files):
    root = parsed(
        files,
        "externalServiceRegistrations/Offline_Touchpoints_Admin_Api.externalServiceRegistration-meta.xml",
    )
    assert texts(root, "md:namedCredential") == ["Offline_Touchpoints_Admin_Api"]
    assert texts(root, "md:schemaType") == ["OpenApi3"]
    schema = json.loads(root.findtext("md:schema", namespaces=NS))
    assert schema["openapi"] == "3.0.3"
    assert "servers" not in schema
    assert "security" not in schema
    operation_ids = [op["operationId"] for path in schema["paths"].values() for op in path.values()]
    assert len(operation_ids) == sum(len(path) for path in OPENAPI["paths"].values())
    assert texts(root, "md:operations/md:name") == operation_ids
    assert all(name.isalnum() for name in operation_ids)
    assert '"type": "null"' not in json.dumps(schema)


def test_a_nullable_value_becomes_nullable_in_openapi_3_0():
    document = {
        "openapi": "3.1.0",
        "paths": {"/x": {"get": {"operationId": "get_x__id__get"}}},
        "components": {
            "schemas": {
                "A": {"anyOf": [{"type": "string", "format": "date"}, {"type": "null"}]},
                "B": {"anyOf": [{"$ref": "#/components/schemas/A"}, {"type": "null"}]},
            }
        },
    }
    adapted = generator.openapi_for_external_services(document)
    assert adapted["components"]["schemas"] == {
        "A": {"type": "string", "format": "date", "nullable": True},
        "B": {"allOf": [{"$ref": "#/components/schemas/A"}], "nullable": True},
    }
    assert adapted["paths"]["/x"]["get"]["operationId"] == "getXIdGet"


def test_shipped_names_need_no_permission_set_of_their_own(files):
    assert "permissionsets/Offline_Touchpoints_Integration.permissionset-meta.xml" not in files


def test_other_field_names_get_the_permission_set_with_those_names():
    facts = replace(
        FACTS,
        touchpoint_fields=BIZIBLE_TOUCHPOINTS,
        campaign_fields=CampaignFields(sync_mode="bizible2__Enable_Buyer_Touchpoints__c"),
    )
    files = generator.metadata_files(facts, OPENAPI)
    root = parsed(files, "permissionsets/Offline_Touchpoints_Integration.permissionset-meta.xml")
    granted = texts(root, "md:fieldPermissions/md:field")
    assert "bizible2__Buyer_Touchpoint__c.bizible2__Touchpoint_Key__c" in granted
    assert "Campaign.bizible2__Enable_Buyer_Touchpoints__c" in granted
    assert "Campaign.Touchpoint_End_Date__c" in granted  # not renamed, kept
    assert not any(name.startswith("Buyer_Touchpoint__c.") for name in granted)
    assert "bizible2__Buyer_Touchpoint__c" in texts(root, "md:objectPermissions/md:object")
    assert texts(
        parsed(files, "workflows/Campaign.workflow-meta.xml"), "md:outboundMessages/md:fields"
    )[3] == ("bizible2__Enable_Buyer_Touchpoints__c")


def test_other_attribution_names_are_granted_under_those_names():
    facts = replace(
        FACTS,
        attribution_fields=AttributionFields(
            sobject="Attribution__c", revenue="Attributed_Revenue__c"
        ),
    )
    files = generator.metadata_files(facts, OPENAPI)
    root = parsed(files, "permissionsets/Offline_Touchpoints_Integration.permissionset-meta.xml")
    granted = texts(root, "md:fieldPermissions/md:field")
    assert "Attribution__c.Attributed_Revenue__c" in granted
    assert "Attribution__c.Attribution_Key__c" in granted  # not renamed, kept
    assert not any(name.startswith("Buyer_Attribution_Touchpoint__c.") for name in granted)
    assert "Attribution__c" in texts(root, "md:objectPermissions/md:object")


def test_an_output_url_without_the_token_placeholder_is_refused():
    with pytest.raises(ValueError, match="outbound_token"):
        generator.workflow(replace(FACTS, outbound_message_url="https://x/outbound"), "Campaign")


def test_the_project_is_written_as_sfdx_source(tmp_path):
    written = generator.write_project(FACTS, tmp_path, OPENAPI)
    assert json.loads((tmp_path / "sfdx-project.json").read_text())["packageDirectories"]
    assert {
        path.relative_to(tmp_path / "force-app/main/default").as_posix() for path in written
    } == set(generator.metadata_files(FACTS, OPENAPI))


@mock_aws
def test_the_stack_outputs_token_and_field_names_are_read_from_aws():
    """Secrets Manager on moto; CloudFormation's DescribeStacks reply through botocore's Stubber,
    which checks it against the service model (moto's CloudFormation needs extras we do not ship)."""
    session = boto3.session.Session(region_name="eu-west-1")
    secrets = session.client("secretsmanager")
    arn = secrets.create_secret(
        Name="token", SecretString=json.dumps({"outbound_token": "s3cret-token-value"})
    )["ARN"]
    cloudformation = session.client("cloudformation")
    names = {"touchpoint": {"sobject": "bizible2__Buyer_Touchpoint__c"}}
    outputs = {
        "OutboundMessageUrl": generator.SAMPLE.outbound_message_url,
        "OutboundTokenSecretArn": arn,
        "AdminApiUrl": generator.SAMPLE.admin_api_url,
        "AdminApiCallerRoleArn": "arn:aws:iam::210987654321:role/touchpoints-AdminApiCallerRole-X",
        "AdminApiCallerExternalId": "5f1d0c9e-0000-4000-8000-000000000001",
    }
    stack = {
        "StackName": "touchpoints",
        "CreationTime": datetime(2026, 1, 1, tzinfo=UTC),
        "StackStatus": "CREATE_COMPLETE",
        "Parameters": [
            {"ParameterKey": "SalesforceFieldNames", "ParameterValue": json.dumps(names)},
            {"ParameterKey": "SyncSettingValues", "ParameterValue": '{"exclude_all": ["No"]}'},
        ],
        "Outputs": [{"OutputKey": key, "OutputValue": value} for key, value in outputs.items()],
    }
    with Stubber(cloudformation) as stubber:
        stubber.add_response("describe_stacks", {"Stacks": [stack]}, {"StackName": "touchpoints"})
        clients = {"cloudformation": cloudformation, "secretsmanager": secrets}
        aws = SimpleNamespace(client=clients.__getitem__)
        facts = generator.read_stack(aws, "touchpoints", "integration@acme.com")
    assert facts.endpoint_url.endswith("/salesforce/outbound?token=s3cret-token-value")
    assert facts.region == "eu-west-1"
    assert facts.touchpoint_fields.sobject == "bizible2__Buyer_Touchpoint__c"
    assert facts.integration_user == "integration@acme.com"
    assert facts.caller_role == generator.AssumedRole(
        "arn:aws:iam::210987654321:role/touchpoints-AdminApiCallerRole-X",
        "5f1d0c9e-0000-4000-8000-000000000001",
    )
    assert facts.caller_role.account_id == "210987654321"
    assert facts.aws_account == "123456789012"  # the stack's account, from its secret's ARN
    assert facts.sync_setting_values.exclude_all == ("No",)


# -- Change Data Capture through Event Relay ------------------------------------------------------
# "PlatformEventChannel", "PlatformEventChannelMember", "EventRelayConfig" (Metadata API Developer
# Guide) and the Event Relay guide's "Create a Named Credential":
# https://developer.salesforce.com/docs/platform/event-relay/guide/create-named-credential.html


def test_a_data_channel_holds_the_six_change_events_the_function_reads(files):
    channel = parsed(
        files, "platformEventChannels/Offline_Touchpoints__chn.platformEventChannel-meta.xml"
    )
    assert texts(channel, "md:channelType") == ["data"]
    members = {
        name: parsed(files, name)
        for name in files
        if name.startswith("platformEventChannelMembers/")
    }
    assert {texts(m, "md:selectedEntity")[0] for m in members.values()} == {
        "CampaignChangeEvent",
        "CampaignMemberChangeEvent",
        "LeadChangeEvent",
        "ContactChangeEvent",
        "OpportunityChangeEvent",
        "OpportunityContactRoleChangeEvent",
    }
    assert {texts(m, "md:eventChannel")[0] for m in members.values()} == {
        "Offline_Touchpoints__chn"
    }


def test_the_relay_sends_the_channel_to_the_stack_s_account_and_region(files):
    relay = parsed(files, "eventRelays/Offline_Touchpoints_Change_Events.eventRelay-meta.xml")
    credential = parsed(
        files, "namedCredentials/Offline_Touchpoints_Event_Relay.namedCredential-meta.xml"
    )
    assert texts(relay, "md:destinationResourceName") == ["callout:Offline_Touchpoints_Event_Relay"]
    assert texts(relay, "md:eventChannel") == ["Offline_Touchpoints__chn"]
    assert json.loads(texts(relay, "md:relayOption")[0]) == {"ReplayRecovery": "EARLIEST"}
    assert texts(relay, "md:state") == ["STOP"]  # a new relay can only be created stopped
    # arn:aws:<REGION>:<account>, the region in capitals; named principal, no authentication
    assert texts(credential, "md:endpoint") == ["arn:aws:EU-WEST-1:123456789012"]
    assert texts(credential, "md:principalType") == ["NamedUser"]
    assert texts(credential, "md:protocol") == ["NoAuthentication"]


def test_an_account_that_is_not_twelve_digits_is_refused():
    with pytest.raises(ValueError, match="AWS account"):
        generator.event_relay_credential(replace(FACTS, aws_account="acme"))


def test_a_stack_without_the_caller_role_needs_the_access_key_option():
    stack = {
        "StackName": "old",
        "CreationTime": datetime(2026, 1, 1, tzinfo=UTC),
        "StackStatus": "UPDATE_COMPLETE",
        "Outputs": [
            {
                "OutputKey": "OutboundMessageUrl",
                "OutputValue": generator.SAMPLE.outbound_message_url,
            },
            {"OutputKey": "OutboundTokenSecretArn", "OutputValue": "arn:token"},
            {"OutputKey": "AdminApiUrl", "OutputValue": generator.SAMPLE.admin_api_url},
        ],
    }
    cloudformation = boto3.client("cloudformation", region_name="eu-west-1")
    with Stubber(cloudformation) as stubber:
        stubber.add_response("describe_stacks", {"Stacks": [stack]}, {"StackName": "old"})
        aws = SimpleNamespace(client={"cloudformation": cloudformation}.__getitem__)
        with pytest.raises(generator.SetupError, match="AWS_AUTH=access-key"):
            generator.read_stack(aws, "old", "integration@acme.com")
