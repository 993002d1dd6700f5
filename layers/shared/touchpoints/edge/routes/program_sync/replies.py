"""The program sync API's replies, whichever path read the request (services/program_sync/,
services/campaign_members.py)."""

from __future__ import annotations

from urllib.parse import unquote

from touchpoints.edge.handler import add_counts, logger
from touchpoints.edge.light_api import Reply
from touchpoints.edge.run_reports import program_sync_counts
from touchpoints.services import campaign_members
from touchpoints.services.program_sync.links import describe_link, link_program, unlink_program
from touchpoints.services.program_sync.sync import sync_program
from touchpoints.wiring import Dependencies


def link_reply(deps: Dependencies, program_id: int, campaign_id: str) -> Reply:
    created = link_program(
        program_id,
        campaign_id,
        deps.program_sync,
        integration_username=deps.salesforce_username(),
        now=deps.clock(),
    )
    link_ids = {"program_id": created.program_id, "campaign_id": created.campaign_id}
    logger.info("program linked", extra={"program_link": link_ids})
    return Reply(201, describe_link(created))


def unlink_reply(deps: Dependencies, program_id: int) -> Reply:
    removed = unlink_program(program_id, deps.program_links)
    return Reply(200, {**describe_link(removed), "unlinked": True})


def links_reply(deps: Dependencies) -> Reply:
    return Reply(200, {"links": [describe_link(link) for link in deps.program_links.all()]})


def run_now_reply(deps: Dependencies, program_id: int) -> Reply:
    result = sync_program(program_id, deps.program_sync, now=deps.clock())
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
