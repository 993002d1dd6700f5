"""Domain values the rules work on. Frozen: a rule never changes what it is given."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from touchpoints.rules.frozen_values import fast_frozen_init


class SyncMode(StrEnum):
    """The value of `Campaign.Enable_Buyer_Touchpoints__c`."""

    INCLUDE_ALL = "Include All Campaign Members"
    INCLUDE_RESPONDED = "Include Responded Campaign Members"
    EXCLUDE_ALL = "Exclude All Campaign Members"
    NOT_SYNCED = ""


class Reason(StrEnum):
    """Why a member has the touchpoint outcome it has; shown to users as is."""

    TOUCHPOINT = "Touchpoint"
    NO_EMAIL = "No Touchpoint: no email"
    NOT_RESPONDED = "No Touchpoint: not responded"
    OUTSIDE_WINDOW = "No Touchpoint: outside window"
    CAMPAIGN_EXCLUDED = "No Touchpoint: campaign excluded"
    CAMPAIGN_NOT_SYNCED = "No Touchpoint: campaign not synced"
    CAMPAIGN_DELETED = "No Touchpoint: campaign deleted"


@dataclass(frozen=True, slots=True)
class Campaign:
    id: str
    name: str
    type: str | None
    sync_mode: SyncMode
    start_date: date | None = None
    end_date: date | None = None


@fast_frozen_init  # one of each per member in every run
@dataclass(frozen=True, slots=True)
class Member:
    """A CampaignMember with the fields the rules read."""

    id: str
    campaign_id: str
    lead_id: str | None
    contact_id: str | None
    email: str | None
    has_responded: bool
    created_date: datetime
    first_responded_date: date | None = None
    touchpoint_date: datetime | None = None
    status: str | None = None


@dataclass(frozen=True, slots=True)
class Channel:
    channel: str
    subchannel: str | None = None

    @property
    def path(self) -> str:
        """`Channel.Subchannel`, or the channel alone when there is no subchannel."""
        return f"{self.channel}.{self.subchannel}" if self.subchannel else self.channel


@fast_frozen_init  # one of each per member in every run
@dataclass(frozen=True, slots=True)
class Touchpoint:
    """The touchpoint a member should have (or has, as recorded after a confirmed write)."""

    key: str
    campaign_id: str
    member_id: str
    lead_id: str | None
    contact_id: str | None
    email: str
    touchpoint_date: datetime
    channel: str
    channel_path: str
    medium: str | None


@fast_frozen_init  # one of each per member in every run
@dataclass(frozen=True, slots=True)
class MemberOutcome:
    """What the rules decided for one member: a touchpoint, or the reason there is none."""

    member_id: str
    reason: Reason
    touchpoint: Touchpoint | None = None
