"""Link a Marketo program to a Salesforce campaign after the reference's checks, unlink it,
and describe a link."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from touchpoints.ports.campaigns import CampaignsPort
from touchpoints.ports.program_links import LinksPort, ProgramLink
from touchpoints.rules.program_sync import NOT_IN_PROGRAM, status_compatibility
from touchpoints.services.program_sync.errors import (
    CampaignNotFoundError,
    CampaignSyncDisabledError,
    ChannelNotFoundError,
    IncompatibleStatusesError,
    NotLinkedError,
    NotMarketingUserError,
    ProgramNotFoundError,
)
from touchpoints.services.program_sync.ports import ProgramSyncPorts


def link_program(
    program_id: int,
    campaign_id: str,
    ports: ProgramSyncPorts,
    *,
    integration_username: str | None,
    now: datetime,
) -> ProgramLink:
    """Link a program to a campaign, one to one, after the checks the reference lists: campaign
    sync enabled, the Salesforce integration user a Marketing User, statuses that match."""
    marketo, salesforce, links = ports.marketo, ports.salesforce, ports.links
    if not ports.sync_enabled:
        raise CampaignSyncDisabledError(
            "campaign sync is disabled in configuration (CAMPAIGN_SYNC_ENABLED); enable it first"
        )
    program = marketo.get_program(program_id)
    if program is None:
        raise ProgramNotFoundError(f"Marketo program {program_id} not found")
    campaign = salesforce.read_sync_campaign(campaign_id)
    if campaign is None:
        raise CampaignNotFoundError(f"Salesforce campaign {campaign_id} not found")
    _require_marketing_user(salesforce, integration_username)
    statuses = marketo.get_channel_statuses(program.channel)
    if statuses is None:
        raise ChannelNotFoundError(f"Marketo channel {program.channel!r} not found")
    compatibility = status_compatibility(
        [s.name for s in statuses], salesforce.member_status_labels(campaign_id)
    )
    if not compatibility.compatible:
        raise IncompatibleStatusesError(
            f"program {program_id} (channel {program.channel}) and campaign {campaign_id} "
            f"cannot be linked: {compatibility.describe()}"
        )
    steps = {s.name: s.step for s in statuses}
    # Stored as Salesforce returns it (18 characters), whatever form the caller sent.
    return links.link(program_id, campaign.id, program.channel, steps, now)


def _require_marketing_user(salesforce: CampaignsPort, username: str | None) -> None:
    if not username:
        raise NotMarketingUserError(
            "the Salesforce secret names no integration user (add `username`), so its "
            "Marketing User permission cannot be checked"
        )
    permission = salesforce.is_marketing_user(username)
    if permission is None:
        raise NotMarketingUserError(f"Salesforce integration user {username} not found")
    if not permission:
        raise NotMarketingUserError(
            f"Salesforce integration user {username} is not a Marketing User "
            "(User.UserPermissionsMarketingUser); campaigns cannot be synced"
        )


def unlink_program(program_id: int, links: LinksPort) -> ProgramLink:
    link = links.unlink(program_id)
    if link is None:
        raise NotLinkedError(f"program {program_id} is not linked to a campaign")
    return link


def describe_link(link: ProgramLink) -> dict[str, Any]:
    return {
        "program_id": link.program_id,
        "campaign_id": link.campaign_id,
        "channel": link.channel,
        "statuses": sorted(
            (name for name in link.steps if name != NOT_IN_PROGRAM),
            key=lambda name: link.steps[name],
        ),
        "linked_at": link.linked_at,
        "watermark": link.watermark,
        "last_sync": link.last_sync,
    }
