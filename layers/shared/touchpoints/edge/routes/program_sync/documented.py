"""The program sync API's routes as Powertools validates and documents them: the OpenAPI
document, and any request the light readers are not sure of (refused with the API's 422s).
Loads pydantic and Powertools' event handler: only `light.documented_api()` imports it, when it
is needed."""

# No `from __future__ import annotations`: Powertools reads the routes' annotations as objects.
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Path
from pydantic import BaseModel

from touchpoints.edge.api import admin_api, as_response
from touchpoints.edge.ids import SalesforceId
from touchpoints.edge.models.program_sync import ERRORS
from touchpoints.edge.models.program_sync_bodies import AddMemberBody, LinkBody, StatusBody
from touchpoints.edge.openapi import responses
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

ProgramIdPath = Annotated[int, Path(ge=1, description="Marketo program id")]
CampaignIdPath = Annotated[SalesforceId, Path(description="Salesforce Campaign id (15 or 18)")]
PersonIdPath = Annotated[str, Path(min_length=1, description="Email, or Lead / Contact id")]
LINKED: dict[int, tuple[str, type[BaseModel] | None]] = {200: ("The link", None)}
MEMBER_ERRORS = (404, 409, 422, 503)


def documented_resolver() -> APIGatewayRestResolver:
    """Every route of the API, each calling the reply the light path calls."""
    api = admin_api(ERRORS, body_models=[LinkBody, AddMemberBody, StatusBody])

    def deps() -> Dependencies:
        found: Dependencies = api.context["deps"]
        return found

    @api.put(
        "/programs/<program_id>/campaign",
        summary="Link a Marketo program to a Salesforce campaign",
        responses=responses({201: ("Linked", None)}, 404, 409, 422, 502, 503),
    )
    def link(program_id: ProgramIdPath, body: LinkBody) -> Response[dict[str, Any]]:
        return as_response(link_reply(deps(), program_id, body.campaign_id))

    @api.delete(
        "/programs/<program_id>/campaign",
        summary="Unlink a program",
        responses=responses(LINKED, 404, 422),
    )
    def unlink(program_id: ProgramIdPath) -> Response[dict[str, Any]]:
        return as_response(unlink_reply(deps(), program_id))

    @api.get(
        "/program-links", summary="Every link", responses=responses({200: ("The links", None)})
    )
    def list_links() -> Response[dict[str, Any]]:
        return as_response(links_reply(deps()))

    @api.post(
        "/programs/<program_id>/sync",
        summary="Sync one linked program now",
        responses=responses({200: ("The run", None)}, 404, 409, 422, 502, 503),
    )
    def run_now(program_id: ProgramIdPath) -> Response[dict[str, Any]]:
        return as_response(run_now_reply(deps(), program_id))

    @api.post(
        "/campaigns/<campaign_id>/members",
        summary="Add to SFDC Campaign (a person not in Salesforce becomes a Lead)",
        responses=responses({201: ("Added", None)}, *MEMBER_ERRORS),
    )
    def add_member(campaign_id: CampaignIdPath, body: AddMemberBody) -> Response[dict[str, Any]]:
        reply = add_member_reply(deps(), campaign_id, body.email, body.status, body.names())
        return as_response(reply)

    @api.get(
        "/campaigns/<campaign_id>/members/<person_id>",
        summary="Member of SFDC Campaign",
        responses=responses({200: ("Whether the person is a member", None)}, 404, 422, 503),
    )
    def is_member(campaign_id: CampaignIdPath, person_id: PersonIdPath) -> Response[dict[str, Any]]:
        return as_response(is_member_reply(deps(), campaign_id, person_id))

    @api.patch(
        "/campaigns/<campaign_id>/members/<person_id>",
        summary="Change Status in SFDC Campaign",
        responses=responses({200: ("The new status", None)}, *MEMBER_ERRORS),
    )
    def change_status(
        campaign_id: CampaignIdPath, person_id: PersonIdPath, body: StatusBody
    ) -> Response[dict[str, Any]]:
        return as_response(change_status_reply(deps(), campaign_id, person_id, body.status))

    @api.delete(
        "/campaigns/<campaign_id>/members/<person_id>",
        summary="Remove from SFDC Campaign",
        responses=responses({200: ("Removed", None)}, *MEMBER_ERRORS),
    )
    def remove_member(
        campaign_id: CampaignIdPath, person_id: PersonIdPath
    ) -> Response[dict[str, Any]]:
        return as_response(remove_member_reply(deps(), campaign_id, person_id))

    return api
