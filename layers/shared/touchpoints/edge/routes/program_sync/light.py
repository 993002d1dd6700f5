"""The program sync API's light readers: plain requests read without pydantic
(edge/light_api.py), anything they are not sure of left to the documented resolver
(`documented.py`)."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from touchpoints.edge.light_api import (
    LightApi,
    LightRequest,
    Reply,
    body_text,
    json_body,
    json_object,
    optional_body_text,
    salesforce_id,
    whole_number,
)
from touchpoints.edge.models.program_sync import EMAIL_LENGTH, ERRORS, NAME_MAX, STATUS_MAX
from touchpoints.edge.routes.program_sync.replies import (
    add_member_reply,
    change_status_reply,
    is_member_reply,
    link_reply,
    links_reply,
    remove_member_reply,
    run_now_reply,
    unlink_reply,
)
from touchpoints.wiring import Dependencies

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import APIGatewayRestResolver

PROGRAM_ID_MAX = 999_999_999  # the light path's; the documented resolver takes any id from 1
MEMBER_FIELDS = frozenset({"email", "status"})


@functools.cache
def documented_api() -> APIGatewayRestResolver:
    """The documented resolver, built once and only when needed (it loads pydantic)."""
    from touchpoints.edge.routes.program_sync.documented import documented_resolver

    return documented_resolver()


light = LightApi(ERRORS, documented_api)


def _program_id(request: LightRequest) -> int:
    return whole_number(request.path["program_id"], 0, PROGRAM_ID_MAX)


@light.route("PUT", "/programs/<program_id>/campaign")
def read_link(request: LightRequest, deps: Dependencies) -> Reply:
    body = json_object(json_body(request), frozenset({"campaign_id"}), frozenset())
    campaign_id = salesforce_id(body_text(body["campaign_id"]))
    return link_reply(deps, _program_id(request), campaign_id)


@light.route("DELETE", "/programs/<program_id>/campaign")
def read_unlink(request: LightRequest, deps: Dependencies) -> Reply:
    return unlink_reply(deps, _program_id(request))


@light.route("GET", "/program-links")
def read_links(request: LightRequest, deps: Dependencies) -> Reply:
    return links_reply(deps)


@light.route("POST", "/programs/<program_id>/sync")
def read_run_now(request: LightRequest, deps: Dependencies) -> Reply:
    return run_now_reply(deps, _program_id(request))


@light.route("POST", "/campaigns/<campaign_id>/members")
def read_add_member(request: LightRequest, deps: Dependencies) -> Reply:
    campaign_id = salesforce_id(request.path["campaign_id"])
    body = json_object(json_body(request), MEMBER_FIELDS, frozenset(NAME_MAX))
    email = body_text(body["email"], *EMAIL_LENGTH)
    status = body_text(body["status"], 1, STATUS_MAX)
    names = {name: optional_body_text(body.get(name), most) for name, most in NAME_MAX.items()}
    return add_member_reply(deps, campaign_id, email, status, names)


@light.route("GET", "/campaigns/<campaign_id>/members/<person_id>")
def read_is_member(request: LightRequest, deps: Dependencies) -> Reply:
    campaign_id = salesforce_id(request.path["campaign_id"])
    return is_member_reply(deps, campaign_id, request.path["person_id"])


@light.route("PATCH", "/campaigns/<campaign_id>/members/<person_id>")
def read_change_status(request: LightRequest, deps: Dependencies) -> Reply:
    campaign_id = salesforce_id(request.path["campaign_id"])
    body = json_object(json_body(request), frozenset({"status"}), frozenset())
    status = body_text(body["status"], 1, STATUS_MAX)
    return change_status_reply(deps, campaign_id, request.path["person_id"], status)


@light.route("DELETE", "/campaigns/<campaign_id>/members/<person_id>")
def read_remove_member(request: LightRequest, deps: Dependencies) -> Reply:
    campaign_id = salesforce_id(request.path["campaign_id"])
    return remove_member_reply(deps, campaign_id, request.path["person_id"])
