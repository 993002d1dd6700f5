"""The admin's flows against the admin API's OpenAPI document, as the External Service registers it:
every action a flow calls exists, each input is a parameter of the operation (or its body) bound to
a value of the parameter's type, every required parameter is bound, each output is a response the
operation documents, and every field a flow reads or writes exists in the schema with that type.

External Services turn an operation into the invocable action `<registration>.<operationId>` and
each schema into the Apex-defined type `ExternalService__<registration>_<schema>` ("External
Services", Salesforce Help, https://help.salesforce.com/s/articleView?id=sf.external_services.htm;
"Flow" actionCalls with actionType externalService, Metadata API Developer Guide,
https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_visual_workflow.htm).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pytest
from defusedxml import ElementTree

from scripts import salesforce_flows as flows
from scripts.salesforce_metadata import OPENAPI, openapi_for_external_services
from scripts.salesforce_xml import NAMESPACE
from touchpoints.settings import CampaignFields

NS = {"md": NAMESPACE}
DOCUMENT = openapi_for_external_services(json.loads(OPENAPI.read_text()))
SCHEMAS = DOCUMENT["components"]["schemas"]
OPERATIONS = {op["operationId"]: op for path in DOCUMENT["paths"].values() for op in path.values()}
APEX_PREFIX = flows.schema_type("")
FILES = flows.metadata_files(CampaignFields())
FLOWS = {name: text for name, text in FILES.items() if name.startswith("flows/")}
SCALARS = {"string": "String", "integer": "Number", "number": "Number", "boolean": "Boolean"}
MERGE_FIELD = re.compile(r"\{!([A-Za-z_$][\w.$]*)\}")


@dataclass(frozen=True)
class FlowType:
    """A value's type in a flow: a data type or an External Service schema; one or a list."""

    kind: str
    collection: bool = False

    def item(self) -> FlowType:
        return FlowType(self.kind)


def schema_type(schema: dict) -> FlowType:
    if "$ref" in schema:
        return FlowType(schema["$ref"].rsplit("/", 1)[1])
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return schema_type(schema["allOf"][0])
    if schema.get("type") == "array":
        return FlowType(schema_type(schema["items"]).kind, collection=True)
    return FlowType(SCALARS.get(schema.get("type"), "Object"))


class Flow:
    """A generated flow's resources and the types of the references it makes."""

    def __init__(self, text: str) -> None:
        self.root = ElementTree.fromstring(text.encode())
        self.types: dict[str, FlowType] = {"$Flow.InterviewGuid": FlowType("String")}
        for variable in self.all("variables"):
            kind = variable.findtext("md:dataType", namespaces=NS)
            if kind == "Apex":
                kind = variable.findtext("md:apexClass", namespaces=NS).removeprefix(APEX_PREFIX)
            if kind == "SObject":
                kind = "SObject:" + variable.findtext("md:objectType", namespaces=NS)
            collection = variable.findtext("md:isCollection", namespaces=NS) == "true"
            self.types[self.name(variable)] = FlowType(kind, collection)
        for formula in self.all("formulas"):
            self.types[self.name(formula)] = FlowType(
                formula.findtext("md:dataType", namespaces=NS)
            )
        for template in self.all("textTemplates"):
            self.types[self.name(template)] = FlowType("String")
        for screen in self.all("screens"):
            for field in screen.findall("md:fields", NS):
                if field.findtext("md:fieldType", namespaces=NS) != "DisplayText":
                    kind = field.findtext("md:dataType", namespaces=NS)
                    self.types[self.name(field)] = FlowType(kind)

    def all(self, tag: str):
        return self.root.findall(f"md:{tag}", NS)

    @staticmethod
    def name(element) -> str:
        return element.findtext("md:name", namespaces=NS)

    def resolve(self, reference: str) -> FlowType:
        """The type a reference names, walking an External Service object's properties."""
        head, *path = reference.split(".")
        if head == "$Flow":
            return self.types[reference]
        assert head in self.types, f"{reference}: no resource {head}"
        current = self.types[head]
        for part in path:
            assert not current.collection, f"{reference}: {part} of a list"
            if current.kind.startswith("SObject:"):
                return FlowType("String")  # a record field: Salesforce checks it on deploy
            properties = SCHEMAS[current.kind].get("properties", {})
            assert part in properties, f"{reference}: {current.kind} has no {part}"
            current = schema_type(properties[part])
        return current

    def value_type(self, value) -> FlowType:
        [child] = list(value)
        tag = child.tag.split("}")[1]
        if tag == "elementReference":
            return self.resolve(child.text)
        return FlowType({"stringValue": "String", "numberValue": "Number"}.get(tag, "Boolean"))


