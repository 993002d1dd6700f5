"""SyncStatusFunction, read-only: GET /campaigns/{campaignId}/sync-status, …/runs, GET /audit and
GET /persons/{personId}/path. The last run's counts by outcome, its recent runs and a page of
members with their outcome, reason and previous outcome, as JSON or (`?format=csv`) as the sync
report, read from the state table page by page; the campaign's run history (90 days), newest
first; every audit entry, newest first; and a person's touchpoints with the positions and
percentages the last attribution run gave them.

Each route is declared once, in `documented_api` (Powertools validates and documents it: `make
openapi`); a plain request is read by its light reader below without loading pydantic, anything
else by the documented resolver (edge/light_api.py). Both call the same reply functions."""

# No `from __future__ import annotations`: the documented routes' annotations are evaluated where
# they are declared, inside `documented_api`, whose imports only it loads.
import functools
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from touchpoints.edge.handler import lambda_entry
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
from touchpoints.edge.models.sync_status import (
    ERRORS,
    member_status,
    page_start,
    path_step,
    report_header,
    report_rows,
    run_token,
)
from touchpoints.ports.audit import AuditQuery
from touchpoints.services.sync_status import JSON_PAGE_MAX
from touchpoints.wiring import Dependencies

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import APIGatewayRestResolver

JSON_PAGE = 100
# A CSV page stays far below Lambda's 6 MB response limit (a row is about 150 bytes).
CSV_PAGE = 10_000
RUNS_PAGE, RUNS_MAX = 20, 100
AUDIT_PAGE, AUDIT_MAX = 50, 500
ACTOR_MAX = 512
FORMATS = frozenset({"json", "csv"})
AUDIT_KINDS = frozenset({"bulk-date", "channel-mapping"})


# The replies, whichever path read the request.


def sync_status_reply(
    deps: Dependencies, campaign_id: str, format: str, limit: int | None, next: str | None
) -> Reply:
    start_after = page_start(next)
    if format == "csv":
        return _report(deps, campaign_id, limit or CSV_PAGE, start_after)
    status = deps.sync_status.campaign_status(campaign_id, limit or JSON_PAGE, start_after)
    body = {
        **status.summary,
        "outcomes": [{"status": status, "members": count} for status, count in status.outcomes],
        "recent_runs": status.recent_runs,
        "members": [member_status(member) for member in status.page.members],
        "next": status.page.next,
    }
    return Reply(200, body)


def _report(deps: Dependencies, campaign_id: str, limit: int, start_after: str | None) -> Reply:
    """The sync report; a `Link` header names the next page."""
    page = deps.sync_status.report_members(campaign_id, limit, start_after)
    headers = {"Content-Disposition": "attachment"}
    if page.next:
        query = urlencode({"format": "csv", "limit": limit, "next": page.next})
        headers["Link"] = f'<?{query}>; rel="next"'  # this route, stage included
    body = "".join([report_header(), *report_rows(page.members)])
    return Reply(200, body, "text/csv; charset=utf-8", headers)


def runs_reply(deps: Dependencies, campaign_id: str, limit: int, next: str | None) -> Reply:
    page, token = deps.sync_status.runs(campaign_id, limit, run_token(next))
    return Reply(200, {"campaign_id": campaign_id, "runs": page, "next": token})


def person_path_reply(deps: Dependencies, person_id: str) -> Reply:
    steps = deps.sync_status.person_path(person_id)
    return Reply(200, {"person_id": person_id, "touchpoints": [path_step(s) for s in steps]})


def audit_reply(deps: Dependencies, query: AuditQuery, limit: int, next: str | None) -> Reply:
    entries, token = deps.sync_status.audit_entries(query, limit, next)
    return Reply(200, {"entries": entries, "next": token})


