"""Rules: a campaign's Type maps to a marketing channel and subchannel through the offline channel
mapping, which an admin edits as a whole (the built-in default applies until the first change)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from touchpoints.rules.models import Channel, SyncMode
from touchpoints.rules.sync_mode import touchpoints_enabled

UNMAPPED = Channel("Unmapped")

# The offline mapping a fresh install starts with: Salesforce's standard Campaign types.
DEFAULT_CHANNEL_MAPPING: Mapping[str, Channel] = MappingProxyType(
    {
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
)

# Caps: a campaign type is a picklist value, and the channel and its path are written to
# Marketing_Channel__c and Marketing_Channel_Path__c (Text, 255). The whole mapping and its audit
# entry must each fit one DynamoDB item (400 KB).
MAX_NAME_LENGTH = 255
MAX_PATH_LENGTH = 255
MAX_MAPPINGS = 1000
MAX_MAPPING_BYTES = 150_000
# An audit entry holds the new mapping (at most MAX_MAPPING_BYTES of names, about 190 KB stored
# with its attribute names) and the changed types: up to twice a mapping's names when every type
# changes. Those are kept up to this many bytes, so the entry stays well within 400 KB.
MAX_AUDITED_CHANGED_TYPES_BYTES = 100_000
# Control characters (NUL, ESC, tab, line breaks, U+2028/9) break SOAP messages, reports and CSV;
# format characters (zero-width space, joiners, BOM) are invisible.
CONTROL_CATEGORIES = frozenset({"Cc", "Zl", "Zp"})
INVISIBLE_CATEGORY = "Cf"


@dataclass(frozen=True, slots=True)
class MappingEntry:
    """One row of the mapping: a Campaign Type and the channel (and subchannel) it maps to."""

    campaign_type: str
    channel: str
    subchannel: str | None = None


@dataclass(frozen=True, slots=True)
class ChannelMapping:
    """The mapping at a version; version 0 is the built-in default (nothing was ever saved)."""

    version: int
    entries: tuple[MappingEntry, ...]

    def channels(self) -> Mapping[str, Channel]:
        return MappingProxyType(
            {e.campaign_type: Channel(e.channel, e.subchannel) for e in self.entries}
        )


DEFAULT_MAPPING = ChannelMapping(
    0,
    tuple(
        MappingEntry(campaign_type, channel.channel, channel.subchannel)
        for campaign_type, channel in DEFAULT_CHANNEL_MAPPING.items()
    ),
)


@dataclass(frozen=True, slots=True)
class SeenCampaign:
    """A campaign's Type and sync mode, as its last recompute read them from Salesforce."""

    campaign_type: str | None
    sync_mode: SyncMode


@dataclass(frozen=True, slots=True)
class MappingProblem:
    """Why a mapping is refused, and the field at fault as the caller wrote it."""

    field: str
    message: str


def map_channel(campaign_type: str | None, mapping: Mapping[str, Channel]) -> Channel:
    """An unmapped (or blank) Campaign Type gives channel `Unmapped`; it is reported, never dropped."""
    if not campaign_type:
        return UNMAPPED
    return mapping.get(campaign_type.strip(), UNMAPPED)


def normalized_entries(entries: Iterable[MappingEntry]) -> tuple[MappingEntry, ...]:
    """Names are stored without surrounding spaces; an absent subchannel is None."""
    return tuple(
        MappingEntry(
            e.campaign_type.strip(),
            e.channel.strip(),
            e.subchannel.strip() if e.subchannel is not None else None,
        )
        for e in entries
    )


def name_problem(name: str) -> str | None:
    """A name (type, channel, subchannel) is refused when it is blank, holds a control character
    anywhere, holds nothing visible (only zero-width or other invisible characters), or is
    longer than Salesforce stores. None when it is fine; the message never repeats the name."""
    if not name:
        return "must not be blank"
    categories = [unicodedata.category(character) for character in name]
    if any(category in CONTROL_CATEGORIES for category in categories):
        return "must not contain control characters (NUL, ESC, tab, line breaks)"
    if all(
        category == INVISIBLE_CATEGORY or character.isspace()
        for category, character in zip(categories, name, strict=True)
    ):
        return "must hold a visible character (not only zero-width or invisible ones)"
    if len(name) > MAX_NAME_LENGTH:
        return f"at most {MAX_NAME_LENGTH} characters"
    return None


