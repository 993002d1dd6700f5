"""ChannelMappingFunction: the offline channel mapping (Campaign Type → channel and subchannel),
read and replaced as a whole through the admin API (API Gateway REST, IAM-authorized)."""

from __future__ import annotations

import functools
import re
from dataclasses import asdict
from typing import Annotated, Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Header
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, ConfigDict, Field, StrictStr

from touchpoints.api_errors import (
    documented_errors,
    error_response,
    field_path,
    register_error_table,
)
from touchpoints.rules.channels import ChannelMapping, MappingEntry
from touchpoints.services import channel_mapping as service
from touchpoints.settings import load_settings
from touchpoints.wiring import Dependencies

logger = Logger()
tracer = Tracer()
metrics = Metrics(namespace="OfflineTouchpoints")
api = APIGatewayRestResolver(enable_validation=True)


class IfMatchError(ValueError):
    field = "If-Match"


class IfMatchRequiredError(IfMatchError):
    """A PUT replaces the whole mapping, so it must name the version it replaces (RFC 6585)."""


register_error_table(
    api,
    {
        service.InvalidMappingError: (422, "INVALID_MAPPING"),
        service.MappingVersionConflictError: (409, "MAPPING_VERSION_CONFLICT"),
        IfMatchRequiredError: (428, "PRECONDITION_REQUIRED"),
        IfMatchError: (400, "INVALID_IF_MATCH"),
    },
)


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


def _body(model: type[BaseModel]) -> dict[str, Any]:
    return {"content": {"application/json": {"model": model}}}


@api.exception_handler(RequestValidationError)
def _invalid(error: RequestValidationError) -> Response:
    """A body that is not a mapping, naming the field as written: `mappings[2].channel`."""
    problems = [(field_path(e["loc"]), str(e.get("msg", "is not valid"))) for e in error.errors()]
    message = "; ".join(f"{field}: {problem}" for field, problem in problems[:5])
    return error_response(422, "INVALID_MAPPING", message, problems[0][0] if problems else None)


def _reply(mapping: ChannelMapping, **more: Any) -> Response[Any]:
    """The mapping, its version also as the ETag (what If-Match takes back), and `more`."""
    body = {"version": mapping.version, "mappings": [asdict(e) for e in mapping.entries], **more}
    return Response(200, content_types.APPLICATION_JSON, body, {"ETag": f'"{mapping.version}"'})


def _expected_version(if_match: str | None) -> int:
    if if_match is None:
        raise IfMatchRequiredError("send If-Match with the version from GET /channel-mapping")
    found = re.fullmatch(r'\s*"?([0-9]{1,9})"?\s*', if_match)
    if not found:
        raise IfMatchError('If-Match must be a mapping version, e.g. 3 or "3"')
    return int(found.group(1))


@api.get(
    "/channel-mapping",
    summary="The offline channel mapping",
    responses={
        200: {"description": "The mapping; its version is also the ETag", **_body(CurrentView)}
    },
)
def get_mapping() -> Response[CurrentView]:
    view = service.current_mapping(api.context["deps"].channel_mapping)
    return _reply(view.mapping, unmapped_types=view.unmapped_types)


@api.put(
    "/channel-mapping",
    summary="Replace the offline channel mapping",
    description="Takes the whole mapping. Every synced campaign whose Type's channel changed is"
    " recomputed, so its touchpoints are re-mapped. A refused request changes nothing.",
    responses={
        200: {"description": "The mapping saved, at its new version", **_body(ChangeView)},
        **documented_errors(
            (400, "If-Match is not a version"),
            (409, "The mapping changed since that version; read it again"),
            (422, "Invalid mapping, named in `field`, e.g. mappings[2].channel"),
            (428, "If-Match is missing"),
        ),
    },
)
def put_mapping(
    body: MappingBody, if_match: Annotated[str | None, Header(alias="If-Match")] = None
) -> Response[ChangeView]:
    deps: Dependencies = api.context["deps"]
    identity = api.current_event.request_context.identity
    change = service.replace_mapping(
        deps.channel_mapping,
        deps.queue,
        [MappingEntry(r.campaign_type, r.channel, r.subchannel) for r in body.mappings],
        _expected_version(if_match),
        identity.user_arn or identity.caller or "unknown",
        deps.clock(),
    )
    more = {
        "changed_types": change.changed_types,
        "recomputes_enqueued": change.recomputes_enqueued,
    }
    logger.info(
        "channel mapping changed",
        extra={"channel_mapping": {"version": change.mapping.version, **more}},
    )
    metrics.add_metric("ChannelMappingRecomputes", MetricUnit.Count, change.recomputes_enqueued)
    return _reply(change.mapping, **more)


@functools.cache
def default_dependencies() -> Dependencies:
    return Dependencies(load_settings())


@metrics.log_metrics
@tracer.capture_lambda_handler
@logger.inject_lambda_context
def lambda_handler(
    event: dict[str, Any], context: Any, deps: Dependencies | None = None
) -> dict[str, Any]:
    api.append_context(deps=deps or default_dependencies())
    return api.resolve(event, context)
