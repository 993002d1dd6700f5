"""The bulk date API's light readers: plain requests read without pydantic (edge/light_api.py),
anything they are not sure of left to the documented resolver (`documented.py`)."""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

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
from touchpoints.edge.models.bulk_date import ERRORS, read_date_body
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

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import APIGatewayRestResolver

_JOB_ID = re.compile(JOB_ID_PATTERN)
_SALESFORCE_USERNAME = re.compile(SALESFORCE_USERNAME)


@functools.cache
def documented_api() -> APIGatewayRestResolver:
    """The documented resolver, built once and only when needed (it loads pydantic)."""
    from touchpoints.edge.routes.bulk_date.documented import documented_resolver

    return documented_resolver()


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
    seconds_left = time_left(request.received, request.lambda_context)
    return apply_reply(deps, date_request, key, request.caller, seconds_left, user)


@light.route("GET", "/jobs/<job_id>")
def read_job(request: LightRequest, deps: Dependencies) -> Reply:
    limit = whole_number(request.query.get("limit"), ERRORS_PAGE, ERRORS_MAX)
    return job_reply(deps, _job_id(request), limit, some_text(request.query.get("next")))


@light.route("POST", "/jobs/<job_id>/undo")
def read_undo(request: LightRequest, deps: Dependencies) -> Reply:
    job_id, user = _job_id(request), _salesforce_user(request)
    seconds_left = time_left(request.received, request.lambda_context)
    return undo_reply(deps, job_id, request.caller, seconds_left, user)