def mapping_problems(entries: Sequence[MappingEntry]) -> list[MappingProblem]:
    """A mapping is refused when a name is refused (`name_problem`; a subchannel may be left
    out, not blank), a name or the channel path `Channel.Subchannel` is longer than Salesforce stores, a Campaign
    Type is mapped twice (ignoring case and surrounding spaces: Salesforce picklist values do not
    differ by case alone), or the mapping has too many rows or characters to store."""
    problems: list[MappingProblem] = []
    if len(entries) > MAX_MAPPINGS:
        problems.append(MappingProblem("mappings", f"at most {MAX_MAPPINGS} rows"))
    first_row: dict[str, int] = {}
    for index, entry in enumerate(normalized_entries(entries)):
        row = f"mappings[{index}]"
        names = {"campaign_type": entry.campaign_type, "channel": entry.channel}
        if entry.subchannel is not None:
            names["subchannel"] = entry.subchannel
        for name, value in names.items():
            problem = name_problem(value)
            if problem:
                problems.append(MappingProblem(f"{row}.{name}", problem))
        path = Channel(entry.channel, entry.subchannel).path
        within = all(len(value) <= MAX_NAME_LENGTH for value in names.values())
        if within and len(path) > MAX_PATH_LENGTH:
            problems.append(
                MappingProblem(
                    f"{row}.subchannel",
                    f"channel.subchannel must be at most {MAX_PATH_LENGTH} characters",
                )
            )
        key = entry.campaign_type.casefold()
        if entry.campaign_type and key in first_row:
            problems.append(
                MappingProblem(
                    f"{row}.campaign_type",
                    f"{entry.campaign_type!r} is already mapped in mappings[{first_row[key]}]",
                )
            )
        first_row.setdefault(key, index)
    size = sum(len(f"{e.campaign_type}{e.channel}{e.subchannel or ''}".encode()) for e in entries)
    if size > MAX_MAPPING_BYTES:
        problems.append(MappingProblem("mappings", f"at most {MAX_MAPPING_BYTES:,} bytes of names"))
    return problems


def changed_types(before: Mapping[str, Channel], after: Mapping[str, Channel]) -> frozenset[str]:
    """The Campaign Types whose channel differs between two mappings (a type added or removed
    changes from or to `Unmapped`)."""
    return frozenset(
        campaign_type
        for campaign_type in {*before, *after}
        if map_channel(campaign_type, before) != map_channel(campaign_type, after)
    )


def remapped_campaigns(
    campaigns: Mapping[str, SeenCampaign],
    before: Mapping[str, Channel],
    after: Mapping[str, Channel],
) -> list[str]:
    """A mapping change re-maps the campaigns that include members (so hold touchpoints) and
    whose Type's channel differs between the two mappings; returns their ids."""
    return sorted(
        campaign_id
        for campaign_id, seen in campaigns.items()
        if touchpoints_enabled(seen.sync_mode)
        and map_channel(seen.campaign_type, before) != map_channel(seen.campaign_type, after)
    )


def audited_changed_types(
    changed: Sequence[str], max_bytes: int = MAX_AUDITED_CHANGED_TYPES_BYTES
) -> list[str]:
    """The changed types an audit entry keeps: the first ones, in the given order, up to
    `max_bytes` of names (the entry counts them all; the mappings of it and of the entry before
    it say exactly what changed)."""
    kept: list[str] = []
    size = 0
    for campaign_type in changed:
        size += len(campaign_type.encode())
        if size > max_bytes:
            break
        kept.append(campaign_type)
    return kept


def unmapped_types(campaigns: Iterable[SeenCampaign], mapping: Mapping[str, Channel]) -> list[str]:
    """The Campaign Types of campaigns that include members which the mapping does not map (a
    blank type cannot be mapped, so it is not listed)."""
    return sorted(
        {
            seen.campaign_type.strip()
            for seen in campaigns
            if touchpoints_enabled(seen.sync_mode)
            and seen.campaign_type
            and seen.campaign_type.strip()
            and seen.campaign_type.strip() not in mapping
        }
    )
