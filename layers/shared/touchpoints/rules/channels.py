"""Rule: a campaign's Type maps to a marketing channel and subchannel."""

from collections.abc import Mapping

from touchpoints.rules.models import Channel

UNMAPPED = Channel("Unmapped")

# The offline mapping a fresh install starts with: Salesforce's standard Campaign types.
DEFAULT_CHANNEL_MAPPING: Mapping[str, Channel] = {
    "Conference": Channel("Offline Event", "Conference"),
    "Trade Show": Channel("Offline Event", "Tradeshow"),
    "Tradeshow": Channel("Offline Event", "Tradeshow"),
    "Webinar": Channel("Offline Event", "Webinar"),
    "Seminar / Conference": Channel("Offline Event", "Conference"),
    "Direct Mail": Channel("Direct Mail"),
    "Telemarketing": Channel("Telemarketing"),
    "Partners": Channel("Partner"),
    "Referral Program": Channel("Referral"),
    "Public Relations": Channel("Public Relations"),
    "Advertisement": Channel("Advertising"),
    "Banner Ads": Channel("Advertising", "Display"),
    "Email": Channel("Email"),
}


def map_channel(campaign_type: str | None, mapping: Mapping[str, Channel]) -> Channel:
    """An unmapped (or blank) Campaign Type gives channel `Unmapped`; it is reported, never dropped."""
    if not campaign_type:
        return UNMAPPED
    return mapping.get(campaign_type.strip(), UNMAPPED)