def flow_ids():
    return sorted(FLOWS)


@pytest.fixture(params=flow_ids())
def flow(request) -> Flow:
    return Flow(FLOWS[request.param])


def action_calls(flow: Flow):
    calls = [
        call
        for call in flow.all("actionCalls")
        if call.findtext("md:actionType", namespaces=NS) == "externalService"
    ]
    assert calls, "the flow calls no admin API action"
    return calls


def test_every_action_is_an_operation_of_the_registered_service(flow):
    for call in action_calls(flow):
        service, _, operation_id = call.findtext("md:actionName", namespaces=NS).partition(".")
        assert service == flows.EXTERNAL_SERVICE
        assert operation_id in OPERATIONS, operation_id


def test_inputs_are_the_operations_parameters_with_their_types(flow):
    for call in action_calls(flow):
        operation = OPERATIONS[call.findtext("md:actionName", namespaces=NS).partition(".")[2]]
        parameters = {p["name"]: p for p in operation.get("parameters", [])}
        bound = {}
        for item in call.findall("md:inputParameters", NS):
            name = item.findtext("md:name", namespaces=NS)
            given = flow.value_type(item.find("md:value", NS))
            if name == "body":
                schema = operation["requestBody"]["content"]["application/json"]["schema"]
            else:
                assert name in parameters, f"{operation['operationId']} has no parameter {name}"
                schema = parameters[name]["schema"]
            assert given == schema_type(schema), f"{operation['operationId']}.{name}: {given}"
            bound[name] = given
        required = {name for name, p in parameters.items() if p.get("required")}
        if operation.get("requestBody", {}).get("required"):
            required.add("body")
        assert required <= set(bound), f"{operation['operationId']} misses {required - set(bound)}"


def test_outputs_are_documented_responses_of_their_types(flow):
    for call in action_calls(flow):
        operation = OPERATIONS[call.findtext("md:actionName", namespaces=NS).partition(".")[2]]
        outputs = call.findall("md:outputParameters", NS)
        assert outputs, operation["operationId"]
        for output in outputs:
            code = output.findtext("md:name", namespaces=NS)
            response = operation["responses"].get(code)
            assert response, f"{operation['operationId']} answers no {code}"
            schema = response["content"]["application/json"]["schema"]
            target = output.findtext("md:assignToReference", namespaces=NS)
            assert flow.resolve(target) == schema_type(schema), f"{target} <- {code}"


def test_every_call_has_a_fault_path(flow):
    for call in action_calls(flow):
        assert call.find("md:faultConnector", NS) is not None, flow.name(call)


def test_assignments_write_fields_of_their_types(flow):
    for assignment in flow.all("assignments"):
        for item in assignment.findall("md:assignmentItems", NS):
            target = flow.resolve(item.findtext("md:assignToReference", namespaces=NS))
            value = flow.value_type(item.find("md:value", NS))
            operator = item.findtext("md:operator", namespaces=NS)
            if operator == "Add" and target.kind == "String" and not target.collection:
                assert value.kind == "String"  # text appended to text
            elif operator == "Add":
                assert target.collection, f"{target} is not a list"
                assert value == target.item(), f"{target} += {value}"
            elif operator == "AssignCount":
                assert target.kind == "Number"
                assert value.collection
            else:
                assert value == target, f"{item.findtext('md:assignToReference', namespaces=NS)}"


