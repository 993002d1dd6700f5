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
from tests.integration import test_program_sync_as_deployed
from tests.integration.seeds import a_campaign, members
from tests.integration.test_channel_mapping import default_rows, synced, with_row

PERSON_ID = "00Q000000000001AAA"
linked = test_program_sync_as_deployed.linked  # a program and campaign linked and synced once


def answers(function, event):
    """The light path's answer (None: not sure) and the documented resolver's, as deployed."""
    return light_answer(function, event), documented_answer(function, event)


def light_answer(function, event):
    caller = CALLER.set(function.logical_id)  # its DynamoDB calls are held to its policies
    try:
        return function.module.light.answer(
            event, function.deps, lambda_context(function.logical_id)
        )
    finally:
        CALLER.reset(caller)


def documented_answer(function, event):
    caller = CALLER.set(function.logical_id)
    try:
        context = lambda_context(function.logical_id)
        return function.module.light.documented(event, context, function.deps)
    finally:
        CALLER.reset(caller)


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


def put_request(mappings, **headers):
    return admin_request("PUT", "/channel-mapping", body={"mappings": mappings}, headers=headers)


def back_to_version_0(world):
    """The mapping item removed: the built-in default at version 0 again (its audit stays)."""
    table = world.session.resource("dynamodb").Table(world.table_name)
    table.delete_item(Key={"PK": "CHANNEL_MAPPING", "SK": "CURRENT"})


def test_the_channel_mapping_light_path_answers_as_the_documented_resolver(world):
    campaign_id = a_campaign(world.org, Type="Webinar")
    members(world.org, campaign_id, 2)
    synced(world, [campaign_id])
    webinar_online = with_row(default_rows(), "Webinar", "Online", "Webinar")

    same_answer(*answers(world.channel_mapping, admin_request("GET", "/channel-mapping")))
    for refused in (
        put_request(webinar_online),  # 428: no If-Match
        put_request(webinar_online, **{"If-Match": "W/1"}),  # 400
        put_request(webinar_online, **{"If-Match": '"7"'}),  # 409: not the version read
        put_request([*webinar_online, *webinar_online], **{"If-Match": "0"}),  # 422: twice
    ):
        same_answer(*answers(world.channel_mapping, refused))

    change = put_request(webinar_online, **{"If-Match": '"0"', "X-Salesforce-User": "a@b.org"})
    light = light_answer(world.channel_mapping, change)
    back_to_version_0(world)
    documented = documented_answer(world.channel_mapping, change)
    same_answer(light, documented)
    assert json.loads(light["body"])["recomputes_enqueued"] == 1


@pytest.mark.parametrize(
    ("request_", "status"),
    [
        (put_request([{"campaign_type": "Webinar", "channel": 3}], **{"If-Match": "0"}), 422),
        (put_request([{"campaign_type": "Webinar", "channel": "Online", "colour": "red"}]), 422),
        (admin_request("PUT", "/channel-mapping", raw_body="{x", headers={"If-Match": "0"}), 422),
        (admin_request("PUT", "/channel-mapping", body=[], headers={"If-Match": "0"}), 422),
        (put_request([], **{"If-Match": "0", "X-Salesforce-User": "not a user"}), 422),
        (put_request([], **{"If-Match": "0", "Content-Type": "text/plain"}), 415),
    ],
    ids=["not a string", "unknown field", "not json", "not an object", "bad user", "not json type"],
)
def test_a_mapping_the_light_path_is_not_sure_of_is_refused_by_the_documented_resolver(
    world, request_, status
):
    light, documented = answers(world.channel_mapping, request_)

    assert light is None
    assert documented["statusCode"] == status
    assert world.table_items() == []  # refused: nothing saved


def test_the_program_sync_light_path_answers_as_the_documented_resolver(world, linked):
    program_id, campaign_id = linked
    members = f"/campaigns/{campaign_id}/members"
    api = world.program_sync_api
    for method, path, body in (
        ("GET", "/program-links", None),
        ("GET", f"{members}/ann@example.com", None),
        ("GET", f"{members}/kim%40example.com", None),
        ("GET", f"/campaigns/{campaign_id[:15]}/members/ann@example.com", None),
        ("POST", "/programs/999/sync", None),  # 404: not linked
        ("DELETE", "/programs/999/campaign", None),
        ("PUT", f"/programs/{program_id}/campaign", {"campaign_id": campaign_id}),  # 409
        ("POST", members, {"email": "ann@example.com", "status": "Registered"}),  # 409
        ("POST", members, {"email": "zed@example.com", "status": "Sent"}),  # 422
        ("POST", members, {"email": "not-an-email", "status": "Registered"}),  # 422
        ("PATCH", f"{members}/zed@example.com", {"status": "Attended"}),  # 404
        ("DELETE", "/campaigns/701000000000000AAA/members/ann@example.com", None),  # 404
    ):
        same_answer(*answers(api, admin_request(method, path, body)))

    attended = admin_request("PATCH", f"{members}/ann%40example.com", {"status": "Attended"})
    light = light_answer(api, attended)
    back = admin_request("PATCH", f"{members}/ann@example.com", {"status": "Registered"})
    assert light_answer(api, back)["statusCode"] == 200
    same_answer(light, documented_answer(api, attended))


