"""The Salesforce side of a deployed stack, as SFDX source an admin deploys with `sf project deploy`.

    python -m scripts.salesforce_metadata --stack offline-touchpoints --integration-user int@acme.com

reads the stack's outputs (`OutboundMessageUrl`, `OutboundTokenSecretArn`, `AdminApiUrl`), the
token from its secret and the `SalesforceFieldNames` parameter, and writes under
`salesforce/generated/<stack>/force-app/main/default/` (gitignored: it holds the endpoint token):

- `workflows/Campaign.workflow-meta.xml`, `workflows/CampaignMember.workflow-meta.xml`: the two
  outbound messages (Metadata API Developer Guide, "Workflow": `outboundMessages`, and the Tooling
  API's WorkflowOutboundMessage, https://developer.salesforce.com/docs/atlas.en-us.api_tooling.meta/api_tooling/tooling_api_objects_workflowoutboundmessage.htm);
- `flows/…`: record-triggered flows (after save, create and update) whose one element is the
  outbound message action (`actionType` `outboundMessage`). Flows, not workflow rules: Salesforce
  retired workflow rules for new automation, and a record-triggered flow sends an outbound message
  as a core action;
- `externalCredentials/`, `namedCredentials/`: the admin API behind an AWS Signature Version 4
  external credential (`AwsSv4`, parameters `AwsService` = `execute-api` and `AwsRegion`, one named
  principal whose access key the admin enters in Setup) and a SecuredEndpoint named credential
  ("ExternalCredential" and "NamedCredential", Metadata API Developer Guide,
  https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_externalcredential.htm,
  https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_namedcredential.htm);
  a permission set grants the principal to the users whose flows call it;
- `externalServiceRegistrations/`: the admin API's OpenAPI document for Flow builders. External
  Services read OpenAPI 2.0 and a subset of 3.0, not 3.1 ("ExternalServiceRegistration", same
  guide, https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_externalserviceregistration.htm),
  so a 3.0 copy is registered (`openapi_for_external_services`);
- `permissionsets/Offline_Touchpoints_Integration…` only when the stack names other fields: the
  shipped permission set with the configured names;
- Change Data Capture through Event Relay (the stack's `ChangeEventSourceName`): a custom channel
  of type `data` (`platformEventChannels/`, "PlatformEventChannel",
  https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_platformeventchannel.htm)
  with one member per change event the function reads (`platformEventChannelMembers/`,
  "PlatformEventChannelMember", …/meta_platformeventchannelmember.htm); the legacy named credential
  Event Relay reads the AWS account from (URL `arn:aws:<REGION>:<account>`, region in capitals, named
  principal, no authentication: Event Relay guide, "Create a Named Credential",
  https://developer.salesforce.com/docs/platform/event-relay/guide/create-named-credential.html);
  and the relay (`eventRelays/`, "EventRelayConfig", …/meta_eventrelayconfig.htm: destination
  `callout:<named credential>`, the channel, `relayOption` ReplayRecovery EARLIEST, created
  stopped). Deploying it creates the partner event source in EventBridge; the admin associates it
  with a bus, deploys the stack with `ChangeEventSourceName`, then starts the relay.

Every value is escaped by ElementTree; nothing is formatted into XML by hand.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
from collections.abc import Mapping
from dataclasses import astuple, dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from xml.etree import ElementTree

from defusedxml import ElementTree as SafeElementTree

from scripts import salesforce_flows
from scripts.aws_setup import SetupError, aws_errors, describe_stack, run_main, session
from scripts.salesforce_names import (
    EXTERNAL_CREDENTIAL,
    EXTERNAL_SERVICE,
    NAMED_CREDENTIAL,
    PRINCIPAL,
)
from scripts.salesforce_xml import API_VERSION, NAMESPACE, ROOT, Child
from scripts.salesforce_xml import document as _document
from scripts.salesforce_xml import element as _element
from touchpoints.rules.change_events import ENTITIES as CHANGE_EVENT_ENTITIES
from touchpoints.rules.sync_mode import SyncSettingValues
from touchpoints.settings import (
    AttributionFields,
    CampaignFields,
    TouchpointFields,
    parse_attribution_field_names,
    parse_field_names,
    parse_sync_setting_values,
)

SHIPPED = ROOT / "salesforce/force-app/main/default"
PERMISSION_SET = "Offline_Touchpoints_Integration"
OPENAPI = ROOT / "openapi/admin-api.json"
TOKEN_PLACEHOLDER = "<outbound_token>"
ACTOR_HEADER = "X-Salesforce-User"  # the admin API records it in audit entries

CALLERS_PERMISSION_SET = "Offline_Touchpoints_Admin_Api_Callers"

CHANGE_EVENT_CHANNEL = "Offline_Touchpoints__chn"
# The change events the function reads, one channel member each.
CHANGE_EVENTS = tuple(sorted(f"{entity}ChangeEvent" for entity in CHANGE_EVENT_ENTITIES))
EVENT_RELAY = "Offline_Touchpoints_Change_Events"
EVENT_RELAY_CREDENTIAL = "Offline_Touchpoints_Event_Relay"


@dataclass(frozen=True, slots=True)
class AssumedRole:
    """The stack's AdminApiCallerRole, for a named credential that signs through STS."""

    arn: str
    external_id: str

    @property
    def account_id(self) -> str:
        return self.arn.split(":")[4]


