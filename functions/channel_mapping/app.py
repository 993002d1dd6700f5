"""ChannelMappingFunction: the offline channel mapping (Campaign Type → channel and subchannel),
read and replaced as a whole through the admin API (API Gateway REST, IAM-authorized)."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Annotated, Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Header
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, ConfigDict, Field, StrictStr

from touchpoints.api_errors import error_response, register_error_table
from touchpoints.rules.channels import ChannelMapping, MappingEntry
from touchpoints.services.channel_mapping import (
    InvalidMappingError,
    MappingVersionConflictError,
    current_mapping,
    replace_mapping,
)
from touchpoints.settings import load_settings
from touchpoints.wiring import Dependencies

logger = Logger()
tracer = Tracer()
metrics = Metrics(namespace="OfflineTouchpoints")
api = APIGatewayRestResolver(enable_validation=True)


class IfMatchRequiredError(ValueError):
    """A PUT replaces the whole mapping, so it must name the version it replaces."""

    field = "If-Match"


class InvalidIfMatchError(ValueError):
    field = "If-Match"


ERRORS: dict[type[Exception], tuple[int, str]] = {
    InvalidMappingError: (422, "INVALID_MAPPING"),
    MappingVersionConflictError: (409, "MAPPING_VERSION_CONFLICT"),
    IfMatchRequiredError: (428, "PRECONDITION_REQUIRED"),
    InvalidIfMatchError: (400, "INVALID_IF_MATCH"),
}
register_error_table(api, ERRORS)


class MappingRow(BaseModel):
    model_config = ConfigDict(extra="forbid")
    campaign_type: StrictStr = Field(description="A Campaign Type picklist value, e.g. Webinar")
    channel: StrictStr = Field(description="Marketing channel, e.g. Offline Event")
    subchannel: StrictStr | None = Field(None, description="Optional; the path is Channel.Sub")


class MappingBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mappings: list[MappingRow] = Field(description="The whole mapping; a type left out is Unmapped")


class MappingView(BaseModel):
    version: int = Field(description="Send as If-Match to change it (0: the built-in default)")
    mappings: list[MappingRow]


class CurrentView(MappingView):
    unmapped_types: list[str] = Field(description="Types of synced campaigns with no mapping")


class ChangeView(MappingView):
    changed_types: list[str] = Field(description="Types whose channel changed")
    recomputes_enqueued: int = Field(description="Campaigns whose touchpoints will be re-mapped")


class ErrorBody(BaseModel):
    error: str = Field(description="Machine-readable code, e.g. NO_MATCHING_MEMBERS")
    message: str
    field: str | None = Field(None, description="The request field at fault")


def _responses(ok: tuple[str, type[BaseModel]], *errors: tuple[int, str]) -> dict[int, Any]:
    body = {"application/json": {"model": ErrorBody}}
    return {
        200: {"description": ok[0], "content": {"application/json": {"model": ok[1]}}},
        **{code: {"description": text, "content": body} for code, text in errors},
    }


@api.exception_handler(RequestValidationError)
def _invalid(error: RequestValidationError) -> Response:
    """A body that is not a mapping, naming the field as written: `mappings[2].channel`."""
    problems = [(_field(e["loc"]), str(e.get("msg", "is not valid"))) for e in error.errors()]
    message = "; ".join(f"{field}: {problem}" for field, problem in problems[:5])
    return error_response(422, "INVALID_MAPPING", message, problems[0][0] if problems else None)


def _field(loc: Sequence[Any]) -> str:
    name = ""
    for part in loc[1:]:
        name += f"[{part}]" if isinstance(part, int) else f".{part}" if name else str(part)
    return name or "body"


def _rows(mapping: ChannelMapping) -> list[MappingRow]:
    return [
        MappingRow(campaign_type=e.campaign_type, channel=e.channel, subchannel=e.subchannel)
        for e in mapping.entries
    ]


def _reply(view: MappingView) -> Response[MappingView]:
    etag = {"ETag": f'"{view.version}"'}  # what If-Match takes back
    body = view.model_dump(mode="json")
    return Response(200, content_types.APPLICATION_JSON, body, headers=etag)


def _expected_version(if_match: str | None) -> int:
    if if_match is None:
        raise IfMatchRequiredError("send If-Match with the version from GET /channel-mapping")
    found = re.fullmatch(r'\s*"?([0-9]{1,9})"?\s*', if_match)
    if not found:
        raise InvalidIfMatchError('If-Match must be a mapping version, e.g. 3 or "3"')
    return int(found.group(1))


@api.get(
    "/channel-mapping",
    summary="The offline channel mapping",
    responses=_responses(("The mapping in force; its version is also the ETag", CurrentView)),
)
def get_mapping() -> Response[CurrentView]:
    view = current_mapping(api.context["deps"].channel_mapping)
    rows = _rows(view.mapping)
    return _reply(
        CurrentView(version=view.mapping.version, mappings=rows, unmapped_types=view.unmapped_types)
    )


@api.put(
    "/channel-mapping",
    summary="Replace the offline channel mapping",
    description="Takes the whole mapping. Every synced campaign whose Type's channel changed is"
    " recomputed, so its touchpoints are re-mapped. A refused request changes nothing.",
    responses=_responses(
        ("The mapping saved, at its new version", ChangeView),
        (400, "If-Match is not a version"),
        (409, "The mapping changed since that version; read it again"),
        (422, "Invalid mapping, named in `field`, e.g. mappings[2].channel"),
        (428, "If-Match is missing"),
    ),
)
def put_mapping(
    body: MappingBody, if_match: Annotated[str | None, Header(alias="If-Match")] = None
) -> Response[ChangeView]:
    deps: Dependencies = api.context["deps"]
    identity = api.current_event.request_context.identity
    change = replace_mapping(
        deps.channel_mapping,
        deps.queue,
        [MappingEntry(r.campaign_type, r.channel, r.subchannel) for r in body.mappings],
        _expected_version(if_match),
        identity.user_arn or identity.caller or "unknown",
        deps.clock(),
    )
    logger.info(
        "channel mapping changed",
        extra={
            "channel_mapping": {
                "version": change.mapping.version,
                "changed_types": change.changed_types,
                "recomputes_enqueued": change.recomputes_enqueued,
            }
        },
    )
    metrics.add_metric(
        name="ChannelMappingRecomputes", unit=MetricUnit.Count, value=change.recomputes_enqueued
    )
    return _reply(
        ChangeView(
            version=change.mapping.version,
            mappings=_rows(change.mapping),
            changed_types=change.changed_types,
            recomputes_enqueued=change.recomputes_enqueued,
        )
    )


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
