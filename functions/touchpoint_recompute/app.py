"""TouchpointRecomputeFunction: recompute requests from SQS, the scheduled sweep, and the
sync-status API."""

from __future__ import annotations

import functools
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from pydantic import BaseModel, Field

from touchpoints.adapters.sqs_backoff import postponed_on_api_limit
from touchpoints.api_errors import register_error_table
from touchpoints.services.recompute import Recompute, RecomputeRequest, RecomputeResult
from touchpoints.services.sweep import sweep_changed_campaigns
from touchpoints.settings import load_settings
from touchpoints.tracing import function_tracer
from touchpoints.wiring import Dependencies

logger = Logger()
tracer = function_tracer()
metrics = Metrics(namespace="OfflineTouchpoints")
api = APIGatewayRestResolver()


class CampaignNotRecomputedError(LookupError):
    """No recompute has run for the campaign yet: there is no status to show."""


class InvalidPageParameterError(ValueError):
    field = "limit"


register_error_table(
    api,
    {
        CampaignNotRecomputedError: (404, "CAMPAIGN_NOT_RECOMPUTED"),
        InvalidPageParameterError: (400, "INVALID_PARAMETER"),
    },
)

SALESFORCE_ID = r"^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$"


class RecomputeMessage(BaseModel):
    campaign_id: str = Field(pattern=SALESFORCE_ID)
    cause: str = "unspecified"
    run_id: str | None = None
    full: bool = False


@functools.cache
def default_dependencies() -> Dependencies:
    return Dependencies(load_settings())


def _record_metrics(result: RecomputeResult) -> None:
    for name, value in (
        ("TouchpointsCreated", result.created),
        ("TouchpointsUpdated", result.updated),
        ("TouchpointsDeleted", result.deleted),
        ("TouchpointWritesFailed", result.failed),
    ):
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
    for status, count in result.statuses.items():
        if status.startswith("No Touchpoint"):
            metrics.add_metric(
                name=f"MembersSkipped.{status.split(': ', 1)[1]}",
                unit=MetricUnit.Count,
                value=count,
            )
    for kind, count in result.api_calls.items():
        metrics.add_metric(name=f"SalesforceCalls.{kind}", unit=MetricUnit.Count, value=count)


def _recompute_record(record: SQSRecord, deps: Dependencies, context: Any) -> None:
    message = RecomputeMessage.model_validate_json(record.body)
    service = Recompute(
        deps.salesforce,
        deps.state,
        bulk_threshold=deps.settings.bulk_api_threshold,
        write_back_status=deps.settings.write_back_member_status,
    )
    request = RecomputeRequest(message.campaign_id, message.full, message.run_id)
    with postponed_on_api_limit(deps.queue, record, campaign_id=message.campaign_id):
        result = service.run(
            request,
            deps.clock(),
            seconds_left=lambda: context.get_remaining_time_in_millis() / 1000,
        )
    if not result.finished:
        deps.queue.enqueue(
            message.campaign_id,
            "continuation",
            f"continue:{result.run_id}:{result.totals.members}",
            run_id=result.run_id,
        )
    logger.info(
        "campaign recomputed" if result.finished else "campaign recompute continues",
        extra={
            "recompute": {
                "campaign_id": message.campaign_id,
                "cause": message.cause,
                "run_id": result.run_id,
                "superseded": result.superseded,
                "read_path": "bulk" if result.bulk else "rest",
                "totals": result.totals.as_dict(),
                "api_calls": dict(result.api_calls),
            }
        },
    )
    if result.unmapped_type:
        logger.warning(
            "campaign type has no channel mapping",
            extra={"channel_mapping": {"campaign_type": result.unmapped_type}},
        )
    _record_metrics(result)


def _sweep(deps: Dependencies) -> dict[str, Any]:
    result = sweep_changed_campaigns(
        deps.salesforce,
        deps.state,
        deps.queue,
        deps.settings.campaign_fields.sync_mode,
        deps.clock(),
    )
    logger.info(
        "sweep enqueued campaigns",
        extra={
            "sweep": {
                "campaign_ids": result.campaign_ids,
                "full_reconciliation": result.full_reconciliation,
            }
        },
    )
    metrics.add_metric(
        name="SweepCampaignsEnqueued", unit=MetricUnit.Count, value=len(result.campaign_ids)
    )
    return {"enqueued": len(result.campaign_ids), "full_reconciliation": result.full_reconciliation}


@api.get("/campaigns/<campaign_id>/sync-status")
def sync_status(campaign_id: str) -> dict[str, Any]:
    """The last run's counts by outcome, and a page of members with their outcome."""
    deps: Dependencies = api.context["deps"]
    summary = deps.state.load_summary(campaign_id)
    if summary is None:
        raise CampaignNotRecomputedError(f"campaign {campaign_id} has not been recomputed yet")
    params = api.current_event.query_string_parameters or {}
    raw_limit = params.get("limit") or "100"
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= 1000:
        raise InvalidPageParameterError("limit must be a whole number from 1 to 1000")
    limit = int(raw_limit)
    members, next_token = deps.state.member_page(campaign_id, limit, params.get("next"))
    return {
        **summary,
        "members": [
            {
                "member_id": m.member_id,
                "status": m.status,
                "touchpoint_date": m.touchpoint.touchpoint_date.isoformat()
                if m.touchpoint
                else None,
                "channel": m.touchpoint.channel_path if m.touchpoint else None,
            }
            for m in members
        ],
        "next": next_token,
    }


@metrics.log_metrics
@tracer.capture_lambda_handler
@logger.inject_lambda_context
def lambda_handler(
    event: dict[str, Any], context: Any, deps: Dependencies | None = None
) -> dict[str, Any]:
    deps = deps or default_dependencies()
    if "Records" in event:
        # One campaign's failure must not hold back other campaigns (other message groups);
        # a wholly failed batch is reported item by item too, so backoff stays per message.
        processor = SqsFifoPartialProcessor(skip_group_on_error=True)
        processor.raise_on_entire_batch_failure = False
        return process_partial_response(
            event=event,
            record_handler=lambda record: _recompute_record(record, deps, context),
            processor=processor,
            context=context,
        )
    if "httpMethod" in event:
        api.append_context(deps=deps)
        return api.resolve(event, context)
    if event.get("detail-type") == "Scheduled Event" or event.get("sweep"):
        return _sweep(deps)
    raise ValueError(f"unrecognised event with keys {sorted(event)}")
