"""The committed OpenAPI document is the one the code generates, and it covers every admin route
template.yaml deploys."""

import json
import re

from emulators.template_stack import load_template
from scripts.openapi import DOCUMENT, admin_api_document, admin_routes

METHODS = {"get", "put", "post", "patch", "delete"}


def _shape(path: str) -> str:
    """`/campaigns/{campaignId}` and `/campaigns/{campaign_id}` are one route."""
    return re.sub(r"\{[^}]+\}", "{}", path)


def test_the_committed_openapi_document_matches_the_code():
    assert DOCUMENT.read_text() == admin_api_document(), (
        "openapi/admin-api.json is stale: run `make openapi` and commit it"
    )


def test_the_document_covers_every_admin_route_the_template_deploys_and_no_other():
    document = json.loads(DOCUMENT.read_text())
    documented = {
        (method.upper(), _shape(path))
        for path, operations in document["paths"].items()
        for method in operations
        if method in METHODS
    }
    deployed = {
        (method, _shape(path)) for routes in admin_routes().values() for method, path in routes
    }

    assert documented == deployed
    assert ("GET", "/campaigns/{}/sync-status") in deployed
    assert ("PUT", "/programs/{}/campaign") in deployed
    assert ("POST", "/salesforce/outbound") not in documented  # the webhook is not an admin route


def test_the_document_describes_the_error_shape_and_snake_case_bodies():
    document = json.loads(DOCUMENT.read_text())

    apply = document["paths"]["/campaigns/{campaign_id}/touchpoint-date"]["post"]
    assert {"200", "201", "202", "404", "422"} <= set(apply["responses"])
    assert apply["responses"]["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorBody"
    }
    assert "idempotency-key" in {p["name"] for p in apply["parameters"]}
    link = document["paths"]["/programs/{program_id}/campaign"]["put"]
    assert "409" in link["responses"]
    schemas = document["components"]["schemas"]
    for name, schema in schemas.items():
        for field in schema.get("properties", {}):
            assert field == field.lower(), f"{name}.{field} is not snake_case"
    assert set(schemas["LinkBody"]["properties"]) == {"campaign_id"}
    assert document["security"] == [{"sigv4": []}]


def test_a_caller_without_iam_permission_never_reaches_an_admin_function():
    resources = load_template()["Resources"]
    api_auth = resources["AdminApi"]["Properties"]["Auth"]
    open_routes = [
        (logical_id, event["Properties"]["Path"])
        for logical_id, resource in resources.items()
        if resource["Type"] == "AWS::Serverless::Function"
        for event in (resource["Properties"].get("Events") or {}).values()
        if event["Type"] == "Api" and "Auth" in event["Properties"]
    ]

    assert api_auth["DefaultAuthorizer"] == "AWS_IAM"
    assert open_routes == [("CampaignWebhookFunction", "/salesforce/outbound")]


def test_the_channel_mapping_routes_are_documented_and_need_iam():
    document = json.loads(DOCUMENT.read_text())
    put = document["paths"]["/channel-mapping"]["put"]
    assert {"200", "400", "409", "422", "428"} <= set(put["responses"])
    assert "if-match" in {p["name"] for p in put["parameters"]}
    assert "get" in document["paths"]["/channel-mapping"]

    events = load_template()["Resources"]["ChannelMappingFunction"]["Properties"]["Events"]
    routes = [e["Properties"] for e in events.values() if e["Type"] == "Api"]
    assert {(r["Method"], r["Path"]) for r in routes} == {
        ("GET", "/channel-mapping"),
        ("PUT", "/channel-mapping"),
    }
    assert all("Auth" not in route for route in routes)  # the API's default: AWS_IAM
