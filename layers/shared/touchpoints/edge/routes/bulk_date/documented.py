"""The bulk date API's routes as Powertools validates and documents them: the OpenAPI document,
and any request the light readers are not sure of (refused with the API's 422s). Loads pydantic
and Powertools' event handler: only `light.documented_api()` imports it, when it is needed."""

# No `from __future__ import annotations`: Powertools reads the routes' annotations as objects.
from collections.abc import Callable
from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Header, Path, Query
from pydantic import BaseModel

from touchpoints.edge.api import SalesforceUser, admin_api, as_response, iam_caller
from touchpoints.edge.id_patterns import JOB_ID_PATTERN
from touchpoints.edge.ids import SalesforceId
from touchpoints.edge.models.bulk_date import ERRORS
from touchpoints.edge.models.bulk_date_bodies import DateBody, JobView, PreviewView
from touchpoints.edge.openapi import responses
from touchpoints.edge.routes.bulk_date.replies import (
    ERRORS_MAX,
    ERRORS_PAGE,
    IDEMPOTENCY_KEY_MAX,
    apply_reply,
    job_reply,
    preview_reply,
    time_left,
    undo_reply,
)
from touchpoints.wiring import Dependencies

CampaignIdPath = Annotated[SalesforceId, Path(description="Salesforce Campaign id (15 or 18)")]
JobIdPath = Annotated[
    str, Path(pattern=JOB_ID_PATTERN, description="Job id returned by apply or undo")
]
JOB_ANSWERS: dict[int, tuple[str, type[BaseModel] | None]] = {
    200: ("The job an earlier request with this key started", JobView),
    201: ("Job created and finished", JobView),
    202: ("Job created; it carries on, poll GET /jobs/{job_id}", JobView),
}


def documented_resolver() -> APIGatewayRestResolver:
    """Every route of the API, each calling the reply the light path calls."""
    api = admin_api(ERRORS, body_models=[DateBody])

    def deps() -> Dependencies:
        found: Dependencies = api.context["deps"]
        return found

    def request_time_left() -> Callable[[], float]:
        return time_left(api.context["received"], api.lambda_context)

    @api.post(
        "/campaigns/<campaign_id>/touchpoint-date/preview",
        summary="Preview a bulk touchpoint date",
        description="How many members the filter matches, which already carry a date, and a"
        " sample. Changes nothing; refuses what apply would refuse.",
        responses=responses(
            {200: ("The members the date would apply to", PreviewView)}, 404, 422, 503
        ),
    )
    def preview(campaign_id: CampaignIdPath, body: DateBody) -> Response[PreviewView]:
        return as_response(preview_reply(deps(), body.to_request(campaign_id)))

    @api.post(
        "/campaigns/<campaign_id>/touchpoint-date",
        summary="Apply a bulk touchpoint date",
        description="Creates a job and applies it: up to 2,000 members within the request, more"
        " through Bulk API 2.0 afterwards (poll GET /jobs/{job_id}). A repeat with the same"
        " Idempotency-Key returns the first job.",
        responses=responses(JOB_ANSWERS, 404, 422, 503),
    )
    def apply(
        campaign_id: CampaignIdPath,
        body: DateBody,
        idempotency_key: Annotated[
            str,
            Header(alias="Idempotency-Key", min_length=1, max_length=IDEMPOTENCY_KEY_MAX),
        ],
        salesforce_user: SalesforceUser = None,
    ) -> Response[JobView]:
        request = body.to_request(campaign_id)
        reply = apply_reply(
            deps(), request, idempotency_key, iam_caller(api), request_time_left(), salesforce_user
        )
        return as_response(reply)

    @api.get(
        "/jobs/<job_id>",
        summary="A bulk date job's state, progress and per-member errors",
        responses=responses({200: ("The job", JobView)}, 400, 404, 422),
    )
    def get_job(
        job_id: JobIdPath,
        limit: Annotated[
            int, Query(ge=1, le=ERRORS_MAX, description="Errors per page")
        ] = ERRORS_PAGE,
        next: Annotated[str | None, Query(description="`next` from the previous page")] = None,
    ) -> Response[JobView]:
        return as_response(job_reply(deps(), job_id, limit, next))

    @api.post(
        "/jobs/<job_id>/undo",
        summary="Undo a bulk date job",
        description="Restores every member the job changed to its previous date (blank"
        " included), as a new job. A member whose date changed since keeps it and is reported."
        " Asking again returns the same undo job.",
        responses=responses(JOB_ANSWERS, 404, 409, 422, 503),
    )
    def undo(job_id: JobIdPath, salesforce_user: SalesforceUser = None) -> Response[JobView]:
        reply = undo_reply(deps(), job_id, iam_caller(api), request_time_left(), salesforce_user)
        return as_response(reply)

    return api
