"""BulkDateApiFunction: preview, apply, track and undo a bulk touchpoint date on campaign members
(API Gateway REST, IAM-authorized). Jobs too large for the request carry on in BulkDateJobFunction.

Each route is declared once, in `documented_api` (Powertools validates and documents it: `make
openapi`); a plain request is read by its light reader below without loading pydantic, anything
else by the documented resolver (edge/light_api.py). Both call the same reply functions."""

# No `from __future__ import annotations`: the documented routes' annotations are evaluated where
# they are declared, inside `documented_api`, whose imports only it loads.
import functools
import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from touchpoints.edge.handler import add_counts, lambda_entry
from touchpoints.edge.id_patterns import (
    JOB_ID_PATTERN,
    SALESFORCE_USERNAME,
    SALESFORCE_USERNAME_MAX,
)
from touchpoints.edge.light_api import (
    LightApi,
    LightRequest,
    Reply,
    Unsure,
    json_body,
    salesforce_id,
    some_text,
    whole_number,
)
from touchpoints.edge.models.bulk_date import ERRORS, job_body, preview_body, read_date_body
from touchpoints.edge.run_reports import finished_job_counts
from touchpoints.services import bulk_date as service
from touchpoints.wiring import Dependencies

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import APIGatewayRestResolver

# API Gateway answers 504 after 29 s: inline work stops early enough to reply in time.
API_GATEWAY_SECONDS = 29.0
REPLY_MARGIN_SECONDS = 3.0
TIMEOUT_MARGIN_SECONDS = 5.0
ERRORS_PAGE, ERRORS_MAX = 100, 1000
IDEMPOTENCY_KEY_MAX = 255
_JOB_ID = re.compile(JOB_ID_PATTERN)
_SALESFORCE_USERNAME = re.compile(SALESFORCE_USERNAME)


def _time_left(received: float, context: Any) -> Callable[[], float]:
    """Seconds left to work inline: before API Gateway gives up, and before Lambda does."""

    def seconds_left() -> float:
        api_left = API_GATEWAY_SECONDS - REPLY_MARGIN_SECONDS - (time.monotonic() - received)
        lambda_left = context.get_remaining_time_in_millis() / 1000 - TIMEOUT_MARGIN_SECONDS
        return min(api_left, lambda_left)

    return seconds_left


# The replies, whichever path read the request.


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


