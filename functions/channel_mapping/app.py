"""ChannelMappingFunction: the offline channel mapping (Campaign Type → channel and subchannel),
read and replaced as a whole through the admin API (API Gateway REST, IAM-authorized).

Each route is declared once, in `documented_api` (Powertools validates and documents it: `make
openapi`); a plain request is read by its light reader below without loading pydantic, anything
else by the documented resolver (edge/light_api.py). Both call the same reply functions."""

# No `from __future__ import annotations`: the documented routes' annotations are evaluated where
# they are declared, inside `documented_api`, whose imports only it loads.
import functools
import re
from collections.abc import Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from touchpoints.edge.handler import add_counts, lambda_entry, logger
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
from touchpoints.edge.models.channel_mapping import ERRORS, expected_version
from touchpoints.rules.channels import ChannelMapping, MappingEntry
from touchpoints.services import channel_mapping as service
from touchpoints.wiring import Dependencies

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import APIGatewayRestResolver

ROW_REQUIRED = frozenset({"campaign_type", "channel"})
_SALESFORCE_USERNAME = re.compile(SALESFORCE_USERNAME)


# The replies, whichever path read the request.


def _reply(mapping: ChannelMapping, **more: Any) -> Reply:
    """The mapping, its version also as the ETag (what If-Match takes back), and `more`; the
    fields in the order of the documented bodies (`CurrentView`, `ChangeView`)."""
    body = {"mappings": [asdict(e) for e in mapping.entries], "version": mapping.version, **more}
    return Reply(200, body, headers={"ETag": f'"{mapping.version}"'})


def get_mapping_reply(deps: Dependencies) -> Reply:
    view = service.current_mapping(deps.channel_mapping)
    return _reply(view.mapping, unmapped_types=view.unmapped_types)


def put_mapping_reply(
    deps: Dependencies,
    entries: Sequence[MappingEntry],
    if_match: str | None,
    caller: str,
    salesforce_user: str | None,
) -> Reply:
    change = service.replace_mapping(
        deps.channel_mapping,
        deps.queue,
        entries,
        expected_version(if_match),
        caller,
        deps.clock(),
        salesforce_user,
    )
    more = {
        "changed_types": change.changed_types,
        "recomputes_enqueued": change.recomputes_enqueued,
    }
    logger.info(
        "channel mapping changed",
        extra={"channel_mapping": {"version": change.mapping.version, **more}},
    )
    add_counts({"ChannelMappingRecomputes": change.recomputes_enqueued})
    return _reply(change.mapping, **more)


@functools.cache
def documented_api() -> "APIGatewayRestResolver":
    """Both routes as Powertools validates and documents them: the OpenAPI document, and any
    request the light readers are not sure of (refused with the API's 422s as before)."""
    from typing import Annotated

    from aws_lambda_powertools.event_handler import Response
    from aws_lambda_powertools.event_handler.openapi.params import Header

    from touchpoints.edge.api import SalesforceUser, admin_api, as_response, iam_caller
    from touchpoints.edge.models.channel_mapping_bodies import ChangeView, CurrentView, MappingBody
    from touchpoints.edge.openapi import responses

    # A body that is not a mapping is refused like a bad mapping, the field named as written.
    api = admin_api(ERRORS, body_models=[MappingBody], invalid_code="INVALID_MAPPING")

    @api.get(
        "/channel-mapping",
        summary="The offline channel mapping",
        responses=responses({200: ("The mapping; its version is also the ETag", CurrentView)}),
    )
    def get_mapping() -> Response[CurrentView]:
        return as_response(get_mapping_reply(api.context["deps"]))

    @api.put(
        "/channel-mapping",
        summary="Replace the offline channel mapping",
        description="Takes the whole mapping. Every synced campaign whose Type's channel changed"
        " is recomputed, so its touchpoints are re-mapped. A refused request changes nothing.",
        responses=responses(
            {200: ("The mapping saved, at its new version", ChangeView)}, 400, 409, 422, 428
        ),
    )
    def put_mapping(
        body: MappingBody,
        if_match: Annotated[str | None, Header(alias="If-Match")] = None,
        salesforce_user: SalesforceUser = None,
    ) -> Response[ChangeView]:
        entries = [MappingEntry(r.campaign_type, r.channel, r.subchannel) for r in body.mappings]
        reply = put_mapping_reply(
            api.context["deps"], entries, if_match, iam_caller(api), salesforce_user
        )
        return as_response(reply)

    return api


# The light readers: plain requests, read without pydantic.
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


@lambda_entry
def lambda_handler(event: dict[str, Any], context: Any, deps: Dependencies) -> dict[str, Any]:
    return light.resolve(event, context, deps)
