"""BulkDateApiFunction: preview, apply, track and undo a bulk touchpoint date on campaign members
(API Gateway REST, IAM-authorized). Jobs too large for the request carry on in BulkDateJobFunction."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Header, Path, Query

from touchpoints.edge.api import SalesforceUser, admin_api, iam_caller
from touchpoints.edge.handler import add_counts, lambda_entry
from touchpoints.edge.id_patterns import JOB_ID_PATTERN
from touchpoints.edge.ids import SalesforceId
from touchpoints.edge.models.bulk_date import (
    ERRORS,
    DateBody,
    JobView,
    PreviewView,
    job_view,
    preview_view,
)
from touchpoints.edge.openapi import responses
from touchpoints.edge.run_reports import finished_job_counts
from touchpoints.services import bulk_date as service
from touchpoints.wiring import Dependencies

# API Gateway answers 504 after 29 s: inline work stops early enough to reply in time.
API_GATEWAY_SECONDS = 29.0
REPLY_MARGIN_SECONDS = 3.0
TIMEOUT_MARGIN_SECONDS = 5.0

api = admin_api(ERRORS, body_models=[DateBody])
CampaignId = Annotated[SalesforceId, Path(description="Salesforce Campaign id (15 or 18)")]
JobId = Annotated[str, Path(pattern=JOB_ID_PATTERN, description="Job id returned by apply or undo")]
JOB_ANSWERS = {
    200: ("The job an earlier request with this key started", JobView),
    201: ("Job created and finished", JobView),
    202: ("Job created; it carries on, poll GET /jobs/{job_id}", JobView),
}


def _api_budget() -> Callable[[], float]:
    started, context = api.context["started"], api.lambda_context

    def seconds_left() -> float:
        api_left = API_GATEWAY_SECONDS - REPLY_MARGIN_SECONDS - (time.monotonic() - started)
        lambda_left = context.get_remaining_time_in_millis() / 1000 - TIMEOUT_MARGIN_SECONDS
        return min(api_left, lambda_left)

    return seconds_left


def _submitted(submitted: service.Submitted) -> Response[JobView]:
    """201 for a job finished here, 202 for one that carries on, 200 for a repeated request."""
    job = submitted.job
    if not submitted.created:
        status = 200
    else:
        status = 201 if job.state.finished else 202
        add_counts({"BulkDateJobsCreated": 1, **finished_job_counts(job)})
    report = service.job_report(api.context["deps"].bulk_date, job.id, limit=100, after=None)
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=job_view(report.job, report.failures, report.next_page).model_dump(mode="json"),
        headers={"Location": f"/jobs/{job.id}"},
    )


@api.post(
    "/campaigns/<campaign_id>/touchpoint-date/preview",
    summary="Preview a bulk touchpoint date",
    description="How many members the filter matches, which already carry a date, and a sample."
    " Changes nothing; refuses what apply would refuse.",
    responses=responses({200: ("The members the date would apply to", PreviewView)}, 404, 422, 503),
)
def preview(campaign_id: CampaignId, body: DateBody) -> PreviewView:
    deps: Dependencies = api.context["deps"]
    request = body.to_request(campaign_id)
    return preview_view(service.preview_touchpoint_date(deps.bulk_date, request, deps.clock()))


@api.post(
    "/campaigns/<campaign_id>/touchpoint-date",
    summary="Apply a bulk touchpoint date",
    description="Creates a job and applies it: up to 2,000 members within the request, more"
    " through Bulk API 2.0 afterwards (poll GET /jobs/{job_id}). A repeat with the same"
    " Idempotency-Key returns the first job.",
    responses=responses(JOB_ANSWERS, 404, 422, 503),
)
def apply(
    campaign_id: CampaignId,
    body: DateBody,
    idempotency_key: Annotated[str, Header(alias="Idempotency-Key", min_length=1, max_length=255)],
    salesforce_user: SalesforceUser = None,
) -> Response[JobView]:
    request, now = body.to_request(campaign_id), api.context["deps"].clock()
    return _submitted(
        service.apply_touchpoint_date(
            api.context["deps"].bulk_date,
            request,
            idempotency_key,
            iam_caller(api),
            now,
            _api_budget(),
            salesforce_user,
        )
    )


@api.get(
    "/jobs/<job_id>",
    summary="A bulk date job's state, progress and per-member errors",
    responses=responses({200: ("The job", JobView)}, 400, 404, 422),
)
def get_job(
    job_id: JobId,
    limit: Annotated[int, Query(ge=1, le=1000, description="Errors per page")] = 100,
    next: Annotated[str | None, Query(description="`next` from the previous page")] = None,
) -> JobView:
    report = service.job_report(api.context["deps"].bulk_date, job_id, limit, next)
    return job_view(report.job, report.failures, report.next_page)


@api.post(
    "/jobs/<job_id>/undo",
    summary="Undo a bulk date job",
    description="Restores every member the job changed to its previous date (blank included),"
    " as a new job. A member whose date changed since keeps it and is reported. Asking again"
    " returns the same undo job.",
    responses=responses(JOB_ANSWERS, 404, 409, 422, 503),
)
def undo(job_id: JobId, salesforce_user: SalesforceUser = None) -> Response[JobView]:
    now, ports = api.context["deps"].clock(), api.context["deps"].bulk_date
    return _submitted(
        service.undo_job(ports, job_id, iam_caller(api), now, _api_budget(), salesforce_user)
    )


@lambda_entry
def lambda_handler(event: dict[str, Any], context: Any, deps: Dependencies) -> dict[str, Any]:
    api.append_context(deps=deps, started=time.monotonic())
    return api.resolve(event, context)
