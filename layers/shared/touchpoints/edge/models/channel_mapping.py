"""Refusals of the channel mapping's admin routes (services/channel_mapping.py), read and replaced
as a whole over the version the caller read (If-Match), and that header read; without pydantic,
which its light routes do not load (edge/light_api.py). The bodies: `channel_mapping_bodies.py`."""

from __future__ import annotations

import re

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


def expected_version(if_match: str | None) -> int:
    """The mapping version an If-Match header names (`3` or `"3"`, as the ETag gave it)."""
    if if_match is None:
        raise IfMatchRequiredError("send If-Match with the version from GET /channel-mapping")
    found = _VERSION.fullmatch(if_match)
    if not found:
        raise IfMatchError('If-Match must be a mapping version, e.g. 3 or "3"')
    return int(found.group(1))
