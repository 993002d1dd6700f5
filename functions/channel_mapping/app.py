"""ChannelMappingFunction: the offline channel mapping (Campaign Type → channel and subchannel),
read and replaced as a whole through the admin API (API Gateway REST, IAM-authorized)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Header

from touchpoints.edge.api import SalesforceUser, admin_api, iam_caller
from touchpoints.edge.handler import add_counts, lambda_entry, logger
from touchpoints.edge.models.channel_mapping import (
    ERRORS,
    ChangeView,
    CurrentView,
    MappingBody,
    expected_version,
)
from touchpoints.edge.openapi import responses
from touchpoints.rules.channels import ChannelMapping, MappingEntry
from touchpoints.services import channel_mapping as service
from touchpoints.wiring import Dependencies

# A body that is not a mapping is refused like a bad mapping, the field named as written.
api = admin_api(ERRORS, body_models=[MappingBody], invalid_code="INVALID_MAPPING")


def _reply(mapping: ChannelMapping, **more: Any) -> Response[Any]:
    """The mapping, its version also as the ETag (what If-Match takes back), and `more`."""
    body = {"version": mapping.version, "mappings": [asdict(e) for e in mapping.entries], **more}
    return Response(200, content_types.APPLICATION_JSON, body, {"ETag": f'"{mapping.version}"'})


@api.get(
    "/channel-mapping",
    summary="The offline channel mapping",
    responses=responses({200: ("The mapping; its version is also the ETag", CurrentView)}),
)
def get_mapping() -> Response[CurrentView]:
    view = service.current_mapping(api.context["deps"].channel_mapping)
    return _reply(view.mapping, unmapped_types=view.unmapped_types)


@api.put(
    "/channel-mapping",
    summary="Replace the offline channel mapping",
    description="Takes the whole mapping. Every synced campaign whose Type's channel changed is"
    " recomputed, so its touchpoints are re-mapped. A refused request changes nothing.",
    responses=responses(
        {200: ("The mapping saved, at its new version", ChangeView)}, 400, 409, 422, 428
    ),
)
def put_mapping(
    body: MappingBody,
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
    salesforce_user: SalesforceUser = None,
) -> Response[ChangeView]:
    deps: Dependencies = api.context["deps"]
    change = service.replace_mapping(
        deps.channel_mapping,
        deps.queue,
        [MappingEntry(r.campaign_type, r.channel, r.subchannel) for r in body.mappings],
        expected_version(if_match),
        iam_caller(api),
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


@lambda_entry
def lambda_handler(event: dict[str, Any], context: Any, deps: Dependencies) -> dict[str, Any]:
    api.append_context(deps=deps)
    return api.resolve(event, context)
