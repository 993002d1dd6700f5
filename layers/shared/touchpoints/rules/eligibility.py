"""Rule: which members get a touchpoint, and the reason recorded for those that do not."""

from collections.abc import Callable, Iterable, Iterator, Mapping

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
    return member_rules(campaign, channels)(member)


def member_rules(
    campaign: Campaign, channels: Mapping[str, Channel]
) -> Callable[[Member], MemberOutcome]:
    """`evaluate_member` for each member of one campaign, what the campaign decides (its mode,
    window and channel) read once rather than once per member."""
    mode, start, end = campaign.sync_mode, campaign.start_date, campaign.end_date
    excluded = _NO_TOUCHPOINT_MODES.get(mode)
    responded_only = mode is SyncMode.INCLUDE_RESPONDED
    channel = map_channel(campaign.type, channels)
    channel_name, channel_path = channel.channel, channel.path
    campaign_id, medium = campaign.id, campaign.type

    def evaluate(member: Member) -> MemberOutcome:
        if excluded is not None:
            return MemberOutcome(member.id, excluded)
        email = member.email
        if not is_valid_email(email):
            return MemberOutcome(member.id, Reason.NO_EMAIL)
        if responded_only and not member.has_responded:
            return MemberOutcome(member.id, Reason.NOT_RESPONDED)
        when = touchpoint_date(member, mode)
        if not within_window(when, start, end):
            return MemberOutcome(member.id, Reason.OUTSIDE_WINDOW)
        touchpoint = Touchpoint(  # by position: keywords cost more, once per member of every run
            touchpoint_key(member.id),  # key
            campaign_id,  # campaign_id
            member.id,  # member_id
            member.lead_id,  # lead_id
            member.contact_id,  # contact_id
            email.strip(),  # email
            when,  # touchpoint_date
            channel_name,  # channel
            channel_path,  # channel_path
            medium,  # medium
        )
        return MemberOutcome(member.id, Reason.TOUCHPOINT, touchpoint)

    return evaluate


def evaluate_campaign(
    campaign: Campaign, members: Iterable[Member], channels: Mapping[str, Channel]
) -> Iterator[MemberOutcome]:
    """Every member of the campaign, evaluated on its own (streams: members are never all held)."""
    evaluate = member_rules(campaign, channels)
    for member in members:
        yield evaluate(member)
