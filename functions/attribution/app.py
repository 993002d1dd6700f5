"""AttributionFunction: attributes a batch of persons (their touchpoints' positions and models, their
opportunities' attribution records and Campaign Influence) from the AttributionQueue. A run whose
writes went as Bulk ingest jobs sends its continuation, delayed, and the next delivery polls them."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from touchpoints.edge.attribution_messages import read_attribution_message
from touchpoints.edge.handler import add_counts, lambda_entry, logger
from touchpoints.edge.queue_messages import delivery_of
from touchpoints.services.api_limit import postponed_on_api_limit
from touchpoints.wiring import Dependencies


def _attribute(record: SQSRecord, deps: Dependencies) -> None:
    message = read_attribution_message(record.body)
    calls = deps.attribution_gateway.calls
    with postponed_on_api_limit(
        deps.attribution_queue, delivery_of(record), deps.clock(), cause=message.cause
    ):
        if message.bulk_jobs:
            jobs, polls = message.bulk_jobs, message.polls
            result = deps.attribution.poll(message.person_ids, jobs, polls, calls)
        else:
            result = deps.attribution.run(message.person_ids, calls)
    if result.restarted:
        logger.warning(
            "a Bulk ingest job of this attribution is gone; the persons were attributed anew",
            extra={"attribution": {"cause": message.cause}},
        )
    if result.bulk_jobs:
        # nothing waits in here: the continuation comes back when the jobs may have ended
        polls = message.polls + 1 if message.bulk_jobs and not result.restarted else 0
        delay = min(result.wait_seconds, deps.settings.job_continue_delay_seconds)
        deps.attribution_queue.continue_later(message.continued(result.bulk_jobs, polls), delay)
        logger.info(
            "attribution waits on Bulk ingest jobs",
            extra={"attribution": {"cause": message.cause, "jobs": len(result.bulk_jobs)}},
        )
        return
    report = {
        "cause": message.cause,
        "persons": result.persons,
        "touchpoints_updated": result.touchpoints_updated,
        "opportunities": result.opportunities,
        "attribution_written": result.attribution_written,
        "attribution_deleted": result.attribution_deleted,
        "influence_written": result.influence_written,
        "influence_deleted": result.influence_deleted,
        "failed": result.failed,
        "failure_codes": dict(result.failure_codes),
        "api_calls": sum(result.api_calls.values()),
    }
    logger.info("persons attributed", extra={"attribution": report})
    if result.failed:  # refused records are retried by the next run (the daily pass at the latest)
        logger.warning("attribution records refused", extra={"attribution": report})
    if result.influence_model_missing:
        logger.warning(
            "the configured Campaign Influence model does not exist; no influence written",
            extra={"attribution": {"model": deps.settings.campaign_influence_model}},
        )
    add_counts(
        {
            "PersonsAttributed": result.persons,
            "AttributionRecordsWritten": result.touchpoints_updated
            + result.attribution_written
            + result.influence_written,
            "AttributionRecordsFailed": result.failed,
        }
    )


@lambda_entry
def lambda_handler(event: dict[str, Any], context: Any, deps: Dependencies) -> dict[str, Any]:
    processor = BatchProcessor(event_type=EventType.SQS)
    processor.raise_on_entire_batch_failure = False  # failures are reported item by item
    return process_partial_response(
        event=event,
        record_handler=lambda record: _attribute(record, deps),
        processor=processor,
        context=context,
    )
