"""TouchpointRecomputeFunction: recompute requests from the RecomputeQueue (SQS FIFO, one message
group per campaign), with partial batch failure; the queue's policy (time to start, the API limit,
Bulk waits, continuations) is services/recompute_queue_policy.py."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from touchpoints.edge.handler import add_counts, lambda_entry, logger, metrics
from touchpoints.edge.queue_messages import delivery_of, read_recompute_message
from touchpoints.edge.run_reports import recompute_counts, recompute_failure_log, recompute_log
from touchpoints.ports.queues import RecomputeMessage
from touchpoints.services.recompute import UNKNOWN_SYNC_ACTION, RecomputeResult
from touchpoints.services.recompute_queue_policy import Handled, RecomputeQueuePolicy
from touchpoints.wiring import Dependencies

if TYPE_CHECKING:  # loaded by the policy when the API limit is met
    from touchpoints.services.api_limit import LimitPostponement


def _recompute_record(
    record: SQSRecord, policy: RecomputeQueuePolicy, context: Any, held: list[str]
) -> None:
    message = read_recompute_message(record.body)
    seconds_left = lambda: context.get_remaining_time_in_millis() / 1000  # noqa: E731
    try:
        handled = policy.handle(message, delivery_of(record), seconds_left)
    except Exception as error:  # reported, then failed as before: SQS delivers it again
        _report_failure(message, error)
        raise
    if handled.held:
        held.append(record.message_id)
    _report(message, record.message_id, handled)


def _report(message: RecomputeMessage, message_id: str, handled: Handled) -> None:
    if handled.limit is not None:
        _report_limit(message, handled.limit)
    if handled.handed_back:
        logger.info(
            "too little time left; recompute handed back",
            extra={"recompute": {"campaign_id": message.campaign_id, "cause": message.cause}},
        )
        add_counts({"RecomputesHandedBack": 1})
    result = handled.result
    if result is None:
        return
    if handled.waiting_on_bulk:
        add_counts({"RecomputesWaitingOnBulkJob": 1})
        logger.info(
            "recompute waits for a Salesforce Bulk job",
            extra={"bulk_wait": {"message_id": message_id, "seconds": result.wait_seconds}},
        )
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


def _report_limit(message: RecomputeMessage, limit: LimitPostponement) -> None:
    hold = limit.hold
    details = {
        "campaign_id": message.campaign_id,
        "attempt": hold.attempt,
        "postponed_for_seconds": int(limit.postponed_for),
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
        name="RecomputePostponedSeconds", unit=MetricUnit.Seconds, value=limit.postponed_for
    )


@lambda_entry
def lambda_handler(event: dict[str, Any], context: Any, deps: Dependencies) -> dict[str, Any]:
    # One campaign's failure must not hold back other campaigns (other message groups);
    # a wholly failed batch is reported item by item too, so backoff stays per message.
    processor = SqsFifoPartialProcessor(skip_group_on_error=True)
    processor.raise_on_entire_batch_failure = False
    policy = deps.recompute_queue_policy()
    held: list[str] = []
    response = process_partial_response(
        event=event,
        record_handler=lambda record: _recompute_record(record, policy, context, held),
        processor=processor,
        context=context,
    )
    # Held records are not errors, so the group's later records still reach the handler and
    # are held themselves (each with its own count), instead of being skipped unseen while
    # SQS's receive count climbs towards the dead-letter queue.
    response["batchItemFailures"].extend({"itemIdentifier": m} for m in held)
    return response
