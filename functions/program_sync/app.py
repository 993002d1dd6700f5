"""ProgramSyncFunction: Marketo program ↔ Salesforce campaign links, their sync runs (schedule and
on demand), and the flow-action equivalents on campaign members."""

from __future__ import annotations

import functools
from typing import Any
from urllib.parse import unquote

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, ConfigDict, Field

from touchpoints.api_errors import error_response, register_error_table
from touchpoints.errors import (
    CampaignAlreadyLinkedError,
    MarketoError,
    MarketoQuotaExceededError,
    MarketoRequestTooLargeError,
    MarketoUnavailableError,
    ProgramAlreadyLinkedError,
    SalesforceLimitExceededError,
    SalesforceUnavailableError,
)
from touchpoints.services import campaign_members
from touchpoints.services import program_sync as sync
from touchpoints.settings import load_settings
from touchpoints.tracing import function_tracer
from touchpoints.wiring import Dependencies

logger = Logger()
tracer = function_tracer()
metrics = Metrics(namespace="OfflineTouchpoints")
api = APIGatewayRestResolver(enable_validation=True)

CAMPAIGN_ID = r"^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$"

# Each error class and the HTTP status and code it answers with; a refused request changed nothing.
ERRORS: dict[type[Exception], tuple[int, str]] = {
    sync.ProgramNotFoundError: (404, "PROGRAM_NOT_FOUND"),
    sync.CampaignNotFoundError: (404, "CAMPAIGN_NOT_FOUND"),
    sync.ChannelNotFoundError: (404, "CHANNEL_NOT_FOUND"),
    sync.NotLinkedError: (404, "PROGRAM_NOT_LINKED"),
    sync.NotACampaignMemberError: (404, "NOT_A_CAMPAIGN_MEMBER"),
    ProgramAlreadyLinkedError: (409, "PROGRAM_ALREADY_LINKED"),
    CampaignAlreadyLinkedError: (409, "CAMPAIGN_ALREADY_LINKED"),
    sync.CampaignSyncDisabledError: (409, "CAMPAIGN_SYNC_DISABLED"),
    sync.NotMarketingUserError: (409, "NOT_MARKETING_USER"),
    sync.SyncAlreadyRunningError: (409, "SYNC_ALREADY_RUNNING"),
    sync.AlreadyACampaignMemberError: (409, "ALREADY_A_CAMPAIGN_MEMBER"),
    sync.IncompatibleStatusesError: (422, "INCOMPATIBLE_STATUSES"),
    sync.UnknownMemberStatusError: (422, "UNKNOWN_MEMBER_STATUS"),
    sync.InvalidPersonError: (422, "INVALID_EMAIL"),
    sync.SalesforceRefusedError: (422, "SALESFORCE_REFUSED"),
    # Not refusals: a side stopped answering mid-run. What was done is kept and recorded as the
    # link's last sync; the next run finishes the rest.
    MarketoQuotaExceededError: (503, "MARKETO_QUOTA_EXCEEDED"),
    MarketoUnavailableError: (503, "MARKETO_UNAVAILABLE"),
    SalesforceLimitExceededError: (503, "SALESFORCE_LIMIT_EXCEEDED"),
    SalesforceUnavailableError: (503, "SALESFORCE_UNAVAILABLE"),
    # Marketo refused a call for a reason a retry does not cure (the message names its code).
    MarketoRequestTooLargeError: (502, "MARKETO_REQUEST_TOO_LARGE"),
    MarketoError: (502, "MARKETO_REFUSED"),
}


