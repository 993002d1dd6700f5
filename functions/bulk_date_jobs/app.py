"""BulkDateJobFunction: carries a bulk touchpoint date job on from its own SQS queue (a Bulk API
2.0 job polled, or a large write continued) until it has finished."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from touchpoints.edge.handler import add_counts, lambda_entry, logger
from touchpoints.edge.queue_messages import delivery_of, read_job_continuation
from touchpoints.edge.run_reports import finished_job_counts
from touchpoints.services.api_limit import postponed_on_api_limit
from touchpoints.services.bulk_date import run_job
from touchpoints.wiring import Dependencies

# A continuation stops before the function's own timeout and asks for the next invocation.
TIMEOUT_MARGIN_SECONDS = 5.0


def _continue(record: SQSRecord, deps: Dependencies, context: Any) -> None:
    message = read_job_continuation(record.body)
    with postponed_on_api_limit(
        deps.job_queue, delivery_of(record), deps.clock(), job_id=message.job_id
    ):
        job = run_job(
            deps.bulk_date,
            message.job_id,
            deps.clock(),
            lambda: context.get_remaining_time_in_millis() / 1000 - TIMEOUT_MARGIN_SECONDS,
        )
    if job is None:
        logger.info(
            "bulk date job had nothing left to do", extra={"job": {"job_id": message.job_id}}
        )
        return
    logger.info(
        "bulk date job continued",
        extra={
            "job": {
                "job_id": job.id,
                "state": job.state.value,
                "matched": job.matched,
                "updated": job.updated,
                "failed": job.failed,
            }
        },
    )
    add_counts(finished_job_counts(job))


@lambda_entry
def lambda_handler(event: dict[str, Any], context: Any, deps: Dependencies) -> dict[str, Any]:
    processor = BatchProcessor(event_type=EventType.SQS)
    processor.raise_on_entire_batch_failure = False  # failures are reported item by item
    return process_partial_response(
        event=event,
        record_handler=lambda record: _continue(record, deps, context),
        processor=processor,
        context=context,
    )