@functools.cache
def documented_api() -> "APIGatewayRestResolver":
    """Every route as Powertools validates and documents it: the OpenAPI document, and any
    request the light readers are not sure of (refused with the API's 422s as before)."""
    from typing import Annotated

    from aws_lambda_powertools.event_handler import Response
    from aws_lambda_powertools.event_handler.openapi.params import Header, Path, Query

    from touchpoints.edge.api import SalesforceUser, admin_api, as_response, iam_caller
    from touchpoints.edge.ids import SalesforceId
    from touchpoints.edge.models.bulk_date_bodies import DateBody, JobView, PreviewView
    from touchpoints.edge.openapi import responses

    api = admin_api(ERRORS, body_models=[DateBody])
    campaign_id_type = Annotated[
        SalesforceId, Path(description="Salesforce Campaign id (15 or 18)")
    ]
    job_id_type = Annotated[
        str, Path(pattern=JOB_ID_PATTERN, description="Job id returned by apply or undo")
    ]
    job_answers = {
        200: ("The job an earlier request with this key started", JobView),
        201: ("Job created and finished", JobView),
        202: ("Job created; it carries on, poll GET /jobs/{job_id}", JobView),
    }

    def deps() -> Dependencies:
        found: Dependencies = api.context["deps"]
        return found

    def time_left() -> Callable[[], float]:
        return _time_left(api.context["received"], api.lambda_context)

    @api.post(
        "/campaigns/<campaign_id>/touchpoint-date/preview",
        summary="Preview a bulk touchpoint date",
        description="How many members the filter matches, which already carry a date, and a"
        " sample. Changes nothing; refuses what apply would refuse.",
        responses=responses(
            {200: ("The members the date would apply to", PreviewView)}, 404, 422, 503
        ),
    )
    def preview(campaign_id: campaign_id_type, body: DateBody) -> PreviewView:
        return as_response(preview_reply(deps(), body.to_request(campaign_id)))

    @api.post(
        "/campaigns/<campaign_id>/touchpoint-date",
        summary="Apply a bulk touchpoint date",
        description="Creates a job and applies it: up to 2,000 members within the request, more"
        " through Bulk API 2.0 afterwards (poll GET /jobs/{job_id}). A repeat with the same"
        " Idempotency-Key returns the first job.",
        responses=responses(job_answers, 404, 422, 503),
    )
    def apply(
        campaign_id: campaign_id_type,
        body: DateBody,
        idempotency_key: Annotated[
            str,
            Header(alias="Idempotency-Key", min_length=1, max_length=IDEMPOTENCY_KEY_MAX),
        ],
        salesforce_user: SalesforceUser = None,
    ) -> Response[JobView]:
        request = body.to_request(campaign_id)
        reply = apply_reply(
            deps(), request, idempotency_key, iam_caller(api), time_left(), salesforce_user
        )
        return as_response(reply)

    @api.get(
        "/jobs/<job_id>",
        summary="A bulk date job's state, progress and per-member errors",
        responses=responses({200: ("The job", JobView)}, 400, 404, 422),
    )
    def get_job(
        job_id: job_id_type,
        limit: Annotated[
            int, Query(ge=1, le=ERRORS_MAX, description="Errors per page")
        ] = ERRORS_PAGE,
        next: Annotated[str | None, Query(description="`next` from the previous page")] = None,
    ) -> JobView:
        return as_response(job_reply(deps(), job_id, limit, next))

    @api.post(
        "/jobs/<job_id>/undo",
        summary="Undo a bulk date job",
        description="Restores every member the job changed to its previous date (blank"
        " included), as a new job. A member whose date changed since keeps it and is reported."
        " Asking again returns the same undo job.",
        responses=responses(job_answers, 404, 409, 422, 503),
    )
    def undo(job_id: job_id_type, salesforce_user: SalesforceUser = None) -> Response[JobView]:
        reply = undo_reply(deps(), job_id, iam_caller(api), time_left(), salesforce_user)
        return as_response(reply)

    return api


# The light readers: plain requests, read without pydantic.
light = LightApi(ERRORS, documented_api)


def _job_id(request: LightRequest) -> str:
    job_id = request.path["job_id"]
    if not _JOB_ID.fullmatch(job_id):
        raise Unsure
    return job_id


def _salesforce_user(request: LightRequest) -> str | None:
    user = request.headers.get("x-salesforce-user")
    return some_text(user, SALESFORCE_USERNAME_MAX, _SALESFORCE_USERNAME)


@light.route("POST", "/campaigns/<campaign_id>/touchpoint-date/preview")
def read_preview(request: LightRequest, deps: Dependencies) -> Reply:
    campaign_id = salesforce_id(request.path["campaign_id"])
    return preview_reply(deps, read_date_body(json_body(request), campaign_id))


@light.route("POST", "/campaigns/<campaign_id>/touchpoint-date")
def read_apply(request: LightRequest, deps: Dependencies) -> Reply:
    campaign_id = salesforce_id(request.path["campaign_id"])
    key = some_text(request.headers.get("idempotency-key"), IDEMPOTENCY_KEY_MAX)
    if key is None:
        raise Unsure
    user = _salesforce_user(request)
    date_request = read_date_body(json_body(request), campaign_id)
    time_left = _time_left(request.received, request.lambda_context)
    return apply_reply(deps, date_request, key, request.caller, time_left, user)


@light.route("GET", "/jobs/<job_id>")
def read_job(request: LightRequest, deps: Dependencies) -> Reply:
    limit = whole_number(request.query.get("limit"), ERRORS_PAGE, ERRORS_MAX)
    return job_reply(deps, _job_id(request), limit, some_text(request.query.get("next")))


@light.route("POST", "/jobs/<job_id>/undo")
def read_undo(request: LightRequest, deps: Dependencies) -> Reply:
    job_id, user = _job_id(request), _salesforce_user(request)
    time_left = _time_left(request.received, request.lambda_context)
    return undo_reply(deps, job_id, request.caller, time_left, user)


@lambda_entry
def lambda_handler(event: dict[str, Any], context: Any, deps: Dependencies) -> dict[str, Any]:
    return light.resolve(event, context, deps)