@dataclass(frozen=True, slots=True)
class StackFacts:
    """What the generated metadata needs from a deployed stack."""

    outbound_message_url: str  # the stack output, token placeholder included
    outbound_token: str
    admin_api_url: str
    integration_user: str  # the username outbound messages are sent as
    aws_account: str  # where Event Relay puts the change events
    touchpoint_fields: TouchpointFields = field(default_factory=TouchpointFields)
    campaign_fields: CampaignFields = field(default_factory=CampaignFields)
    sync_setting_values: SyncSettingValues = field(default_factory=SyncSettingValues)
    # The role the named credential assumes (AwsSv4_STS) and the external id it must present;
    # without them the principal signs with an IAM user's own key.
    caller_role: AssumedRole | None = None
    attribution_fields: AttributionFields = field(default_factory=AttributionFields)

    @property
    def endpoint_url(self) -> str:
        if TOKEN_PLACEHOLDER not in self.outbound_message_url:
            raise ValueError(f"OutboundMessageUrl has no {TOKEN_PLACEHOLDER} to replace")
        return self.outbound_message_url.replace(TOKEN_PLACEHOLDER, self.outbound_token)

    @property
    def region(self) -> str:
        """The admin API's region, from its execute-api host name."""
        host = urlsplit(self.admin_api_url).hostname or ""
        match = re.fullmatch(r"[a-z0-9]+\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?", host)
        if not match:
            raise ValueError(f"AdminApiUrl is not an execute-api URL: {self.admin_api_url!r}")
        return match.group(1)

    @property
    def event_relay_url(self) -> str:
        """The AWS account and region as Event Relay's named credential names them."""
        if not re.fullmatch(r"[0-9]{12}", self.aws_account):
            raise ValueError(f"not a 12-digit AWS account id: {self.aws_account!r}")
        return f"arn:aws:{self.region.upper()}:{self.aws_account}"


# -- reading the stack ---------------------------------------------------------------------------


def read_stack(
    session: Any, stack_name: str, integration_user: str, sts: bool = True
) -> StackFacts:
    """The stack's outputs and field names (CloudFormation) and its token (Secrets Manager)."""
    stack = describe_stack(session, stack_name)
    missing = sorted(
        {"OutboundMessageUrl", "OutboundTokenSecretArn", "AdminApiUrl"} - set(stack.outputs)
    )
    if missing:
        raise SetupError(f"stack {stack_name} has no output {', '.join(missing)}")
    role = None
    if sts and {"AdminApiCallerRoleArn", "AdminApiCallerExternalId"} <= set(stack.outputs):
        role = AssumedRole(
            stack.outputs["AdminApiCallerRoleArn"], stack.outputs["AdminApiCallerExternalId"]
        )
    elif sts:
        raise SetupError(
            f"stack {stack_name} has no AdminApiCallerRoleArn: redeploy it (make deploy) "
            "or pass AWS_AUTH=access-key"
        )
    with aws_errors():
        secret = session.client("secretsmanager").get_secret_value(
            SecretId=stack.outputs["OutboundTokenSecretArn"]
        )
    token = json.loads(secret["SecretString"]).get("outbound_token")
    if not isinstance(token, str) or not token:
        raise SetupError("the outbound token secret holds no outbound_token")
    touchpoint_fields, campaign_fields = parse_field_names(
        stack.parameters.get("SalesforceFieldNames", "")
    )
    return StackFacts(
        stack.outputs["OutboundMessageUrl"],
        token,
        stack.outputs["AdminApiUrl"],
        integration_user,
        stack.outputs["OutboundTokenSecretArn"].split(":")[4],  # the stack's own account
        touchpoint_fields,
        campaign_fields,
        parse_sync_setting_values(stack.parameters.get("SyncSettingValues", "")),
        role,
        parse_attribution_field_names(stack.parameters.get("SalesforceFieldNames", "")),
    )