def test_every_merge_field_on_screens_and_in_templates_exists(flow):
    texts = [
        *(
            field.findtext("md:fieldText", namespaces=NS) or ""
            for field in flow.root.iter(f"{{{NAMESPACE}}}fields")
        ),
        *(t.findtext("md:text", namespaces=NS) for t in flow.all("textTemplates")),
        *(f.findtext("md:expression", namespaces=NS) for f in flow.all("formulas")),
    ]
    for text in texts:
        for reference in MERGE_FIELD.findall(text):
            if reference.startswith("$Flow."):
                continue
            flow.resolve(reference)


def test_the_bulk_date_flow_previews_applies_polls_and_undoes():
    flow = Flow(FLOWS[f"flows/{flows.BULK_DATE_FLOW}.flow-meta.xml"])
    operations = {
        call.findtext("md:actionName", namespaces=NS).partition(".")[2]
        for call in action_calls(flow)
    }
    assert operations == {
        "previewCampaignsCampaignIdTouchpointDatePreviewPost",
        "applyCampaignsCampaignIdTouchpointDatePost",
        "getJobJobsJobIdGet",
        "undoJobsJobIdUndoPost",
    }
    filter_fields = {
        item.findtext("md:assignToReference", namespaces=NS)
        for item in flow.root.iter(f"{{{NAMESPACE}}}assignmentItems")
    }
    assert {
        "Filter.statuses",
        "Filter.created_from",
        "Filter.created_to",
        "Filter.only_without_date",
        "Body.date",
    } <= filter_fields


def test_quick_actions_launch_the_campaign_flows():
    for action_name, flow_name in (
        (flows.BULK_DATE_ACTION, flows.BULK_DATE_FLOW),
        (flows.SYNC_STATUS_ACTION, flows.SYNC_STATUS_FLOW),
    ):
        root = ElementTree.fromstring(
            FILES[f"quickActions/Campaign.{action_name}.quickAction-meta.xml"].encode()
        )
        assert root.findtext("md:flowDefinition", namespaces=NS) == flow_name
        assert root.findtext("md:type", namespaces=NS) == "Flow"
        flow = Flow(FLOWS[f"flows/{flow_name}.flow-meta.xml"])
        [record_id] = [v for v in flow.all("variables") if Flow.name(v) == "recordId"]
        assert record_id.findtext("md:isInput", namespaces=NS) == "true"


def test_the_admins_permission_set_opens_every_flow_and_the_principal():
    root = ElementTree.fromstring(
        FILES[f"permissionsets/{flows.ADMINS_PERMISSION_SET}.permissionset-meta.xml"].encode()
    )
    granted = {e.text for e in root.findall("md:flowAccesses/md:flow", NS)}
    assert root.findtext("md:applicationVisibilities/md:application", namespaces=NS) == flows.APP
    app = ElementTree.fromstring(FILES[f"applications/{flows.APP}.app-meta.xml"].encode())
    assert [e.text for e in app.findall("md:tabs", NS)] == ["standard-Campaign", flows.MAPPING_PAGE]
    assert granted == {path.split("/")[1].removesuffix(".flow-meta.xml") for path in FLOWS}
    assert (
        root.findtext(
            "md:externalCredentialPrincipalAccesses/md:externalCredentialPrincipal", namespaces=NS
        )
        == f"{flows.EXTERNAL_CREDENTIAL}-{flows.PRINCIPAL}"
    )


def test_the_mapping_flow_looks_for_campaigns_by_the_configured_sync_field():
    renamed = flows.metadata_files(CampaignFields(sync_mode="bizible2__Mode__c"))
    text = renamed[f"flows/{flows.MAPPING_FLOW}.flow-meta.xml"]
    assert "<field>bizible2__Mode__c</field>" in text
    assert "Enable_Buyer_Touchpoints__c" not in text
