"""Rule: which campaign members a bulk touchpoint date applies to."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date
from typing import Any

from touchpoints.rules.models import Member

# How large a filter may be. A status is a CampaignMemberStatus label, "Limited to 765 characters"
# (Object Reference, CampaignMemberStatus: https://developer.salesforce.com/docs/atlas.en-us.
# object_reference.meta/object_reference/sforce_api_objects_campaignmemberstatus.htm); a campaign
# offers a handful of them, so 100 is room enough. Member ids are asked for 300 a query.
MAX_STATUSES = 100
MAX_STATUS_LENGTH = 765
MAX_MEMBER_IDS = 5000


@dataclass(frozen=True, slots=True)
class MemberFilter:
    """Every criterion that is set must hold; an empty filter matches every member."""

    statuses: frozenset[str] | None = None
    responded: bool | None = None
    created_from: date | None = None
    created_to: date | None = None
    member_ids: frozenset[str] | None = None
    only_without_date: bool = False


def member_matches(member: Member, criteria: MemberFilter) -> bool:
    """A member matches when its status, response, creation day (UTC, inclusive), id and
    (with `only_without_date`) a blank touchpoint date all fit the filter."""
    created = member.created_date.astimezone(UTC).date()
    return (
        (criteria.statuses is None or member.status in criteria.statuses)
        and (criteria.responded is None or member.has_responded is criteria.responded)
        and (criteria.created_from is None or created >= criteria.created_from)
        and (criteria.created_to is None or created <= criteria.created_to)
        and (criteria.member_ids is None or member.id in criteria.member_ids)
        and (not criteria.only_without_date or member.touchpoint_date is None)
    )


def unknown_member_ids(criteria: MemberFilter, members: Iterable[Member]) -> frozenset[str]:
    """Member ids a filter names must belong to the campaign: a typo must not silently shrink
    the selection."""
    if criteria.member_ids is None:
        return frozenset()
    return criteria.member_ids - {member.id for member in members}


def filter_to_dict(criteria: MemberFilter) -> dict[str, Any]:
    """The filter as the caller gave it (unset criteria left out, sets sorted, days in ISO form):
    the same filter always gives the same dict, for the job, the audit and request fingerprints."""
    values = {
        "statuses": sorted(criteria.statuses) if criteria.statuses is not None else None,
        "responded": criteria.responded,
        "created_from": _iso_day(criteria.created_from),
        "created_to": _iso_day(criteria.created_to),
        "member_ids": sorted(criteria.member_ids) if criteria.member_ids is not None else None,
        "only_without_date": criteria.only_without_date or None,
    }
    return {name: value for name, value in values.items() if value is not None}


def filter_from_dict(values: Mapping[str, Any]) -> MemberFilter:
    """The filter `filter_to_dict` described."""
    return MemberFilter(
        statuses=frozenset(values["statuses"]) if "statuses" in values else None,
        responded=values.get("responded"),
        created_from=_day(values.get("created_from")),
        created_to=_day(values.get("created_to")),
        member_ids=frozenset(values["member_ids"]) if "member_ids" in values else None,
        only_without_date=bool(values.get("only_without_date")),
    )


def _iso_day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None