# -- XML: scripts/salesforce_xml.py (the flows' module builds with it too) -------------------------

# -- outbound messages and the flows that send them ---------------------------------------------


def outbound_message_fields(facts: StackFacts) -> dict[str, list[str]]:
    """The fields each notification carries (the webhook needs the ids and stamps; the rest helps
    whoever reads Setup → Outbound Messages)."""
    campaign = facts.campaign_fields
    return {
        "Campaign": [
            "Id",
            "Name",
            "Type",
            campaign.sync_mode,
            campaign.start_date,
            campaign.end_date,
            "LastModifiedDate",
            "SystemModstamp",
        ],
        "CampaignMember": [
            "Id",
            "CampaignId",
            "Status",
            campaign.member_touchpoint_date,
            "LastModifiedDate",
            "SystemModstamp",
        ],
    }


def message_name(sobject: str) -> str:
    return f"Offline_Touchpoints_{sobject}"


def flow_name(sobject: str) -> str:
    return f"Offline_Touchpoints_{sobject}_Changed"


def workflow(facts: StackFacts, sobject: str) -> str:
    message = _element(
        "outboundMessages",
        ("fullName", message_name(sobject)),
        ("apiVersion", API_VERSION),
        ("description", f"Tells the offline touchpoints stack that a {sobject} changed."),
        ("endpointUrl", facts.endpoint_url),
        ("fields", outbound_message_fields(facts)[sobject]),
        ("includeSessionId", False),
        ("integrationUser", facts.integration_user),
        ("name", f"Offline Touchpoints {sobject}"),
        ("protected", False),
        ("useDeadLetterQueue", False),
    )
    return _document("Workflow", message)


def _filter(field: str, operator: str, value: bool) -> ElementTree.Element:
    return _element(
        "filters",
        ("field", field),
        ("operator", operator),
        _element("value", ("booleanValue", value)),
    )


def member_entry_formula(facts: StackFacts) -> str:
    """True when the member's campaign is synced to include members (one of the including sync
    values): a formula entry condition may read the parent record through `$Record` ("Flow
    Start", Metadata API Developer Guide: `filterFormula`)."""
    field_path = f"{{!$Record.Campaign.{facts.campaign_fields.sync_mode}}}"
    return " || ".join(
        f"ISPICKVAL({field_path}, {_formula_text(value)})"
        for value in facts.sync_setting_values.including
    )


