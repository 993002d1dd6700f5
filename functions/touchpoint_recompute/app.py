"""TouchpointRecomputeFunction: recompute requests from SQS, the scheduled sweep, and the
sync-status API."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from pydantic import BaseModel, Field

from touchpoints.api_errors import register_error_table
from touchpoints.errors import SalesforceLimitExceededError
from touchpoints.ports.state import ChannelMappingPort
from touchpoints.rules.limit_backoff import hold_on_limit
from touchpoints.services.recompute import (
    HANDOFF_MARGIN_SECONDS,
    Recompute,
    RecomputeRequest,
    RecomputeResult,
)
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
    limit_attempts: int = Field(default=0, ge=0)  # refused by the API limit, over earlier copies
    limited_since: datetime | None = None  # when the API limit first held this request back


@dataclass
class _Batch:
    """What one SQS batch learned: the API limit is org-wide, so once it refuses one record the
    rest are held without a call; `held` are the messages kept on the queue (postponed). The
    channel mapping is read once for the whole batch."""

    channel_mapping: ChannelMappingPort
    limit_reached: bool = False
    held: list[str] = field(default_factory=list)


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


def _recompute_record(record: SQSRecord, deps: Dependencies, context: Any, batch: _Batch) -> None:
    message = RecomputeMessage.model_validate_json(record.body)
    if batch.limit_reached:
        _hold_for_limit(record, message, deps, batch)
        return
    if context.get_remaining_time_in_millis() / 1000 < HANDOFF_MARGIN_SECONDS:
        _hand_back(record, message, deps)
        return
    service = Recompute(
        deps.salesforce,
        deps.state,
        channel_mapping=batch.channel_mapping,
        bulk_threshold=deps.settings.bulk_api_threshold,
        write_back_status=deps.settings.write_back_member_status,
    )
    request = RecomputeRequest(message.campaign_id, message.full, message.run_id)
    try:
        result = service.run(
            request,
            deps.clock(),
            seconds_left=lambda: context.get_remaining_time_in_millis() / 1000,
        )
    except SalesforceLimitExceededError:
        batch.limit_reached = True
        _hold_for_limit(record, message, deps, batch)
        return
    if not result.finished:
        deps.queue.enqueue(
            message.campaign_id,
            "continuation",
            f"continue:{result.run_id}:{record.message_id}",
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
                "state_repair": result.state_repair,
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


def _hand_back(record: SQSRecord, message: RecomputeMessage, deps: Dependencies) -> None:
    """Too little time left to start: the request goes back as a fresh copy, never to be cut
    by the function's timeout (and never counted towards the dead-letter queue)."""
    deps.queue.enqueue(
        message.campaign_id,
        message.cause,
        f"handback:{record.message_id}",
        **_details(message),
    )
    logger.info(
        "too little time left; recompute handed back",
        extra={"recompute": {"campaign_id": message.campaign_id, "cause": message.cause}},
    )
    metrics.add_metric(name="RecomputesHandedBack", unit=MetricUnit.Count, value=1)


def _details(message: RecomputeMessage) -> dict[str, Any]:
    """The request's fields besides campaign and cause, as a copy of it carries them."""
    return message.model_dump(mode="json", exclude={"campaign_id", "cause"}, exclude_defaults=True)


def _first_delivered(record: SQSRecord) -> datetime | None:
    millis = record.attributes.approximate_first_receive_timestamp
    return datetime.fromtimestamp(int(millis) / 1000, tz=UTC) if millis else None


def _hold_for_limit(
    record: SQSRecord, message: RecomputeMessage, deps: Dependencies, batch: _Batch
) -> None:
    """The org's API limit is spent: wait with growing gaps, counting attempts in the message,
    so a limit that lasts all day loses nothing and dead-letters nothing."""
    now = deps.clock()
    since = message.limited_since or _first_delivered(record) or now
    postponed_for = max((now - since).total_seconds(), 0.0)
    receive_count = int(record.attributes.approximate_receive_count or 1)
    hold = hold_on_limit(message.limit_attempts, receive_count, postponed_for)
    if hold.rollover:  # the original is deleted (a success); its copy carries the count on
        carried = _details(message) | {
            "limit_attempts": hold.attempt,
            "limited_since": since.isoformat(),
        }
        deps.queue.enqueue(
            message.campaign_id, message.cause, f"limit:{record.message_id}", **carried
        )
    else:
        deps.queue.postpone_for(record.receipt_handle, hold.delay)
        batch.held.append(record.message_id)
    details = {
        "campaign_id": message.campaign_id,
        "attempt": hold.attempt,
        "postponed_for_seconds": int(postponed_for),
        "retry_in_seconds": 0 if hold.rollover else hold.delay,
        "moved_to_fresh_copy": hold.rollover,
    }
    if hold.give_up:
        logger.error(
            "Salesforce API limit has held this recompute too long; leaving it to the DLQ",
            extra={"recompute": details},
        )
    else:
        logger.warning(
            "Salesforce API limit reached; recompute postponed", extra={"recompute": details}
        )
    metrics.add_metric(
        name="RecomputePostponedSeconds", unit=MetricUnit.Seconds, value=postponed_for
    )


def _sweep(deps: Dependencies) -> dict[str, Any]:
    result = sweep_changed_campaigns(
        deps.salesforce,
        deps.state,
        deps.queue,
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
        batch = _Batch(deps.channel_mapping_for_invocation())
        response = process_partial_response(
            event=event,
            record_handler=lambda record: _recompute_record(record, deps, context, batch),
            processor=processor,
            context=context,
        )
        # Held records are not errors, so the group's later records still reach the handler and
        # are held themselves (each with its own count), instead of being skipped unseen while
        # SQS's receive count climbs towards the dead-letter queue.
        response["batchItemFailures"].extend({"itemIdentifier": m} for m in batch.held)
        return response
    if "httpMethod" in event:
        api.append_context(deps=deps)
        return api.resolve(event, context)
    if event.get("detail-type") == "Scheduled Event" or event.get("sweep"):
        return _sweep(deps)
    raise ValueError(f"unrecognised event with keys {sorted(event)}")
