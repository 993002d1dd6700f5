"""ProgramSyncApiFunction (admin API, IAM-authorized): Marketo program ↔ Salesforce campaign links,
a sync of one link on demand, and the flow-action equivalents on campaign members.

Each route is declared once, in `documented_api` (Powertools validates and documents it: `make
openapi`); a plain request is read by its light reader below without loading pydantic, anything
else by the documented resolver (edge/light_api.py). Both call the same reply functions."""

# No `from __future__ import annotations`: the documented routes' annotations are evaluated where
# they are declared, inside `documented_api`, whose imports only it loads.
import functools
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from touchpoints.edge.handler import add_counts, lambda_entry, logger
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
from touchpoints.edge.run_reports import program_sync_counts
from touchpoints.services import campaign_members
from touchpoints.services import program_sync as sync
from touchpoints.wiring import Dependencies

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import APIGatewayRestResolver

PROGRAM_ID_MAX = 999_999_999  # the light path's; the documented resolver takes any id from 1
MEMBER_ERRORS = (404, 409, 422, 503)


# The replies, whichever path read the request.


def link_reply(deps: Dependencies, program_id: int, campaign_id: str) -> Reply:
    created = sync.link_program(
        program_id,
        campaign_id,
        deps.program_sync,
        integration_username=deps.salesforce_username(),
        now=deps.clock(),
    )
    link_ids = {"program_id": created.program_id, "campaign_id": created.campaign_id}
    logger.info("program linked", extra={"program_link": link_ids})
    return Reply(201, sync.describe_link(created))


def unlink_reply(deps: Dependencies, program_id: int) -> Reply:
    removed = sync.unlink_program(program_id, deps.program_links)
    return Reply(200, {**sync.describe_link(removed), "unlinked": True})


def links_reply(deps: Dependencies) -> Reply:
    return Reply(200, {"links": [sync.describe_link(link) for link in deps.program_links.all()]})


def run_now_reply(deps: Dependencies, program_id: int) -> Reply:
    result = sync.sync_program(program_id, deps.program_sync, now=deps.clock())
    add_counts(program_sync_counts(result.as_record()))
    return Reply(200, result.as_record())


# -- flow-action equivalents -------------------------------------------------------------------


def add_member_reply(
    deps: Dependencies, campaign_id: str, email: str, status: str, names: dict[str, str | None]
) -> Reply:
    added = campaign_members.add_campaign_member(
        campaign_id, email, status, deps.campaign_sync, names
    )
    return Reply(201, added)


def is_member_reply(deps: Dependencies, campaign_id: str, person_id: str) -> Reply:
    found = campaign_members.campaign_member(campaign_id, unquote(person_id), deps.campaign_sync)
    return Reply(200, found)


def change_status_reply(deps: Dependencies, campaign_id: str, person_id: str, status: str) -> Reply:
    changed = campaign_members.change_member_status(
        campaign_id, unquote(person_id), status, deps.campaign_sync
    )
    return Reply(200, changed)


def remove_member_reply(deps: Dependencies, campaign_id: str, person_id: str) -> Reply:
    removed = campaign_members.remove_campaign_member(
        campaign_id, unquote(person_id), deps.campaign_sync
    )
    return Reply(200, removed)


@functools.cache
def documented_api() -> "APIGatewayRestResolver":
    """Every route as Powertools validates and documents it: the OpenAPI document, and any
    request the light readers are not sure of (refused with the API's 422s as before)."""
    from typing import Annotated

    from aws_lambda_powertools.event_handler import Response
    from aws_lambda_powertools.event_handler.openapi.params import Path

    from touchpoints.edge.api import admin_api, as_response
    from touchpoints.edge.ids import SalesforceId
    from touchpoints.edge.models.program_sync_bodies import AddMemberBody, LinkBody, StatusBody
    from touchpoints.edge.openapi import responses

    api = admin_api(ERRORS, body_models=[LinkBody, AddMemberBody, StatusBody])
    program_id_type = Annotated[int, Path(ge=1, description="Marketo program id")]
    campaign_id_type = Annotated[
        SalesforceId, Path(description="Salesforce Campaign id (15 or 18)")
    ]
    person_id_type = Annotated[str, Path(min_length=1, description="Email, or Lead / Contact id")]
    linked = {200: ("The link", None)}

    def deps() -> Dependencies:
        found: Dependencies = api.context["deps"]
        return found

    @api.put(
        "/programs/<program_id>/campaign",
        summary="Link a Marketo program to a Salesforce campaign",
        responses=responses({201: ("Linked", None)}, 404, 409, 422, 502, 503),
    )
    def link(program_id: program_id_type, body: LinkBody) -> Response[dict[str, Any]]:
        return as_response(link_reply(deps(), program_id, body.campaign_id))

    @api.delete(
        "/programs/<program_id>/campaign",
        summary="Unlink a program",
        responses=responses(linked, 404, 422),
    )
    def unlink(program_id: program_id_type) -> dict[str, Any]:
        return as_response(unlink_reply(deps(), program_id))

    @api.get(
        "/program-links", summary="Every link", responses=responses({200: ("The links", None)})
    )
    def list_links() -> dict[str, Any]:
        return as_response(links_reply(deps()))

    @api.post(
        "/programs/<program_id>/sync",
        summary="Sync one linked program now",
        responses=responses({200: ("The run", None)}, 404, 409, 422, 502, 503),
    )
    def run_now(program_id: program_id_type) -> dict[str, Any]:
        return as_response(run_now_reply(deps(), program_id))

    @api.post(
        "/campaigns/<campaign_id>/members",
        summary="Add to SFDC Campaign (a person not in Salesforce becomes a Lead)",
        responses=responses({201: ("Added", None)}, *MEMBER_ERRORS),
    )
    def add_member(campaign_id: campaign_id_type, body: AddMemberBody) -> Response[dict[str, Any]]:
        reply = add_member_reply(deps(), campaign_id, body.email, body.status, body.names())
        return as_response(reply)

    @api.get(
        "/campaigns/<campaign_id>/members/<person_id>",
        summary="Member of SFDC Campaign",
        responses=responses({200: ("Whether the person is a member", None)}, 404, 422, 503),
    )
    def is_member(campaign_id: campaign_id_type, person_id: person_id_type) -> dict[str, Any]:
        return as_response(is_member_reply(deps(), campaign_id, person_id))

    @api.patch(
        "/campaigns/<campaign_id>/members/<person_id>",
        summary="Change Status in SFDC Campaign",
        responses=responses({200: ("The new status", None)}, *MEMBER_ERRORS),
    )
    def change_status(
        campaign_id: campaign_id_type, person_id: person_id_type, body: StatusBody
    ) -> dict[str, Any]:
        return as_response(change_status_reply(deps(), campaign_id, person_id, body.status))

    @api.delete(
        "/campaigns/<campaign_id>/members/<person_id>",
        summary="Remove from SFDC Campaign",
        responses=responses({200: ("Removed", None)}, *MEMBER_ERRORS),
    )
    def remove_member(campaign_id: campaign_id_type, person_id: person_id_type) -> dict[str, Any]:
        return as_response(remove_member_reply(deps(), campaign_id, person_id))

    return api


# The light readers: plain requests, read without pydantic.
light = LightApi(ERRORS, documented_api)
MEMBER_FIELDS = frozenset({"email", "status"})


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


@lambda_entry
def lambda_handler(event: dict[str, Any], context: Any, deps: Dependencies) -> dict[str, Any]:
    return light.resolve(event, context, deps)
