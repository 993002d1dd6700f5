"""The committed OpenAPI document is the one the code generates."""

import json

from emulators.template_stack import load_template
from scripts.openapi import DOCUMENT, admin_api_document


def test_the_committed_openapi_document_matches_the_code():
    assert DOCUMENT.read_text() == admin_api_document(), (
        "openapi/admin-api.json is stale: run `make openapi` and commit it"
    )


def test_the_document_describes_the_bulk_date_routes_and_their_error_shape():
    document = json.loads(DOCUMENT.read_text())

    assert set(document["paths"]) >= {
        "/campaigns/{campaign_id}/touchpoint-date/preview",
        "/campaigns/{campaign_id}/touchpoint-date",
        "/jobs/{job_id}",
        "/jobs/{job_id}/undo",
    }
    apply = document["paths"]["/campaigns/{campaign_id}/touchpoint-date"]["post"]
    assert {"200", "201", "202", "404", "422"} <= set(apply["responses"])
    assert apply["responses"]["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorBody"
    }
    assert "idempotency-key" in {p["name"] for p in apply["parameters"]}
    assert document["security"] == [{"sigv4": []}]


def test_a_caller_without_iam_permission_never_reaches_the_bulk_date_function():
    resources = load_template()["Resources"]
    api_auth = resources["AdminApi"]["Properties"]["Auth"]
    events = resources["BulkDateUpdateFunction"]["Properties"]["Events"]
    routes = {name: e["Properties"] for name, e in events.items() if e["Type"] == "Api"}

    assert api_auth["DefaultAuthorizer"] == "AWS_IAM"
    assert {(r["Method"], r["Path"]) for r in routes.values()} == {
        ("POST", "/campaigns/{campaignId}/touchpoint-date/preview"),
        ("POST", "/campaigns/{campaignId}/touchpoint-date"),
        ("GET", "/jobs/{jobId}"),
        ("POST", "/jobs/{jobId}/undo"),
    }
    assert all("Auth" not in route for route in routes.values())  # none opts out of IAM


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
