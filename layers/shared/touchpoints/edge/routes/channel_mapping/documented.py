"""The channel mapping API's routes as Powertools validates and documents them: the OpenAPI
document, and any request the light readers are not sure of (refused with the API's 422s).
Loads pydantic and Powertools' event handler: only `light.documented_api()` imports it, when it
is needed."""

# No `from __future__ import annotations`: Powertools reads the routes' annotations as objects.
from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Header

from touchpoints.edge.api import SalesforceUser, admin_api, as_response, iam_caller
from touchpoints.edge.models.channel_mapping import ERRORS
from touchpoints.edge.models.channel_mapping_bodies import ChangeView, CurrentView, MappingBody
from touchpoints.edge.openapi import responses
from touchpoints.edge.routes.channel_mapping.replies import get_mapping_reply, put_mapping_reply
from touchpoints.rules.channels import MappingEntry


def documented_resolver() -> APIGatewayRestResolver:
    """Both routes, each calling the reply the light path calls."""
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
