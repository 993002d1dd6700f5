"""The sync status API's light readers: plain requests read without pydantic
(edge/light_api.py), anything they are not sure of left to the documented resolver
(`documented.py`)."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from touchpoints.edge.light_api import (
    LightApi,
    LightRequest,
    Reply,
    absent,
    one_of,
    optional_id,
    salesforce_id,
    some_text,
    whole_number,
)
from touchpoints.edge.models.sync_status import ERRORS
from touchpoints.edge.routes.sync_status.replies import (
    ACTOR_MAX,
    AUDIT_MAX,
    AUDIT_PAGE,
    CSV_PAGE,
    JSON_PAGE,
    RUNS_MAX,
    RUNS_PAGE,
    audit_reply,
    person_path_reply,
    runs_reply,
    sync_status_reply,
)
from touchpoints.ports.audit import AuditQuery
from touchpoints.wiring import Dependencies

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import APIGatewayRestResolver

FORMATS = frozenset({"json", "csv"})
AUDIT_KINDS = frozenset({"bulk-date", "channel-mapping"})


@functools.cache
def documented_api() -> APIGatewayRestResolver:
    """The documented resolver, built once and only when needed (it loads pydantic)."""
    from touchpoints.edge.routes.sync_status.documented import documented_resolver

    return documented_resolver()


light = LightApi(ERRORS, documented_api)


@light.route("GET", "/campaigns/<campaign_id>/sync-status")
def read_sync_status(request: LightRequest, deps: Dependencies) -> Reply:
    query = request.query
    campaign_id = salesforce_id(request.path["campaign_id"])
    format = one_of(query.get("format"), FORMATS) or "json"
    limit = whole_number(query["limit"], JSON_PAGE, CSV_PAGE) if "limit" in query else None
    return sync_status_reply(deps, campaign_id, format, limit, some_text(query.get("next")))


@light.route("GET", "/campaigns/<campaign_id>/runs")
def read_runs(request: LightRequest, deps: Dependencies) -> Reply:
    campaign_id = salesforce_id(request.path["campaign_id"])
    limit = whole_number(request.query.get("limit"), RUNS_PAGE, RUNS_MAX)
    return runs_reply(deps, campaign_id, limit, some_text(request.query.get("next")))


@light.route("GET", "/persons/<person_id>/path")
def read_person_path(request: LightRequest, deps: Dependencies) -> Reply:
    return person_path_reply(deps, salesforce_id(request.path["person_id"]))


@light.route("GET", "/audit")
def read_audit(request: LightRequest, deps: Dependencies) -> Reply:
    values = request.query
    absent(values, "since", "until")  # dates: as pydantic reads them
    query = AuditQuery(
        optional_id(values.get("campaign")),
        one_of(values.get("kind"), AUDIT_KINDS),
        some_text(values.get("actor"), ACTOR_MAX),
    )
    limit = whole_number(values.get("limit"), AUDIT_PAGE, AUDIT_MAX)
    return audit_reply(deps, query, limit, some_text(values.get("next")))
