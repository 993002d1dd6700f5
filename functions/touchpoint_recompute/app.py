"""TouchpointRecomputeFunction: recompute requests from SQS, the scheduled sweep, and the
sync-status API."""

from __future__ import annotations

import functools
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from pydantic import BaseModel, Field

from touchpoints.services.recompute import recompute_campaign
from touchpoints.services.sweep import sweep_changed_campaigns
from touchpoints.settings import load_settings
from touchpoints.wiring import Dependencies

logger = Logger()
tracer = Tracer()
metrics = Metrics(namespace="OfflineTouchpoints")
api = APIGatewayRestResolver()


class RecomputeRequest(BaseModel):
    campaign_id: str = Field(pattern=r"^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$")
    cause: str = "unspecified"


@functools.cache
def default_dependencies() -> Dependencies:
    return Dependencies(load_settings())


def _recompute_record(record: SQSRecord, deps: Dependencies) -> None:
    request = RecomputeRequest.model_validate_json(record.body)
    result = recompute_campaign(request.campaign_id, deps.salesforce, deps.state, deps.clock())
    logger.info(
        "campaign recomputed",
        extra={
            "campaign_id": request.campaign_id,
            "cause": request.cause,
            "created": result.created,
            "updated": result.updated,
            "deleted": result.deleted,
            "failed": result.failed,
            "statuses": dict(result.statuses),
            "api_calls": dict(result.api_calls),
            "unmapped_campaign_type": result.unmapped_type,
        },
    )
    if result.unmapped_type:
        logger.warning(
            "campaign type has no channel mapping", extra={"campaign_type": result.unmapped_type}
        )
    for name, value in (
        ("TouchpointsCreated", result.created),
        ("TouchpointsUpdated", result.updated),
        ("TouchpointsDeleted", result.deleted),
        ("TouchpointWritesFailed", result.failed),
        ("SalesforceApiCalls", result.api_calls.total()),
    ):
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


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
            "campaign_ids": result.campaign_ids,
            "full_reconciliation": result.full_reconciliation,
        },
    )
    metrics.add_metric(
        name="SweepCampaignsEnqueued", unit=MetricUnit.Count, value=len(result.campaign_ids)
    )
    return {"enqueued": len(result.campaign_ids), "full_reconciliation": result.full_reconciliation}


@api.get("/campaigns/<campaign_id>/sync-status")
def sync_status(campaign_id: str) -> dict[str, Any]:
    deps: Dependencies = api.context["deps"]
    summary = deps.state.load_summary(campaign_id)
    if summary is None:
        raise NotFoundError(f"campaign {campaign_id} has not been recomputed yet")
    return summary


@metrics.log_metrics
@tracer.capture_lambda_handler
@logger.inject_lambda_context
def lambda_handler(
    event: dict[str, Any], context: Any, deps: Dependencies | None = None
) -> dict[str, Any]:
    deps = deps or default_dependencies()
    if "Records" in event:
        processor = SqsFifoPartialProcessor()
        return process_partial_response(
            event=event,
            record_handler=lambda record: _recompute_record(record, deps),
            processor=processor,
            context=context,
        )
    if "httpMethod" in event:
        api.append_context(deps=deps)
        return api.resolve(event, context)
    if event.get("detail-type") == "Scheduled Event" or event.get("sweep"):
        return _sweep(deps)
    raise ValueError(f"unrecognised event with keys {sorted(event)}")