def test_a_sync_on_demand_and_a_new_link_answer_alike_on_either_path(world, linked):
    program_id, campaign_id = linked
    api = world.program_sync_api
    run = admin_request("POST", f"/programs/{program_id}/sync")
    same_answer(light_answer(api, run), documented_answer(api, run))

    unlink = admin_request("DELETE", f"/programs/{program_id}/campaign")
    relink = admin_request("PUT", f"/programs/{program_id}/campaign", {"campaign_id": campaign_id})
    assert light_answer(api, unlink)["statusCode"] == 200
    light_linked = light_answer(api, relink)
    documented_unlinked = documented_answer(api, unlink)
    same_answer(light_linked, documented_answer(api, relink))
    same_answer(light_answer(api, unlink), documented_unlinked)


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("POST", "/programs/0/sync", None, 422),
        ("POST", "/programs/007/sync", None, 404),  # pydantic reads 7: not linked
        ("PUT", "/programs/1/campaign", {"campaign_id": "not an id"}, 422),
        ("PUT", "/programs/1/campaign", {"campaign_id": 7015}, 422),
        ("POST", "/campaigns/701000000000000AAA/members", {"email": "a@b.c"}, 422),
        ("POST", "/campaigns/701000000000000AAA/members", {"email": "a@b.c", "status": ""}, 422),
        ("PATCH", "/campaigns/701000000000000AAA/members/a@b.c", {"status": "x" * 81}, 422),
    ],
)
def test_a_program_sync_request_the_light_path_is_not_sure_of_goes_to_the_documented_resolver(
    world, method, path, body, status
):
    light, documented = answers(world.program_sync_api, admin_request(method, path, body))

    assert light is None
    assert documented["statusCode"] == status


def date_request(path, body, **headers):
    return admin_request("POST", path, body, {"Idempotency-Key": "key-1", **headers})


def test_the_bulk_date_light_path_answers_as_the_documented_resolver(world):
    campaign_id = a_campaign(world.org)
    members(world.org, campaign_id, 3)
    api = world.bulk_date
    preview = f"/campaigns/{campaign_id}/touchpoint-date/preview"
    apply = f"/campaigns/{campaign_id}/touchpoint-date"
    dated = {"date": "2026-01-15T09:30:00+01:00", "filter": {"statuses": ["Attended", "Sent"]}}
    for body in (
        {"date": "2026-01-15"},
        {"date": "2026-01-15", "timezone": "Europe/Paris", "allow_future": False},
        dated,
        {"date": "2026-01-15", "filter": {"created_from": "2026-01-01", "responded": True}},
        {"date": "2026-01-15", "filter": {"member_ids": ["003000000000000AAA"]}},  # 422
        {"date": "2099-01-15"},  # 422: in the future
        {"date": "1899-12-31"},  # 422: out of range
    ):
        same_answer(*answers(api, date_request(preview, body)))

    first = light_answer(api, date_request(apply, dated, **{"X-Salesforce-User": "a@b.org"}))
    assert first["statusCode"] == 201
    job_id = json.loads(first["body"])["job_id"]
    same_answer(*answers(api, date_request(apply, dated)))  # 200: the same job
    same_answer(*answers(api, admin_request("GET", f"/jobs/{job_id}", query={"limit": "5"})))
    undo = admin_request("POST", f"/jobs/{job_id}/undo")
    assert light_answer(api, undo)["statusCode"] == 201
    same_answer(*answers(api, undo))  # 200: the same undo job
    same_answer(*answers(api, admin_request("GET", "/jobs/00000000-0000-0000-0000-000000000000")))


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        ({"date": "20260115"}, {}),
        ({"date": "2026-02-30"}, {}),
        ({"date": "2026-01-15T09:30:00Z", "timezone": "Europe/Paris"}, {}),
        ({"date": "2026-01-15", "timezone": "Mars/Olympus"}, {}),
        ({"date": "2026-01-15", "filter": {"colour": "red"}}, {}),
        ({"date": "2026-01-15", "filter": {"statuses": []}}, {}),
        ({"date": "2026-01-15", "filter": {"responded": "yes"}}, {}),
        (
            {
                "date": "2026-01-15",
                "filter": {"created_from": "2026-02-01", "created_to": "2026-01-01"},
            },
            {},
        ),
        ({"date": "2026-01-15"}, {"Idempotency-Key": ""}),
    ],
)
def test_a_date_request_the_light_path_is_not_sure_of_is_the_documented_422(world, body, headers):
    path = "/campaigns/701000000000000AAA/touchpoint-date"
    light, documented = answers(world.bulk_date, date_request(path, body, **headers))

    assert light is None
    assert documented["statusCode"] == 422
