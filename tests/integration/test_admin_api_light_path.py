"""The admin API's light path (edge/light_api.py) answers exactly what the documented resolver
answers: the same status, headers and body for plain requests and for the refusals a service
raises; a request it is not sure of (a date to parse, a number not in plain digits, a repeated
parameter, a route without a light reader) it leaves to the documented resolver, which refuses
it with the API's 422s as before. Structure, not timing: tests/integration/test_cold_start.py
checks what an API function's import loads."""

from __future__ import annotations

import json

import pytest

from emulators.api_gateway import admin_request
from emulators.iam_policies import CALLER
from emulators.world import lambda_context
from tests.integration.seeds import a_campaign, members

PERSON_ID = "00Q000000000001AAA"


def answers(function, event):
    """The light path's answer (None: not sure) and the documented resolver's, as deployed."""
    caller = CALLER.set(function.logical_id)
    try:
        light = function.module.light.answer(event, function.deps)
        api = function.module.documented_api()
        api.append_context(deps=function.deps)
        documented = api.resolve(event, lambda_context(function.logical_id))
    finally:
        CALLER.reset(caller)
    return light, documented


def same_answer(light, documented):
    """Equal as the caller sees them: status, headers, body (JSON compared as sent)."""
    assert light is not None, "the light path should have answered"
    assert light["statusCode"] == documented["statusCode"]
    assert dict(light["multiValueHeaders"]) == dict(documented["multiValueHeaders"])
    assert light["body"] == documented["body"]
    assert light["isBase64Encoded"] is documented["isBase64Encoded"] is False


@pytest.fixture
def recomputed_campaign(world):
    campaign_id = a_campaign(world.org)
    members(world.org, campaign_id, 5)
    world.recompute.deps.queue.enqueue(campaign_id, "test", f"test:{campaign_id}")
    assert world.drain_queue() == [{"batchItemFailures": []}]
    return campaign_id


def plain_sync_status_requests(campaign_id):
    short_id = campaign_id[:15]
    never_run = "701000000000009AAA"
    return [
        ("GET", f"/campaigns/{campaign_id}/sync-status", None),
        ("GET", f"/campaigns/{short_id}/sync-status", {"limit": "2"}),
        ("GET", f"/campaigns/{campaign_id}/sync-status", {"format": "csv", "limit": "2"}),
        ("GET", f"/campaigns/{campaign_id}/sync-status", {"format": "json", "limit": "5000"}),
        ("GET", f"/campaigns/{campaign_id}/sync-status", {"next": "forged"}),
        ("GET", f"/campaigns/{never_run}/sync-status", None),
        ("GET", f"/campaigns/{campaign_id}/runs", {"limit": "1"}),
        ("GET", f"/campaigns/{campaign_id}/runs", {"next": "forged"}),
        ("GET", f"/campaigns/{never_run}/runs", None),
        ("GET", f"/persons/{PERSON_ID}/path", None),
        ("GET", "/audit", {"kind": "channel-mapping", "limit": "10"}),
        ("GET", "/audit", {"campaign": campaign_id, "actor": "someone"}),
    ]


def test_the_sync_status_light_path_answers_as_the_documented_resolver(world, recomputed_campaign):
    for method, path, query in plain_sync_status_requests(recomputed_campaign):
        light, documented = answers(world.sync_status, admin_request(method, path, query=query))
        same_answer(light, documented)


def test_the_light_path_pages_the_csv_report_as_the_json(world, recomputed_campaign):
    path = f"/campaigns/{recomputed_campaign}/sync-status"
    light, _ = answers(world.sync_status, admin_request("GET", path, query={"limit": "2"}))
    status = json.loads(light["body"])

    assert len(status["members"]) == 2
    assert status["next"] == status["members"][-1]["member_id"]


@pytest.mark.parametrize(
    "query",
    [
        {"limit": "+5"},  # pydantic reads it; the light path reads plain digits only
        {"limit": "0"},  # 422, in the documented shape
        {"limit": "10001"},
        {"format": "xml"},
        {"next": ""},
    ],
)
def test_a_request_the_light_path_is_not_sure_of_goes_to_the_documented_resolver(
    world, recomputed_campaign, query
):
    path = f"/campaigns/{recomputed_campaign}/sync-status"
    light, documented = answers(world.sync_status, admin_request("GET", path, query=query))

    assert light is None
    assert documented["statusCode"] in {200, 400, 422}


def test_an_id_that_is_not_a_salesforce_id_is_refused_by_the_documented_resolver(world):
    request = admin_request("GET", "/campaigns/701000000000009AAB/sync-status")
    light, documented = answers(world.sync_status, request)

    assert light is None
    assert documented["statusCode"] == 422
    assert json.loads(documented["body"])["field"] == "campaign_id"


def test_audit_dates_and_repeated_parameters_go_to_the_documented_resolver(world):
    dated = admin_request("GET", "/audit", query={"since": "2026-02-01T00:00:00Z"})
    repeated = admin_request("GET", "/audit", query={"kind": "bulk-date"})
    repeated["multiValueQueryStringParameters"] = {"kind": ["bulk-date", "channel-mapping"]}

    for request in (dated, repeated):
        light, documented = answers(world.sync_status, request)
        assert light is None
        assert documented["statusCode"] in {200, 422}


def test_a_route_the_function_does_not_have_is_the_documented_404(world):
    light, documented = answers(world.sync_status, admin_request("GET", "/nowhere"))

    assert light is None
    assert documented["statusCode"] == 404
