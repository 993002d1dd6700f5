"""BulkDateUpdateFunction: preview, apply, track and undo a touchpoint date on campaign members
(API Gateway REST, IAM-authorized), and carry jobs on from its own SQS queue."""

from __future__ import annotations

import datetime as dt
import functools
import re
import time
from collections.abc import Callable, Sequence
from importlib import resources
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Header, Path, Query
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from touchpoints.api_errors import error_response, register_error_table
from touchpoints.errors import (
    InvalidPageTokenError,
    SalesforceLimitExceededError,
    SalesforceUnavailableError,
)
from touchpoints.rules.bulk_jobs import Job, touchpoints_enabled
from touchpoints.rules.member_filter import (
    MAX_MEMBER_IDS,
    MAX_STATUS_LENGTH,
    MAX_STATUSES,
    MemberFilter,
)
from touchpoints.rules.member_filter import filter_to_dict as filter_to_item
from touchpoints.rules.touchpoint_date import EARLIEST_MOMENT, LATEST_MOMENT
from touchpoints.services.api_limit import postponed_on_api_limit
from touchpoints.services.bulk_date import (
    BulkDatePorts,
    CampaignNotFoundError,
    DateInFutureError,
    DateOutOfRangeError,
    DateRequest,
    FilterTooLargeError,
    IdempotencyKeyReusedError,
    JobNotFinishedError,
    JobNotFoundError,
    NoMatchingMembersError,
    NothingToUndoError,
    Submitted,
    UnknownMembersError,
    apply_touchpoint_date,
    job_report,
    preview_touchpoint_date,
    requested_moment,
    run_job,
    undo_job,
)
from touchpoints.settings import load_settings
from touchpoints.tracing import function_tracer
from touchpoints.wiring import Dependencies

logger = Logger()
tracer = function_tracer()
metrics = Metrics(namespace="OfflineTouchpoints")
api = APIGatewayRestResolver(enable_validation=True)

SALESFORCE_ID = r"^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$"
MEMBER_ID = r"^[a-zA-Z0-9]{18}$"
JOB_ID = r"^[0-9a-f-]{36}$"
# API Gateway answers 504 after 29 s: inline work stops early enough to reply in time.
API_GATEWAY_SECONDS = 29.0
REPLY_MARGIN_SECONDS = 3.0
# A continuation stops before the function's own timeout and asks for the next invocation.
TIMEOUT_MARGIN_SECONDS = 5.0


# -- request and response bodies (pydantic lives here, at the edge) ------------------------------

# ISO 8601 text only: pydantic's lax mode would read a JSON number, or a string of digits, as a
# Unix timestamp (20260115 → 1970-08-23). [0-9], not \d, which also matches other scripts' digits.
ISO_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
ISO_DATE_TIME = (
    rf"{ISO_DATE}T[0-9]{{2}}:[0-9]{{2}}(:[0-9]{{2}}(\.[0-9]{{1,6}})?)?(Z|[+-][0-9]{{2}}:[0-9]{{2}})"
)


def _iso_8601_text(pattern: str, example: str) -> BeforeValidator:
    shape = re.compile(pattern)

    def text_only(value: Any) -> str:
        if isinstance(value, str) and shape.fullmatch(value):
            return value
        raise ValueError(f"must be an ISO 8601 string, e.g. {example}")

    return BeforeValidator(text_only)


RequestedDate = Annotated[
    AwareDatetime | dt.date,
    _iso_8601_text(f"{ISO_DATE}|{ISO_DATE_TIME}", "2026-01-15 or 2026-01-15T09:30:00+01:00"),
]


def _within_accepted_years(day: dt.date) -> dt.date:
    if not EARLIEST_MOMENT.date() <= day <= LATEST_MOMENT.date():
        raise ValueError(f"must be from {EARLIEST_MOMENT.date()} to {LATEST_MOMENT.date()}")
    return day


FilterDate = Annotated[
    dt.date,
    _iso_8601_text(ISO_DATE, "2026-01-15"),
    AfterValidator(_within_accepted_years),
]
Status = Annotated[str, StringConstraints(min_length=1, max_length=MAX_STATUS_LENGTH)]
MemberId = Annotated[str, StringConstraints(pattern=MEMBER_ID)]