@functools.cache
def documented_api() -> "APIGatewayRestResolver":
    """Every route as Powertools validates and documents it: the OpenAPI document, and any
    request the light readers are not sure of (refused with the API's 422s as before)."""
    from typing import Annotated, Literal

    from aws_lambda_powertools.event_handler.openapi.params import Path, Query

    from touchpoints.edge.api import admin_api, as_response
    from touchpoints.edge.ids import SalesforceId
    from touchpoints.edge.models.sync_status_view import SyncStatusView
    from touchpoints.edge.openapi import responses

    api = admin_api(ERRORS)
    campaign_id_type = Annotated[
        SalesforceId, Path(description="Salesforce Campaign id (15 or 18)")
    ]
    person_id_type = Annotated[
        SalesforceId, Path(description="Salesforce Lead or Contact id (15 or 18)")
    ]

    def deps() -> Dependencies:
        found: Dependencies = api.context["deps"]
        return found

    @api.get(
        "/campaigns/<campaign_id>/sync-status",
        summary="A campaign's sync status, or its sync report as CSV",
        description="The last recompute's counts by outcome, API calls spent, its most recent runs"
        " (`recent_runs`, newest first), and a page of members (member, person, email, outcome,"
        " reason, touchpoint date, channel, and what the member had before its last change and"
        " when). `format=csv` answers the same rows as text/csv, with a"
        ' `Link: <?…>; rel="next"` header while more remain.',
        responses=responses(
            {200: ("The summary and a page of members (or the CSV report)", SyncStatusView)},
            400,
            404,
            422,
        ),
    )
    def sync_status(
        campaign_id: campaign_id_type,
        format: Annotated[Literal["json", "csv"], Query(description="json or csv")] = "json",
        limit: Annotated[
            int | None,
            Query(ge=1, le=CSV_PAGE, description=f"Members per page: JSON up to {JSON_PAGE_MAX}"),
        ] = None,
        next: Annotated[str | None, Query(description="`next` from the previous page")] = None,
    ) -> Any:
        return as_response(sync_status_reply(deps(), campaign_id, format, limit, next))

    @api.get(
        "/campaigns/<campaign_id>/runs",
        summary="A campaign's run history",
        description="Every finished recompute run of the campaign in the last 90 days, newest"
        " first: cause, start, end, invocations, counts by outcome, Salesforce and AWS calls,"
        " errors by code. Paged: pass `next` from the previous page.",
        responses=responses({200: ("A page of runs", None)}, 404, 422),
    )
    def runs(
        campaign_id: campaign_id_type,
        limit: Annotated[
            int, Query(ge=1, le=RUNS_MAX, description=f"Runs per page, up to {RUNS_MAX}")
        ] = RUNS_PAGE,
        next: Annotated[str | None, Query(description="`next` from the previous page")] = None,
    ) -> Any:
        return as_response(runs_reply(deps(), campaign_id, limit, next))

    @api.get(
        "/persons/<person_id>/path",
        summary="A person's touchpoints with their positions and attribution percentages",
        description="Every touchpoint of a lead's or contact's path in date order, as the last"
        " attribution run left it: campaign, position (FT, LC) and the First Touch, Lead Creation"
        " and U-shaped percentages.",
        responses=responses({200: ("The person's path", None)}, 404, 422),
    )
    def person_path(person_id: person_id_type) -> Any:
        return as_response(person_path_reply(deps(), person_id))

    @api.get(
        "/audit",
        summary="Audit entries",
        description="Every audit entry (bulk date jobs, channel mapping changes), newest first,"
        " with who acted: `actor` the IAM principal that called the admin API, `salesforce_user`"
        " the Salesforce user behind it when there was one. Filters: `campaign` (its bulk date"
        " jobs), `kind`, `actor` (either, exactly), `since`/`until` (ISO 8601, inclusive). A"
        " filtered page may hold fewer than `limit` entries: follow `next` until it is null.",
        responses=responses({200: ("A page of audit entries", None)}, 422),
    )
    def audit(
        campaign: Annotated[
            SalesforceId | None, Query(description="Only this campaign's bulk date jobs")
        ] = None,
        kind: Annotated[
            Literal["bulk-date", "channel-mapping"] | None, Query(description="Entry kind")
        ] = None,
        actor: Annotated[
            str | None,
            Query(max_length=ACTOR_MAX, description="IAM principal ARN or Salesforce user"),
        ] = None,
        since: Annotated[datetime | None, Query(description="From this time (ISO 8601)")] = None,
        until: Annotated[datetime | None, Query(description="Up to this time (ISO 8601)")] = None,
        limit: Annotated[
            int, Query(ge=1, le=AUDIT_MAX, description=f"Entries per page, up to {AUDIT_MAX}")
        ] = AUDIT_PAGE,
        next: Annotated[str | None, Query(description="`next` from the previous page")] = None,
    ) -> Any:
        query = AuditQuery(campaign, kind, actor, since, until)
        return as_response(audit_reply(deps(), query, limit, next))

    return api


# The light readers: plain requests, read without pydantic.
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


@lambda_entry
def lambda_handler(event: dict[str, Any], context: Any, deps: Dependencies) -> dict[str, Any]:
    return light.resolve(event, context, deps)