def _formula_text(value: str) -> str:
    """A formula string literal (backslash escapes, as in Salesforce formulas)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def flow(facts: StackFacts, sobject: str) -> str:
    """After save, on create and update, send the object's outbound message. The Campaign flow
    runs only for campaigns whose sync mode is set or has just changed (cleared included); the
    CampaignMember flow only for members of campaigns synced to include members."""
    action = _element(
        "actionCalls",
        ("name", "Send_Outbound_Message"),
        ("label", "Send Outbound Message"),
        ("locationX", 176),
        ("locationY", 323),
        ("actionName", f"{sobject}.{message_name(sobject)}"),
        ("actionType", "outboundMessage"),
        ("flowTransactionModel", "CurrentTransaction"),
    )
    entry: list[Child] = []
    if sobject == "Campaign":
        mode = facts.campaign_fields.sync_mode
        entry = [
            ("filterLogic", "or"),
            _filter(mode, "IsNull", False),
            _filter(mode, "IsChanged", True),
        ]
    else:
        entry = [("filterFormula", member_entry_formula(facts))]
    start = _element(
        "start",
        ("locationX", 50),
        ("locationY", 0),
        _element("connector", ("targetReference", "Send_Outbound_Message")),
        *entry,
        ("object", sobject),
        ("recordTriggerType", "CreateAndUpdate"),
        ("triggerType", "RecordAfterSave"),
    )
    return _document(
        "Flow",
        action,
        ("apiVersion", API_VERSION),
        (
            "description",
            f"Sends the outbound message {message_name(sobject)} when a {sobject} is saved.",
        ),
        ("label", f"Offline Touchpoints: {sobject} changed"),
        ("processType", "AutoLaunchedFlow"),
        start,
        ("status", "Active"),
    )


# -- Change Data Capture through Event Relay -----------------------------------------------------


def change_event_channel() -> str:
    """A custom channel for change events (`data`), holding only the events the function reads."""
    return _document(
        "PlatformEventChannel",
        ("channelType", "data"),
        ("label", "Offline Touchpoints Change Events"),
    )


def change_event_channel_member(event: str) -> str:
    return _document(
        "PlatformEventChannelMember",
        ("eventChannel", CHANGE_EVENT_CHANNEL),
        ("selectedEntity", event),
    )


def event_relay_credential(facts: StackFacts) -> str:
    """The legacy named credential Event Relay reads the AWS account and region from."""
    return _document(
        "NamedCredential",
        ("allowMergeFieldsInBody", False),
        ("allowMergeFieldsInHeader", False),
        ("endpoint", facts.event_relay_url),
        ("generateAuthorizationHeader", True),
        ("label", "Offline Touchpoints Event Relay"),
        ("principalType", "NamedUser"),
        ("protocol", "NoAuthentication"),
    )


def event_relay() -> str:
    """Relays the channel to EventBridge; created stopped (the only state a new relay may have),
    and after an error it resends what the event bus still holds (3 days), since every change
    event is safe to receive twice."""
    return _document(
        "EventRelayConfig",
        ("destinationResourceName", f"callout:{EVENT_RELAY_CREDENTIAL}"),
        ("eventChannel", CHANGE_EVENT_CHANNEL),
        ("label", "Offline Touchpoints Change Events"),
        ("relayOption", json.dumps({"ReplayRecovery": "EARLIEST"}, separators=(",", ":"))),
        ("state", "STOP"),
    )


def change_data_capture_files(facts: StackFacts) -> dict[str, str]:
    """The channel, its members, the relay and its named credential."""
    files = {
        f"platformEventChannels/{CHANGE_EVENT_CHANNEL}.platformEventChannel-meta.xml": (
            change_event_channel()
        ),
        f"namedCredentials/{EVENT_RELAY_CREDENTIAL}.namedCredential-meta.xml": (
            event_relay_credential(facts)
        ),
        f"eventRelays/{EVENT_RELAY}.eventRelay-meta.xml": event_relay(),
    }
    channel = CHANGE_EVENT_CHANNEL.removesuffix("__chn")
    for event in CHANGE_EVENTS:
        member = f"{channel}_chn_{event}"
        files[f"platformEventChannelMembers/{member}.platformEventChannelMember-meta.xml"] = (
            change_event_channel_member(event)
        )
    return files


# -- the admin API for Flow builders -------------------------------------------------------------


def external_credential(facts: StackFacts) -> str:
    """AWS Signature Version 4 for execute-api in the stack's region; one named principal, whose
    access key id and secret the admin enters in Setup (never in metadata). With the stack's
    caller role, the variant AwsSv4_STS: Salesforce assumes the role with that key and the
    stack's external id (parameters AwsAccountId, AwsExternalId; the role's ARN is entered with
    the key). Every callout carries the running user's username (`AuthHeader`
    X-Salesforce-User, a formula evaluated at run time) for the admin API's audit entries.
    Parameter types: Metadata API Developer Guide, "ExternalCredential" (AuthHeader,
    AuthProtocolVariant, AwsStsPrincipal, AuthProviderUrlQueryParameter)."""

    def parameter(name: str, kind: str, value: Any = None, sequence: int | None = None):
        items: list[Child] = [("parameterName", name), ("parameterType", kind)]
        if value is not None:
            items.append(("parameterValue", value))
        if sequence is not None:
            items.append(("sequenceNumber", sequence))
        return _element("externalCredentialParameters", *items)

    return _document(
        "ExternalCredential",
        ("authenticationProtocol", "AwsSv4"),
        ("description", "Signs calls to the offline touchpoints admin API (IAM, execute-api)."),
        parameter(PRINCIPAL, "NamedPrincipal", sequence=1),
        parameter("AwsService", "AuthParameter", "execute-api"),
        parameter("AwsRegion", "AuthParameter", facts.region),
        parameter(ACTOR_HEADER, "AuthHeader", "{!$User.Username}", sequence=1),
        *_sts_parameters(facts.caller_role, parameter),
        ("label", "Offline Touchpoints Admin API"),
    )


def _sts_parameters(role: AssumedRole | None, parameter: Any) -> list[ElementTree.Element]:
    if role is None:
        return []
    return [
        parameter("AwsSv4", "AuthProtocolVariant", "AwsSv4_STS"),
        parameter("AwsStsPrincipal", "AwsStsPrincipal"),
        parameter("AwsAccountId", "AuthParameter", role.account_id),
        parameter("AwsExternalId", "AuthProviderUrlQueryParameter", role.external_id),
    ]


def named_credential(facts: StackFacts) -> str:
    return _document(
        "NamedCredential",
        ("allowMergeFieldsInBody", False),
        ("allowMergeFieldsInHeader", False),
        ("calloutStatus", "Enabled"),
        ("generateAuthorizationHeader", True),
        ("label", "Offline Touchpoints Admin API"),
        _element(
            "namedCredentialParameters",
            ("parameterName", "Url"),
            ("parameterType", "Url"),
            ("parameterValue", facts.admin_api_url),
        ),
        _element(
            "namedCredentialParameters",
            ("externalCredential", EXTERNAL_CREDENTIAL),
            ("parameterName", "ExternalCredential"),
            ("parameterType", "Authentication"),
        ),
        ("namedCredentialType", "SecuredEndpoint"),
    )


def callers_permission_set() -> str:
    """Users whose flows call the admin API need access to the external credential's principal."""
    return _document(
        "PermissionSet",
        (
            "description",
            "Lets flows call the offline touchpoints admin API through its named credential.",
        ),
        _element(
            "externalCredentialPrincipalAccesses",
            ("enabled", True),
            ("externalCredentialPrincipal", f"{EXTERNAL_CREDENTIAL}-{PRINCIPAL}"),
        ),
        ("hasActivationRequired", False),
        ("label", "Offline Touchpoints Admin API Callers"),
    )