class LinkBody(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    campaign_id: str = Field(alias="campaignId", pattern=CAMPAIGN_ID)


class AddMemberBody(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    email: str = Field(min_length=3, max_length=254)
    status: str = Field(min_length=1, max_length=80)
    first_name: str | None = Field(default=None, alias="firstName", max_length=40)
    last_name: str | None = Field(default=None, alias="lastName", max_length=80)
    company: str | None = Field(default=None, max_length=255)


class StatusBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: str = Field(min_length=1, max_length=80)


@functools.cache
def default_dependencies() -> Dependencies:
    return Dependencies(load_settings())


def _deps() -> Dependencies:
    return api.context["deps"]


register_error_table(api, ERRORS)


@api.exception_handler(RequestValidationError)
def _invalid(error: RequestValidationError) -> Response:
    """A body or path that does not validate, in the API's error shape, naming the field."""
    problems = error.errors()
    first = problems[0] if problems else {}
    location = [str(part) for part in first.get("loc", ()) if part not in ("body", "path")]
    field = location[-1] if location else None
    message = "; ".join(
        f"{'.'.join(str(p) for p in e.get('loc', ())[1:]) or 'body'}: {e.get('msg')}"
        for e in problems[:5]
    )
    return error_response(422, "INVALID_REQUEST", message, field)


def _program_id(raw: str) -> int:
    if not raw.isdigit():
        raise sync.ProgramNotFoundError(f"Marketo program ids are numbers, not {raw!r}")
    return int(raw)


# -- links -------------------------------------------------------------------------------------


@api.put("/programs/<program_id>/campaign")
def link(program_id: str, body: LinkBody):
    deps = _deps()
    created = sync.link_program(
        _program_id(program_id),
        body.campaign_id,
        marketo=deps.marketo,
        salesforce=deps.campaign_sync,
        links=deps.program_links,
        sync_enabled=deps.settings.campaign_sync_enabled,
        integration_username=deps.salesforce_username(),
        now=deps.clock(),
    )
    logger.info(
        "program linked",
        extra={
            "program_link": {"program_id": created.program_id, "campaign_id": created.campaign_id}
        },
    )
    return Response(201, content_types.APPLICATION_JSON, sync.describe_link(created))


@api.delete("/programs/<program_id>/campaign")
def unlink(program_id: str) -> dict[str, Any]:
    removed = sync.unlink_program(_program_id(program_id), _deps().program_links)
    return {**sync.describe_link(removed), "unlinked": True}


@api.get("/program-links")
def list_links() -> dict[str, Any]:
    return {"links": [sync.describe_link(link) for link in _deps().program_links.all()]}


@api.post("/programs/<program_id>/sync")
def run_now(program_id: str) -> dict[str, Any]:
    deps = _deps()
    result = sync.sync_program(
        _program_id(program_id),
        marketo=deps.marketo,
        salesforce=deps.campaign_sync,
        links=deps.program_links,
        events=deps.event_publisher,
        sync_enabled=deps.settings.campaign_sync_enabled,
        now=deps.clock(),
    )
    _record_metrics(result.as_record())
    return result.as_record()


# -- flow-action equivalents -------------------------------------------------------------------


@api.post("/campaigns/<campaign_id>/members")
def add_member(campaign_id: str, body: AddMemberBody):
    added = campaign_members.add_campaign_member(
        campaign_id,
        body.email,
        body.status,
        _deps().campaign_sync,
        {"firstName": body.first_name, "lastName": body.last_name, "company": body.company},
    )
    return Response(201, content_types.APPLICATION_JSON, added)


@api.get("/campaigns/<campaign_id>/members/<person_id>")
def is_member(campaign_id: str, person_id: str) -> dict[str, Any]:
    return campaign_members.campaign_member(campaign_id, unquote(person_id), _deps().campaign_sync)


@api.patch("/campaigns/<campaign_id>/members/<person_id>")
def change_status(campaign_id: str, person_id: str, body: StatusBody) -> dict[str, Any]:
    return campaign_members.change_member_status(
        campaign_id, unquote(person_id), body.status, _deps().campaign_sync
    )


@api.delete("/campaigns/<campaign_id>/members/<person_id>")
def remove_member(campaign_id: str, person_id: str) -> dict[str, Any]:
    return campaign_members.remove_campaign_member(
        campaign_id, unquote(person_id), _deps().campaign_sync
    )


# -- the schedule ------------------------------------------------------------------------------


def _record_metrics(record: dict[str, Any]) -> None:
    for name, value in (
        ("ProgramSyncWritesToSalesforce", sum(record.get("toSalesforce", {}).values())),
        ("ProgramSyncWritesToMarketo", sum(record.get("toMarketo", {}).values())),
        ("ProgramSyncConflicts", len(record.get("conflicts", []))),
        ("ProgramSyncFailures", len(record.get("failures", []))),
    ):
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


def _scheduled(deps: Dependencies) -> dict[str, Any]:
    outcomes = sync.sync_all(
        marketo=deps.marketo,
        salesforce=deps.campaign_sync,
        links=deps.program_links,
        events=deps.event_publisher,
        sync_enabled=deps.settings.campaign_sync_enabled,
        now=deps.clock(),
    )
    for outcome in outcomes:
        logger.info("program synced", extra={"program_sync": {"outcome": outcome}})
        _record_metrics(outcome)
    failed = [o["programId"] for o in outcomes if o.get("error")]
    metrics.add_metric(name="ProgramSyncRunsFailed", unit=MetricUnit.Count, value=len(failed))
    return {"links": len(outcomes), "failed": failed}


@metrics.log_metrics
@tracer.capture_lambda_handler
@logger.inject_lambda_context
def lambda_handler(
    event: dict[str, Any], context: Any, deps: Dependencies | None = None
) -> dict[str, Any]:
    deps = deps or default_dependencies()
    if "httpMethod" in event:
        api.append_context(deps=deps)
        return api.resolve(event, context)
    if event.get("detail-type") == "Scheduled Event" or event.get("sync") == "all":
        return _scheduled(deps)
    raise ValueError(f"unrecognised event with keys {sorted(event)}")
