"""The channel mapping API's light readers: plain requests read without pydantic
(edge/light_api.py), anything they are not sure of left to the documented resolver
(`documented.py`)."""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Any

from touchpoints.edge.id_patterns import SALESFORCE_USERNAME, SALESFORCE_USERNAME_MAX
from touchpoints.edge.light_api import (
    LightApi,
    LightRequest,
    Reply,
    Unsure,
    body_text,
    json_body,
    json_object,
    optional_body_text,
    some_text,
)
from touchpoints.edge.models.channel_mapping import ERRORS
from touchpoints.edge.routes.channel_mapping.replies import get_mapping_reply, put_mapping_reply
from touchpoints.rules.channels import MappingEntry
from touchpoints.wiring import Dependencies

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import APIGatewayRestResolver

ROW_REQUIRED = frozenset({"campaign_type", "channel"})
_SALESFORCE_USERNAME = re.compile(SALESFORCE_USERNAME)


@functools.cache
def documented_api() -> APIGatewayRestResolver:
    """The documented resolver, built once and only when needed (it loads pydantic)."""
    from touchpoints.edge.routes.channel_mapping.documented import documented_resolver

    return documented_resolver()


light = LightApi(ERRORS, documented_api)


@light.route("GET", "/channel-mapping")
def read_get_mapping(request: LightRequest, deps: Dependencies) -> Reply:
    return get_mapping_reply(deps)


@light.route("PUT", "/channel-mapping")
def read_put_mapping(request: LightRequest, deps: Dependencies) -> Reply:
    body = json_object(json_body(request), frozenset({"mappings"}), frozenset())
    if not isinstance(body["mappings"], list):
        raise Unsure
    entries = [_entry(row) for row in body["mappings"]]
    user = some_text(
        request.headers.get("x-salesforce-user"), SALESFORCE_USERNAME_MAX, _SALESFORCE_USERNAME
    )
    if_match = some_text(request.headers.get("if-match"))
    return put_mapping_reply(deps, entries, if_match, request.caller, user)


def _entry(value: Any) -> MappingEntry:
    """A row as `MappingRow` reads it (strict strings, no other fields)."""
    row = json_object(value, ROW_REQUIRED, frozenset({"subchannel"}))
    return MappingEntry(
        body_text(row["campaign_type"]),
        body_text(row["channel"]),
        optional_body_text(row.get("subchannel")),
    )