def openapi_for_external_services(document: Mapping[str, Any]) -> dict[str, Any]:
    """A copy External Services accepts: OpenAPI 3.0 instead of 3.1 (a nullable value instead of
    `anyOf [X, null]`, one type instead of variants of it: External Services read no `anyOf`), operation ids that are plain identifiers (Flow shows them as action
    names), and neither servers nor security (the named credential gives both)."""
    adapted = copy.deepcopy(dict(document))
    adapted["openapi"] = "3.0.3"
    adapted.pop("servers", None)
    adapted.pop("security", None)
    adapted.get("components", {}).pop("securitySchemes", None)
    seen: set[str] = set()
    for operations in adapted["paths"].values():
        for operation in operations.values():
            operation.pop("security", None)
            name = _identifier(operation["operationId"])
            if name in seen:
                raise ValueError(f"two operations would both be called {name}")
            seen.add(name)
            operation["operationId"] = name
    return _nullable(adapted)


def _identifier(operation_id: str) -> str:
    words = [w for w in re.split(r"[^A-Za-z0-9]+", operation_id) if w]
    return words[0] + "".join(w[:1].upper() + w[1:] for w in words[1:])


_SCALARS = {"string", "integer", "number", "boolean"}


def _nullable(node: Any) -> Any:
    if isinstance(node, list):
        return [_nullable(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _nullable(value) for key, value in node.items()}
    variants = node.get("anyOf")
    if isinstance(variants, list) and {"type": "null"} in variants:
        rest = [v for v in variants if v != {"type": "null"}]
        del node["anyOf"]
        if len(rest) == 1 and "$ref" not in rest[0]:
            node.update(rest[0])
        elif len(rest) == 1:
            node["allOf"] = rest
        else:
            node["anyOf"] = rest
        node["nullable"] = True
    variants = node.get("anyOf")
    if isinstance(variants, list) and all(v.get("type") in _SCALARS for v in variants):
        # A date or a date-time is text to a flow; so is a path item, a name or an index.
        kinds = {v["type"] for v in node.pop("anyOf")}
        node["type"] = kinds.pop() if len(kinds) == 1 else "string"
    if isinstance(node.get("type"), list):
        kinds = [kind for kind in node["type"] if kind != "null"]
        node["nullable"] = len(kinds) < len(node["type"]) or node.get("nullable", False)
        node["type"] = kinds[0] if len(kinds) == 1 else kinds
    if "const" in node:
        node["enum"] = [node.pop("const")]
    node.pop("examples", None)
    return node


def external_service(openapi: Mapping[str, Any]) -> str:
    adapted = openapi_for_external_services(openapi)
    operations = [
        _element("operations", ("active", True), ("name", operation["operationId"]))
        for path in adapted["paths"].values()
        for operation in path.values()
    ]
    return _document(
        "ExternalServiceRegistration",
        ("description", "The offline touchpoints admin API, for flows (signed with AWS SigV4)."),
        ("label", "Offline Touchpoints Admin API"),
        ("namedCredential", NAMED_CREDENTIAL),
        *operations,
        ("registrationProviderType", "Custom"),
        ("schema", json.dumps(adapted, indent=2)),
        ("schemaType", "OpenApi3"),
        ("status", "Complete"),
    )


# -- the permission set for other field names ---------------------------------------------------


def renamed_permission_set(
    shipped_xml: str,
    touchpoint_fields: TouchpointFields,
    campaign_fields: CampaignFields,
    attribution_fields: AttributionFields | None = None,
) -> str:
    """The shipped permission set with the configured names in place of the shipped ones."""
    shipped_touchpoint, shipped_campaign = TouchpointFields(), CampaignFields()
    shipped_attribution, attribution_fields = (
        AttributionFields(),
        attribution_fields or AttributionFields(),
    )
    objects = {
        shipped_touchpoint.sobject: touchpoint_fields.sobject,
        shipped_attribution.sobject: attribution_fields.sobject,
    }
    names = {
        (shipped.sobject, old): new
        for shipped, configured in (
            (shipped_touchpoint, touchpoint_fields),
            (shipped_attribution, attribution_fields),
        )
        for old, new in zip(astuple(shipped)[1:], astuple(configured)[1:], strict=True)
    }
    for item in fields(CampaignFields):
        owner = "CampaignMember" if item.name.startswith("member_") else "Campaign"
        names[(owner, getattr(shipped_campaign, item.name))] = getattr(campaign_fields, item.name)
    ElementTree.register_namespace("", NAMESPACE)
    root = SafeElementTree.fromstring(shipped_xml)
    for element in root.iter(f"{{{NAMESPACE}}}object"):
        element.text = objects.get(element.text, element.text)
    for element in root.iter(f"{{{NAMESPACE}}}field"):
        sobject, _, name = element.text.partition(".")
        element.text = f"{objects.get(sobject, sobject)}.{names.get((sobject, name), name)}"
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(root, "unicode") + "\n"


# -- the tree ------------------------------------------------------------------------------------


def metadata_files(facts: StackFacts, openapi: Mapping[str, Any]) -> dict[str, str]:
    """Path under force-app/main/default -> file text."""
    files = {}
    for sobject in ("Campaign", "CampaignMember"):
        files[f"workflows/{sobject}.workflow-meta.xml"] = workflow(facts, sobject)
        files[f"flows/{flow_name(sobject)}.flow-meta.xml"] = flow(facts, sobject)
    files[f"externalCredentials/{EXTERNAL_CREDENTIAL}.externalCredential-meta.xml"] = (
        external_credential(facts)
    )
    files[f"namedCredentials/{NAMED_CREDENTIAL}.namedCredential-meta.xml"] = named_credential(facts)
    files[f"permissionsets/{CALLERS_PERMISSION_SET}.permissionset-meta.xml"] = (
        callers_permission_set()
    )
    files[
        f"externalServiceRegistrations/{EXTERNAL_SERVICE}.externalServiceRegistration-meta.xml"
    ] = external_service(openapi)
    files.update(salesforce_flows.metadata_files(facts.campaign_fields))
    configured = (facts.touchpoint_fields, facts.campaign_fields, facts.attribution_fields)
    if configured != (TouchpointFields(), CampaignFields(), AttributionFields()):
        shipped = (SHIPPED / f"permissionsets/{PERMISSION_SET}.permissionset-meta.xml").read_text()
        files[f"permissionsets/{PERMISSION_SET}.permissionset-meta.xml"] = renamed_permission_set(
            shipped, *configured
        )
    files.update(change_data_capture_files(facts))
    return files


def write_project(
    facts: StackFacts, out_dir: Path, openapi: Mapping[str, Any] | None = None
) -> list[Path]:
    """An SFDX project at `out_dir` (sfdx-project.json + force-app); returns the files written."""
    openapi = openapi if openapi is not None else json.loads(OPENAPI.read_text())
    project = json.loads((ROOT / "salesforce/sfdx-project.json").read_text())
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "sfdx-project.json").write_text(json.dumps(project, indent=2) + "\n")
    written = []
    for relative, text in metadata_files(facts, openapi).items():
        path = out_dir / "force-app/main/default" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        written.append(path)
    return written


