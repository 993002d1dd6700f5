"""Bodies and refusals of the channel mapping's admin routes (services/channel_mapping.py): the
whole mapping read and replaced over the version the caller read (If-Match)."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, StrictStr

from touchpoints.services.channel_mapping import InvalidMappingError, MappingVersionConflictError

_VERSION = re.compile(r'\s*"?([0-9]{1,9})"?\s*')


class IfMatchError(ValueError):
    field = "If-Match"


class IfMatchRequiredError(IfMatchError):
    """A PUT replaces the whole mapping, so it must name the version it replaces (RFC 6585)."""


# Each error class and the HTTP status and code it answers with; a refused request changed nothing.
ERRORS: dict[type[Exception], tuple[int, str]] = {
    InvalidMappingError: (422, "INVALID_MAPPING"),
    MappingVersionConflictError: (409, "MAPPING_VERSION_CONFLICT"),
    IfMatchRequiredError: (428, "PRECONDITION_REQUIRED"),
    IfMatchError: (400, "INVALID_IF_MATCH"),
}


class MappingRow(BaseModel):
    model_config = ConfigDict(extra="forbid")
    campaign_type: StrictStr = Field(description="A Campaign Type picklist value, e.g. Webinar")
    channel: StrictStr = Field(description="Marketing channel, e.g. Offline Event")
    subchannel: StrictStr | None = Field(None, description="Optional; the path is Channel.Sub")


class MappingBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mappings: list[MappingRow] = Field(description="The whole mapping; a type left out is Unmapped")


class CurrentView(MappingBody):
    version: int = Field(description="Send as If-Match to change it (0: the built-in default)")
    unmapped_types: list[str] = Field(description="Types of synced campaigns with no mapping")


class ChangeView(MappingBody):
    version: int
    changed_types: list[str] = Field(description="Types whose channel changed")
    recomputes_enqueued: int = Field(description="Campaigns whose touchpoints will be re-mapped")


def expected_version(if_match: str | None) -> int:
    """The mapping version an If-Match header names (`3` or `"3"`, as the ETag gave it)."""
    if if_match is None:
        raise IfMatchRequiredError("send If-Match with the version from GET /channel-mapping")
    found = _VERSION.fullmatch(if_match)
    if not found:
        raise IfMatchError('If-Match must be a mapping version, e.g. 3 or "3"')
    return int(found.group(1))