@functools.cache
def _known_time_zones() -> frozenset[str]:
    """IANA names from the pinned tzdata package: the answer never depends on the host's files
    (`localtime`, `posix/…`). `Factory` is a placeholder, not a place."""
    return frozenset(resources.files("tzdata").joinpath("zones").read_text().split()) - {"Factory"}


class FilterBody(BaseModel):
    """Every criterion that is set must hold; an empty filter selects every member."""

    model_config = ConfigDict(extra="forbid")
    statuses: list[Status] | None = Field(
        None,
        min_length=1,
        max_length=MAX_STATUSES,
        description=f"Member statuses, e.g. Attended (up to {MAX_STATUSES},"
        f" each up to {MAX_STATUS_LENGTH} characters)",
    )
    responded: StrictBool | None = Field(
        None, description="Members that have (or have not) responded"
    )
    created_from: FilterDate | None = Field(
        None,
        description=f"Added to the campaign on or after ({EARLIEST_MOMENT.date()} to {LATEST_MOMENT.date()})",
    )
    created_to: FilterDate | None = Field(
        None,
        description=f"Added to the campaign on or before ({EARLIEST_MOMENT.date()} to {LATEST_MOMENT.date()})",
    )
    member_ids: list[MemberId] | None = Field(
        None,
        min_length=1,
        max_length=MAX_MEMBER_IDS,
        description=f"18-character member ids (up to {MAX_MEMBER_IDS:,})",
    )
    only_without_date: StrictBool = Field(False, description="Only members that carry no date yet")

    @field_validator("created_to")
    @classmethod
    def _not_before_start(cls, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        start = info.data.get("created_from")
        if value is not None and start is not None and value < start:
            raise ValueError("created_to is before created_from")
        return value

    def to_rule(self) -> MemberFilter:
        return MemberFilter(
            statuses=frozenset(self.statuses) if self.statuses is not None else None,
            responded=self.responded,
            created_from=self.created_from,
            created_to=self.created_to,
            member_ids=frozenset(self.member_ids) if self.member_ids is not None else None,
            only_without_date=self.only_without_date,
        )


class DateBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date: RequestedDate = Field(
        description="ISO 8601 date (00:00 UTC, or in `timezone`) or date-time with offset,"
        f" from {EARLIEST_MOMENT.date()} to {LATEST_MOMENT.date()} (Salesforce's latest date)"
    )
    timezone: str | None = Field(
        None,
        max_length=64,
        description="IANA time zone a plain date starts in, e.g. Europe/Paris",
    )
    filter: FilterBody = Field(default_factory=FilterBody)
    allow_future: StrictBool = Field(False, description="Accept a date more than one day ahead")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        if isinstance(info.data.get("date"), dt.datetime):
            raise ValueError("applies only to a plain date; a date-time carries its own offset")
        if value not in _known_time_zones():
            raise ValueError(f"unknown time zone {value!r}; use an IANA name, e.g. Europe/Paris")
        return value

    def to_request(self, campaign_id: str) -> DateRequest:
        zone = ZoneInfo(self.timezone) if self.timezone else None
        return DateRequest(
            campaign_id=campaign_id,
            moment=requested_moment(self.date, zone),
            criteria=self.filter.to_rule(),
            allow_future=self.allow_future,
        )


class ErrorBody(BaseModel):
    error: str = Field(description="Machine-readable code, e.g. NO_MATCHING_MEMBERS")
    message: str
    field: str | None = Field(None, description="The request field at fault")


class MemberView(BaseModel):
    member_id: str
    status: str | None
    email: str | None
    touchpoint_date: dt.datetime | None


class DatedMemberView(BaseModel):
    member_id: str
    touchpoint_date: dt.datetime


class PreviewView(BaseModel):
    campaign_id: str
    campaign_name: str
    date: dt.datetime = Field(description="The moment members would carry, in UTC")
    matched: int
    already_dated: int = Field(description="Matched members that already carry a date")
    already_dated_members: list[DatedMemberView] = Field(description="The first 100 of them")
    sample: list[MemberView]
    touchpoints_enabled: bool = Field(description="Existing touchpoints will be re-dated")
    write_path: str = Field(description="collections (up to 2,000 members) or bulk")


class ProgressView(BaseModel):
    matched: int
    updated: int
    failed: int


class MemberErrorView(BaseModel):
    member_id: str
    error: str
    message: str


class JobView(BaseModel):
    job_id: str
    kind: str = Field(description="apply, or undo (of `undo_of`)")
    campaign_id: str
    state: str = Field(description="pending, running, succeeded, partially_failed or failed")
    date: dt.datetime | None = Field(description="The date applied (an undo restores each own)")
    filter: dict[str, Any] | None = Field(description="The filter as given (apply jobs)")
    requested_by: str = Field(description="IAM principal that started the job")
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    progress: ProgressView
    write_path: str
    touchpoints_enabled: bool
    recompute_enqueued: bool
    undo_of: str | None
    undone_by: str | None
    message: str | None
    errors: list[MemberErrorView] = Field(description="Per-member errors, one page")
    next: str | None = Field(description="Token for the next page of errors")


def _job_view(job: Job, errors: Sequence[Any] = (), next_page: str | None = None) -> JobView:
    return JobView(
        job_id=job.id,
        kind=job.kind.value,
        campaign_id=job.campaign_id,
        state=job.state.value,
        date=job.date,
        filter=filter_to_item(job.criteria) if job.criteria else None,
        requested_by=job.requested_by,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        progress=ProgressView(matched=job.matched, updated=job.updated, failed=job.failed),
        write_path=job.write_path.value,
        touchpoints_enabled=touchpoints_enabled(job.sync_mode),
        recompute_enqueued=job.recompute_enqueued,
        undo_of=job.undo_of,
        undone_by=job.undone_by,
        message=job.message,
        errors=[
            MemberErrorView(member_id=e.member_id, error=e.code, message=e.message) for e in errors
        ],
        next=next_page,
    )


def _responses(ok: dict[int, tuple[str, type[BaseModel]]], *errors: int) -> dict[int, Any]:
    """OpenAPI responses: the success bodies and the error codes, all in the error shape."""
    described = {
        400: "Malformed request",
        404: "Unknown campaign or job",
        409: "The job is not in a state that allows this",
        422: "Invalid input, named in `field`",
        503: "Salesforce is unavailable or its API limit is spent; retry later",
    }
    responses: dict[int, Any] = {
        code: {"description": text, "content": {"application/json": {"model": model}}}
        for code, (text, model) in ok.items()
    }
    for code in errors:
        responses[code] = {
            "description": described[code],
            "content": {"application/json": {"model": ErrorBody}},
        }
    return responses


# -- errors: one table from exception class to status and code -----------------------------------

ERRORS: dict[type[Exception], tuple[int, str]] = {
    CampaignNotFoundError: (404, "CAMPAIGN_NOT_FOUND"),
    JobNotFoundError: (404, "JOB_NOT_FOUND"),
    DateInFutureError: (422, "DATE_IN_FUTURE"),
    DateOutOfRangeError: (422, "DATE_OUT_OF_RANGE"),
    FilterTooLargeError: (422, "FILTER_TOO_LARGE"),
    UnknownMembersError: (422, "UNKNOWN_MEMBERS"),
    NoMatchingMembersError: (422, "NO_MATCHING_MEMBERS"),
    IdempotencyKeyReusedError: (422, "IDEMPOTENCY_KEY_REUSED"),
    JobNotFinishedError: (409, "JOB_NOT_FINISHED"),
    NothingToUndoError: (409, "NOTHING_TO_UNDO"),
    InvalidPageTokenError: (400, "INVALID_PAGE_TOKEN"),
    SalesforceUnavailableError: (503, "SALESFORCE_UNAVAILABLE"),
    SalesforceLimitExceededError: (503, "SALESFORCE_LIMIT_EXCEEDED"),
}


register_error_table(api, ERRORS)


@api.not_found
def _no_route(error: NotFoundError) -> Response:
    """API Gateway only forwards the routes template.yaml declares; this keeps the shape anyway."""
    return error_response(404, "NOT_FOUND", "no such route")


HEADER_NAMES = {"idempotency-key": "Idempotency-Key"}


def _field_name(loc: Sequence[Any]) -> str:
    """`("body", "filter", "colour")` → `filter.colour`: the field as the caller wrote it. Walks
    the body model so pydantic's union tags and list indexes drop out."""
    where, *rest = loc
    if where == "header" and rest:
        return HEADER_NAMES.get(str(rest[0]).lower(), str(rest[0]))
    if where != "body":
        return str(rest[0]) if rest else where
    names: list[str] = []
    model: Any = DateBody
    for part in rest:
        fields = getattr(model, "model_fields", {})
        if part not in fields:
            if model is not None and isinstance(part, str):
                names.append(part)  # a field the model does not have
            break
        names.append(part)
        annotation = fields[part].annotation
        model = next(
            (arg for arg in (annotation, *getattr(annotation, "__args__", ())) if _is_model(arg)),
            None,
        )
    return ".".join(names) or "body"


def _is_model(candidate: Any) -> bool:
    return isinstance(candidate, type) and issubclass(candidate, BaseModel)


def _problem(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "is required"
    if kind == "json_invalid":
        return "the request body is not valid JSON"
    return str(error.get("msg", "is not valid")).removeprefix("Value error, ")


@api.exception_handler(RequestValidationError)
def _invalid(error: RequestValidationError) -> Response:
    """Powertools' own validation errors (422), in the API's error shape, naming the field."""
    # one problem per field: a union (date or date-time) reports each alternative
    problems = list({_field_name(e["loc"]): _problem(e) for e in reversed(error.errors())}.items())
    problems.reverse()
    message = "; ".join(f"{field}: {problem}" for field, problem in problems[:5])
    return error_response(422, "INVALID_REQUEST", message, problems[0][0] if problems else None)


# -- routes ---------------------------------------------------------------------------------------

CampaignId = Annotated[str, Path(pattern=SALESFORCE_ID, description="Salesforce Campaign id")]
JobId = Annotated[str, Path(pattern=JOB_ID, description="Job id returned by apply or undo")]


@functools.cache
def default_dependencies() -> Dependencies:
    return Dependencies(load_settings())


def _ports(deps: Dependencies) -> BulkDatePorts:
    return BulkDatePorts(
        salesforce=deps.salesforce,
        jobs=deps.jobs,
        continuation=deps.job_queue,
        recompute=deps.queue,
        bulk_threshold=deps.settings.bulk_api_threshold,
        continue_delay_seconds=deps.settings.job_continue_delay_seconds,
    )


def _caller() -> str:
    """The IAM principal API Gateway authenticated (AWS_IAM authorization)."""
    identity = api.current_event.request_context.identity
    return identity.user_arn or identity.caller or "unknown"


def _api_budget() -> Callable[[], float]:
    started, context = api.context["started"], api.lambda_context

    def seconds_left() -> float:
        api_left = API_GATEWAY_SECONDS - REPLY_MARGIN_SECONDS - (time.monotonic() - started)
        lambda_left = context.get_remaining_time_in_millis() / 1000 - TIMEOUT_MARGIN_SECONDS
        return min(api_left, lambda_left)

    return seconds_left


def _submitted(submitted: Submitted) -> Response[JobView]:
    """201 for a job finished here, 202 for one that carries on, 200 for a repeated request."""
    job = submitted.job
    if not submitted.created:
        status = 200
    else:
        status = 201 if job.state.finished else 202
        metrics.add_metric(name="BulkDateJobsCreated", unit=MetricUnit.Count, value=1)
        _count_finished(job)
    report = job_report(_ports(api.context["deps"]), job.id, limit=100, after=None)
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=_job_view(report.job, report.failures, report.next_page).model_dump(mode="json"),
        headers={"Location": f"/jobs/{job.id}"},
    )


@api.post(
    "/campaigns/<campaign_id>/touchpoint-date/preview",
    summary="Preview a bulk touchpoint date",
    description="How many members the filter matches, which already carry a date, and a sample."
    " Changes nothing; refuses what apply would refuse.",
    responses=_responses(
        {200: ("The members the date would apply to", PreviewView)}, 404, 422, 503
    ),
)
def preview(campaign_id: CampaignId, body: DateBody) -> PreviewView:
    deps: Dependencies = api.context["deps"]
    result = preview_touchpoint_date(_ports(deps), body.to_request(campaign_id), deps.clock())
    return PreviewView(
        campaign_id=result.campaign.id,
        campaign_name=result.campaign.name,
        date=result.moment,
        matched=result.matched,
        already_dated=len(result.already_dated),
        already_dated_members=[
            DatedMemberView(member_id=m.id, touchpoint_date=m.touchpoint_date)
            for m in result.already_dated[:100]
        ],
        sample=[
            MemberView(
                member_id=m.id, status=m.status, email=m.email, touchpoint_date=m.touchpoint_date
            )
            for m in result.sample
        ],
        touchpoints_enabled=touchpoints_enabled(result.campaign.sync_mode),
        write_path=result.write_path.value,
    )


@api.post(
    "/campaigns/<campaign_id>/touchpoint-date",
    summary="Apply a bulk touchpoint date",
    description="Creates a job and applies it: up to 2,000 members within the request, more"
    " through Bulk API 2.0 afterwards (poll GET /jobs/{job_id}). A repeat with the same"
    " Idempotency-Key returns the first job.",
    responses=_responses(
        {
            200: ("The job an earlier request with this key started", JobView),
            201: ("Job created and finished", JobView),
            202: ("Job created; it carries on, poll GET /jobs/{job_id}", JobView),
        },
        404,
        422,
        503,
    ),
)
def apply(
    campaign_id: CampaignId,
    body: DateBody,
    idempotency_key: Annotated[str, Header(alias="Idempotency-Key", min_length=1, max_length=255)],
) -> Response[JobView]:
    deps: Dependencies = api.context["deps"]
    submitted = apply_touchpoint_date(
        _ports(deps),
        body.to_request(campaign_id),
        idempotency_key,
        _caller(),
        deps.clock(),
        _api_budget(),
    )
    return _submitted(submitted)


@api.get(
    "/jobs/<job_id>",
    summary="A bulk date job's state, progress and per-member errors",
    responses=_responses({200: ("The job", JobView)}, 400, 404, 422),
)
def get_job(
    job_id: JobId,
    limit: Annotated[int, Query(ge=1, le=1000, description="Errors per page")] = 100,
    next: Annotated[str | None, Query(description="`next` from the previous page")] = None,
) -> JobView:
    deps: Dependencies = api.context["deps"]
    report = job_report(_ports(deps), job_id, limit, next)
    return _job_view(report.job, report.failures, report.next_page)


@api.post(
    "/jobs/<job_id>/undo",
    summary="Undo a bulk date job",
    description="Restores every member the job changed to its previous date (blank included),"
    " as a new job. A member whose date changed since keeps it and is reported. Asking again"
    " returns the same undo job.",
    responses=_responses(
        {
            200: ("The undo job an earlier request started", JobView),
            201: ("Undo job created and finished", JobView),
            202: ("Undo job created; it carries on", JobView),
        },
        404,
        409,
        422,
        503,
    ),
)
def undo(job_id: JobId) -> Response[JobView]:
    deps: Dependencies = api.context["deps"]
    submitted = undo_job(_ports(deps), job_id, _caller(), deps.clock(), _api_budget())
    return _submitted(submitted)


# -- continuations ------------------------------------------------------------------------------


class JobContinuation(BaseModel):
    job_id: str = Field(pattern=JOB_ID)


def _continue(record: SQSRecord, deps: Dependencies, context: Any) -> None:
    message = JobContinuation.model_validate_json(record.body)
    with postponed_on_api_limit(deps.job_queue, record, job_id=message.job_id):
        job = run_job(
            _ports(deps),
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
    _count_finished(job)


def _count_finished(job: Job) -> None:
    if job.state.finished:
        metrics.add_metric(name="BulkDateMembersUpdated", unit=MetricUnit.Count, value=job.updated)
        metrics.add_metric(name="BulkDateMembersFailed", unit=MetricUnit.Count, value=job.failed)


@metrics.log_metrics
@tracer.capture_lambda_handler
@logger.inject_lambda_context
def lambda_handler(
    event: dict[str, Any], context: Any, deps: Dependencies | None = None
) -> dict[str, Any]:
    deps = deps or default_dependencies()
    if "Records" in event:
        processor = BatchProcessor(event_type=EventType.SQS)
        processor.raise_on_entire_batch_failure = False  # failures are reported item by item
        return process_partial_response(
            event=event,
            record_handler=lambda record: _continue(record, deps, context),
            processor=processor,
            context=context,
        )
    api.append_context(deps=deps, started=time.monotonic())
    return api.resolve(event, context)
