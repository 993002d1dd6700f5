"""ProgramSyncApiFunction (admin API, IAM-authorized): Marketo program ↔ Salesforce campaign links,
a sync of one link on demand, and the flow-action equivalents on campaign members."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import unquote

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Path

from touchpoints.edge.api import admin_api
from touchpoints.edge.handler import add_counts, lambda_entry, logger
from touchpoints.edge.ids import SalesforceId
from touchpoints.edge.models.program_sync import (
    ERRORS,
    AddMemberBody,
    LinkBody,
    StatusBody,
)
from touchpoints.edge.openapi import responses
from touchpoints.edge.run_reports import program_sync_counts
from touchpoints.services import campaign_members
from touchpoints.services import program_sync as sync
from touchpoints.wiring import Dependencies

api = admin_api(ERRORS, body_models=[LinkBody, AddMemberBody, StatusBody])
ProgramId = Annotated[int, Path(ge=1, description="Marketo program id")]
CampaignId = Annotated[SalesforceId, Path(description="Salesforce Campaign id (15 or 18)")]
PersonId = Annotated[str, Path(min_length=1, description="Email, or Lead / Contact id")]
LINKED = {200: ("The link", None)}


def _deps() -> Dependencies:
    return api.context["deps"]


@api.put(
    "/programs/<program_id>/campaign",
    summary="Link a Marketo program to a Salesforce campaign",
    responses=responses({201: ("Linked", None)}, 404, 409, 422, 502, 503),
)
def link(program_id: ProgramId, body: LinkBody) -> Response[dict[str, Any]]:
    deps = _deps()
    created = sync.link_program(
        program_id,
        body.campaign_id,
        deps.program_sync,
        integration_username=deps.salesforce_username(),
        now=deps.clock(),
    )
    link_ids = {"program_id": created.program_id, "campaign_id": created.campaign_id}
    logger.info("program linked", extra={"program_link": link_ids})
    return Response(201, content_types.APPLICATION_JSON, sync.describe_link(created))


@api.delete(
    "/programs/<program_id>/campaign",
    summary="Unlink a program",
    responses=responses(LINKED, 404, 422),
)
def unlink(program_id: ProgramId) -> dict[str, Any]:
    removed = sync.unlink_program(program_id, _deps().program_links)
    return {**sync.describe_link(removed), "unlinked": True}


@api.get("/program-links", summary="Every link", responses=responses({200: ("The links", None)}))
def list_links() -> dict[str, Any]:
    return {"links": [sync.describe_link(link) for link in _deps().program_links.all()]}


@api.post(
    "/programs/<program_id>/sync",
    summary="Sync one linked program now",
    responses=responses({200: ("The run", None)}, 404, 409, 422, 502, 503),
)
def run_now(program_id: ProgramId) -> dict[str, Any]:
    deps = _deps()
    result = sync.sync_program(program_id, deps.program_sync, now=deps.clock())
    add_counts(program_sync_counts(result.as_record()))
    return result.as_record()


# -- flow-action equivalents -------------------------------------------------------------------
MEMBER_ERRORS = (404, 409, 422, 503)


@api.post(
    "/campaigns/<campaign_id>/members",
    summary="Add to SFDC Campaign (a person not in Salesforce becomes a Lead)",
    responses=responses({201: ("Added", None)}, *MEMBER_ERRORS),
)
def add_member(campaign_id: CampaignId, body: AddMemberBody) -> Response[dict[str, Any]]:
    added = campaign_members.add_campaign_member(
        campaign_id, body.email, body.status, _deps().campaign_sync, body.names()
    )
    return Response(201, content_types.APPLICATION_JSON, added)


@api.get(
    "/campaigns/<campaign_id>/members/<person_id>",
    summary="Member of SFDC Campaign",
    responses=responses({200: ("Whether the person is a member", None)}, 404, 422, 503),
)
def is_member(campaign_id: CampaignId, person_id: PersonId) -> dict[str, Any]:
    return campaign_members.campaign_member(campaign_id, unquote(person_id), _deps().campaign_sync)


@api.patch(
    "/campaigns/<campaign_id>/members/<person_id>",
    summary="Change Status in SFDC Campaign",
    responses=responses({200: ("The new status", None)}, *MEMBER_ERRORS),
)
def change_status(campaign_id: CampaignId, person_id: PersonId, body: StatusBody) -> dict[str, Any]:
    return campaign_members.change_member_status(
        campaign_id, unquote(person_id), body.status, _deps().campaign_sync
    )


@api.delete(
    "/campaigns/<campaign_id>/members/<person_id>",
    summary="Remove from SFDC Campaign",
    responses=responses({200: ("Removed", None)}, *MEMBER_ERRORS),
)
def remove_member(campaign_id: CampaignId, person_id: PersonId) -> dict[str, Any]:
    return campaign_members.remove_campaign_member(
        campaign_id, unquote(person_id), _deps().campaign_sync
    )


@lambda_entry
def lambda_handler(event: dict[str, Any], context: Any, deps: Dependencies) -> dict[str, Any]:
    api.append_context(deps=deps)
    return api.resolve(event, context)
