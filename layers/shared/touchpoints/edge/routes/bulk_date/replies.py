"""The bulk date API's replies, whichever path read the request (services/bulk_date.py)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from touchpoints.edge.handler import add_counts
from touchpoints.edge.light_api import Reply
from touchpoints.edge.models.bulk_date import job_body, preview_body
from touchpoints.edge.run_reports import finished_job_counts
from touchpoints.services import bulk_date as service
from touchpoints.wiring import Dependencies

# API Gateway answers 504 after 29 s: inline work stops early enough to reply in time.
API_GATEWAY_SECONDS = 29.0
REPLY_MARGIN_SECONDS = 3.0
TIMEOUT_MARGIN_SECONDS = 5.0
ERRORS_PAGE, ERRORS_MAX = 100, 1000
IDEMPOTENCY_KEY_MAX = 255


def time_left(received: float, context: Any) -> Callable[[], float]:
    """Seconds left to work inline: before API Gateway gives up, and before Lambda does."""

    def seconds_left() -> float:
        api_left = API_GATEWAY_SECONDS - REPLY_MARGIN_SECONDS - (time.monotonic() - received)
        remaining_ms: int = context.get_remaining_time_in_millis()
        lambda_left = remaining_ms / 1000 - TIMEOUT_MARGIN_SECONDS
        return min(api_left, lambda_left)

    return seconds_left


def _submitted(deps: Dependencies, submitted: service.Submitted) -> Reply:
    """201 for a job finished here, 202 for one that carries on, 200 for a repeated request."""
    job = submitted.job
    if not submitted.created:
        status = 200
    else:
        status = 201 if job.state.finished else 202
        add_counts({"BulkDateJobsCreated": 1, **finished_job_counts(job)})
    report = service.job_report(deps.bulk_date, job.id, limit=ERRORS_PAGE, after=None)
    body = job_body(report.job, report.failures, report.next_page)
    return Reply(status, body, headers={"Location": f"/jobs/{job.id}"})


def preview_reply(deps: Dependencies, request: service.DateRequest) -> Reply:
    return Reply(
        200, preview_body(service.preview_touchpoint_date(deps.bulk_date, request, deps.clock()))
    )


def apply_reply(
    deps: Dependencies,
    request: service.DateRequest,
    idempotency_key: str,
    caller: str,
    time_left: Callable[[], float],
    salesforce_user: str | None,
) -> Reply:
    submitted = service.apply_touchpoint_date(
        deps.bulk_date, request, idempotency_key, caller, deps.clock(), time_left, salesforce_user
    )
    return _submitted(deps, submitted)


def job_reply(deps: Dependencies, job_id: str, limit: int, next: str | None) -> Reply:
    report = service.job_report(deps.bulk_date, job_id, limit, next)
    return Reply(200, job_body(report.job, report.failures, report.next_page))


def undo_reply(
    deps: Dependencies,
    job_id: str,
    caller: str,
    time_left: Callable[[], float],
    salesforce_user: str | None,
) -> Reply:
    submitted = service.undo_job(
        deps.bulk_date, job_id, caller, deps.clock(), time_left, salesforce_user
    )
    return _submitted(deps, submitted)
