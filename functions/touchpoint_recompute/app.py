"""TouchpointRecomputeFunction: recompute requests from the RecomputeQueue (SQS FIFO, one message
group per campaign), with partial batch failure and backoff on Salesforce's API limit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from touchpoints.edge.handler import add_counts, lambda_entry, logger, metrics
from touchpoints.edge.queue_messages import RecomputeMessage, read_recompute_message
from touchpoints.edge.run_reports import recompute_counts, recompute_failure_log, recompute_log
from touchpoints.errors import SalesforceLimitExceededError
from touchpoints.ports.state import ChannelMappingPort
from touchpoints.rules.limit_backoff import ROLLOVER_AT_RECEIVE, hold_on_limit
from touchpoints.services.recompute import (
    HANDOFF_MARGIN_SECONDS,
    UNKNOWN_SYNC_ACTION,
    Recompute,
    RecomputeRequest,
    RecomputeResult,
)
from touchpoints.wiring import Dependencies


@dataclass
class _Batch:
    """What one SQS batch learned: the API limit is org-wide, so once it refuses one record the
    rest are held without a call; `held` are the messages kept on the queue (postponed: by the
    limit, or waiting on a Bulk job). The
    channel mapping is read once for the whole batch."""

    channel_mapping: ChannelMappingPort
    limit_reached: bool = False
    held: list[str] = field(default_factory=list)


def _recompute_record(record: SQSRecord, deps: Dependencies, context: Any, batch: _Batch) -> None:
    message = read_recompute_message(record.body)
    if batch.limit_reached:
        _hold_for_limit(record, message, deps, batch)
        return
    if context.get_remaining_time_in_millis() / 1000 < HANDOFF_MARGIN_SECONDS:
        _hand_back(record, message, deps)
        return
    request = RecomputeRequest(
        message.campaign_id,
        message.full,
        message.run_id,
        message_id=record.message_id,
        cause=message.cause,
    )
    seconds_left = lambda: context.get_remaining_time_in_millis() / 1000  # noqa: E731
    try:
        service = Recompute(
            deps.salesforce,
            deps.state,
            channel_mapping=batch.channel_mapping,
            bulk_threshold=deps.settings.bulk_api_threshold,
            write_back_status=deps.settings.write_back_member_status,
        )
        result = service.run(request, deps.clock(), seconds_left=seconds_left)
    except SalesforceLimitExceededError:
        batch.limit_reached = True
        _hold_for_limit(record, message, deps, batch)
        return
    except Exception as error:  # reported, then failed as before: SQS delivers it again
        _report_failure(message, error)
        raise
    if result.touched_persons and deps.settings.attribution_queue_url:
        deps.attribution_queue.enqueue_persons(result.touched_persons, "touchpoints changed")
    if result.wait_seconds is not None:
        _wait_for_bulk_job(record, message, result, deps, batch)
    elif not result.finished:
        continuation = f"continue:{result.run_id}:{record.message_id}"
        deps.queue.enqueue(message.campaign_id, "continuation", continuation, run_id=result.run_id)
    elif result.rerun:  # requests that joined the run while it waited: their changes may be newer
        rerun = f"rerun:{result.run_id}"
        deps.queue.enqueue(message.campaign_id, "changed during run", rerun, full=message.full)
    done = "campaign recomputed" if result.finished else "campaign recompute continues"
    logger.info(done, extra={"recompute": recompute_log(message, result)})
    if result.unknown_sync_value is not None:
        _report_unknown_sync_value(message.campaign_id, result)
    if result.unmapped_type:
        logger.warning(
            "campaign type has no channel mapping",
            extra={"channel_mapping": {"campaign_type": result.unmapped_type}},
        )
    add_counts(recompute_counts(result))


def _report_unknown_sync_value(campaign_id: str, result: RecomputeResult) -> None:
    """Once per campaign and value: an ERROR line and a metric (its alarm); the message is
    finished, since a retry would meet the same value. The sync status names it too."""
    details = {"campaign_id": campaign_id, "value": result.unknown_sync_value}
    if not result.unknown_sync_first_seen:
        logger.info("campaign's sync setting is still unknown", extra={"sync_setting": details})
        return
    logger.error(
        "campaign's sync setting is a value this product does not know; nothing was written",
        extra={"sync_setting": {**details, "action": UNKNOWN_SYNC_ACTION}},
    )
    metrics.add_metric(name="UnknownSyncSettingValue", unit=MetricUnit.Count, value=1)


def _report_failure(message: RecomputeMessage, error: Exception) -> None:
    """A failed recompute says which campaign, why and what happens next, and is counted: the
    batch item failure alone shows nothing at the log level the template deploys."""
    logger.error(
        "recompute failed; SQS delivers the request again",
        extra={"recompute_failure": recompute_failure_log(message, error)},
    )
    add_counts({"RecomputesFailed": 1})


def _wait_for_bulk_job(
    record: SQSRecord,
    message: RecomputeMessage,
    result: RecomputeResult,
    deps: Dependencies,
    batch: _Batch,
) -> None:
    """The run waits on a Bulk job in Salesforce: its message stays on the queue, hidden until
    the next poll, and holds the campaign's FIFO group meanwhile (no second run can start). Before
    SQS's receive count could dead-letter it, a fresh copy takes over."""
    receive_count = int(record.attributes.approximate_receive_count or 1)
    if receive_count >= ROLLOVER_AT_RECEIVE:
        copy = f"wait:{result.run_id}:{record.message_id}"
        deps.queue.enqueue(message.campaign_id, "continuation", copy, run_id=result.run_id)
        return
    deps.queue.postpone_for(record.receipt_handle, result.wait_seconds or 0)
    batch.held.append(record.message_id)
    add_counts({"RecomputesWaitingOnBulkJob": 1})
    logger.info(
        "recompute waits for a Salesforce Bulk job",
        extra={"bulk_wait": {"message_id": record.message_id, "seconds": result.wait_seconds}},
    )


def _hand_back(record: SQSRecord, message: RecomputeMessage, deps: Dependencies) -> None:
    """Too little time left to start: the request goes back as a fresh copy, never to be cut
    by the function's timeout (and never counted towards the dead-letter queue)."""
    handback = f"handback:{record.message_id}"
    deps.queue.enqueue(message.campaign_id, message.cause, handback, **message.details())
    logger.info(
        "too little time left; recompute handed back",
        extra={"recompute": {"campaign_id": message.campaign_id, "cause": message.cause}},
    )
    add_counts({"RecomputesHandedBack": 1})


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
        carried = {"limit_attempts": hold.attempt, "limited_since": since.isoformat()}
        copy = f"limit:{record.message_id}"
        deps.queue.enqueue(
            message.campaign_id, message.cause, copy, **(message.details() | carried)
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


@lambda_entry
def lambda_handler(event: dict[str, Any], context: Any, deps: Dependencies) -> dict[str, Any]:
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