# A stack as the offline check generates it: no AWS account, no real token.
SAMPLE = StackFacts(
    outbound_message_url=(
        "https://abc123defg.execute-api.eu-west-1.amazonaws.com/Prod/salesforce/outbound"
        f"?token={TOKEN_PLACEHOLDER}"
    ),
    outbound_token="sample-token-not-a-secret",
    admin_api_url="https://abc123defg.execute-api.eu-west-1.amazonaws.com/Prod",
    integration_user="integration@example.com",
    aws_account="123456789012",
    caller_role=AssumedRole(
        "arn:aws:iam::123456789012:role/offline-touchpoints-AdminApiCallerRole-AbCdEf",
        "0a1b2c3d-4e5f-6789-abcd-ef0123456789",
    ),
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--stack", help="the deployed CloudFormation stack's name")
    source.add_argument("--sample", action="store_true", help="dummy outputs (the offline check)")
    parser.add_argument("--integration-user", help="username outbound messages are sent as")
    parser.add_argument("--region", help="the stack's region (default: your AWS configuration)")
    parser.add_argument("--out", type=Path, help="default: salesforce/generated/<stack>")
    parser.add_argument(
        "--aws-auth",
        choices=["sts", "access-key"],
        default="sts",
        help="the named credential assumes the stack's caller role (sts) or signs with an IAM"
        " user's own key (access-key)",
    )
    args = parser.parse_args(argv)
    return run_main(lambda: _generate(args))


def _generate(args: argparse.Namespace) -> int:
    if args.sample:
        facts, name = SAMPLE, "sample"
    else:
        if not args.stack:
            raise SetupError("no stack: pass STACK=<the deployed stack's name>")
        if not args.integration_user:
            raise SetupError(
                "no integration user: pass INTEGRATION_USER=<the integration user's username>"
            )
        aws = session(args.region)
        sts = args.aws_auth == "sts"
        facts, name = read_stack(aws, args.stack, args.integration_user, sts), args.stack
    out_dir = args.out or ROOT / "salesforce/generated" / name
    written = write_project(facts, out_dir, None)
    print(
        f"{len(written)} files in {out_dir}; deploy: sf project deploy start --source-dir "
        f"{out_dir / 'force-app'} --target-org <alias>"
    )
    if facts.caller_role:
        print(
            f"then in Setup, principal {PRINCIPAL}: an IAM user's access key and role ARN "
            f"{facts.caller_role.arn}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
