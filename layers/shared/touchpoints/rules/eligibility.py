"""Rule: which members get a touchpoint, and the reason recorded for those that do not."""

from collections.abc import Iterable, Iterator, Mapping

from touchpoints.rules.channels import map_channel
from touchpoints.rules.email import is_valid_email
from touchpoints.rules.keys import touchpoint_key
from touchpoints.rules.models import (
    Campaign,
    Channel,
    Member,
    MemberOutcome,
    Reason,
    SyncMode,
    Touchpoint,
)
from touchpoints.rules.touchpoint_date import touchpoint_date, within_window

_NO_TOUCHPOINT_MODES = {
    SyncMode.EXCLUDE_ALL: Reason.CAMPAIGN_EXCLUDED,
    SyncMode.NOT_SYNCED: Reason.CAMPAIGN_NOT_SYNCED,
}


def evaluate_member(
    campaign: Campaign, member: Member, channels: Mapping[str, Channel]
) -> MemberOutcome:
    """A member gets a touchpoint unless, checked in this order:
    the campaign is excluded or not synced; its person has no valid email;
    it has not responded (Include Responded); its touchpoint date is outside the window.
    """
    if campaign.sync_mode in _NO_TOUCHPOINT_MODES:
        return MemberOutcome(member.id, _NO_TOUCHPOINT_MODES[campaign.sync_mode])
    if not is_valid_email(member.email):
        return MemberOutcome(member.id, Reason.NO_EMAIL)
    if campaign.sync_mode is SyncMode.INCLUDE_RESPONDED and not member.has_responded:
        return MemberOutcome(member.id, Reason.NOT_RESPONDED)
    when = touchpoint_date(member, campaign.sync_mode)
    if not within_window(when, campaign.start_date, campaign.end_date):
        return MemberOutcome(member.id, Reason.OUTSIDE_WINDOW)
    channel = map_channel(campaign.type, channels)
    touchpoint = Touchpoint(  # by position: keywords cost more, once per member of every run
        touchpoint_key(member.id),  # key
        campaign.id,  # campaign_id
        member.id,  # member_id
        member.lead_id,  # lead_id
        member.contact_id,  # contact_id
        member.email.strip(),  # email
        when,  # touchpoint_date
        channel.channel,  # channel
        channel.path,  # channel_path
        campaign.type,  # medium
    )
    return MemberOutcome(member.id, Reason.TOUCHPOINT, touchpoint)


def evaluate_campaign(
    campaign: Campaign, members: Iterable[Member], channels: Mapping[str, Channel]
) -> Iterator[MemberOutcome]:
    """Every member of the campaign, evaluated on its own (streams: members are never all held)."""
    for member in members:
        yield evaluate_member(campaign, member, channels)
