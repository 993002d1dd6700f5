"""SyncStatusFunction, read-only: GET /campaigns/{campaignId}/sync-status, …/runs, GET /audit and
GET /persons/{personId}/path. The last run's counts by outcome, its recent runs and a page of
members with their outcome, reason and previous outcome, as JSON or (`?format=csv`) as the sync
report, read from the state table page by page; the campaign's run history (90 days), newest
first; every audit entry, newest first; and a person's touchpoints with the positions and
percentages the last attribution run gave them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from touchpoints.edge.api import admin_api
from touchpoints.edge.handler import lambda_entry
from touchpoints.edge.ids import SalesforceId
from touchpoints.edge.models.sync_status import (
    ERRORS,
    member_status,
    page_start,
    path_step,
    report_header,
    report_rows,
    run_token,
)
from touchpoints.edge.models.sync_status_view import SyncStatusView
from touchpoints.edge.openapi import responses
from touchpoints.ports.audit import AuditQuery
from touchpoints.services.sync_status import JSON_PAGE_MAX, SyncStatus
from touchpoints.wiring import Dependencies

JSON_PAGE = 100
# A CSV page stays far below Lambda's 6 MB response limit (a row is about 150 bytes).
CSV_PAGE = 10_000
RUNS_PAGE, RUNS_MAX = 20, 100
AUDIT_PAGE, AUDIT_MAX = 50, 500

api = admin_api(ERRORS)


CampaignId = Annotated[SalesforceId, Path(description="Salesforce Campaign id (15 or 18)")]
PersonId = Annotated[SalesforceId, Path(description="Salesforce Lead or Contact id (15 or 18)")]


def _service() -> SyncStatus:
    deps: Dependencies = api.context["deps"]
    return deps.sync_status


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
    campaign_id: CampaignId,
    format: Annotated[Literal["json", "csv"], Query(description="json or csv")] = "json",
    limit: Annotated[
        int | None,
        Query(ge=1, le=CSV_PAGE, description=f"Members per page: JSON up to {JSON_PAGE_MAX}"),
    ] = None,
    next: Annotated[str | None, Query(description="`next` from the previous page")] = None,
) -> Any:
    start_after = page_start(next)
    if format == "csv":
        return _report(campaign_id, limit or CSV_PAGE, start_after)
    status = _service().campaign_status(campaign_id, limit or JSON_PAGE, start_after)
    return {
        **status.summary,
        "outcomes": [{"status": status, "members": count} for status, count in status.outcomes],
        "recent_runs": status.recent_runs,
        "members": [member_status(member) for member in status.page.members],
        "next": status.page.next,
    }


@api.get(
    "/campaigns/<campaign_id>/runs",
    summary="A campaign's run history",
    description="Every finished recompute run of the campaign in the last 90 days, newest first:"
    " cause, start, end, invocations, counts by outcome, Salesforce and AWS calls, errors by"
    " code. Paged: pass `next` from the previous page.",
    responses=responses({200: ("A page of runs", None)}, 404, 422),
)
def runs(
    campaign_id: CampaignId,
    limit: Annotated[
        int, Query(ge=1, le=RUNS_MAX, description=f"Runs per page, up to {RUNS_MAX}")
    ] = RUNS_PAGE,
    next: Annotated[str | None, Query(description="`next` from the previous page")] = None,
) -> Any:
    page, token = _service().runs(campaign_id, limit, run_token(next))
    return {"campaign_id": campaign_id, "runs": page, "next": token}


@api.get(
    "/persons/<person_id>/path",
    summary="A person's touchpoints with their positions and attribution percentages",
    description="Every touchpoint of a lead's or contact's path in date order, as the last"
    " attribution run left it: campaign, position (FT, LC) and the First Touch, Lead Creation"
    " and U-shaped percentages.",
    responses=responses({200: ("The person's path", None)}, 404, 422),
)
def person_path(person_id: PersonId) -> Any:
    steps = _service().person_path(person_id)
    return {"person_id": person_id, "touchpoints": [path_step(step) for step in steps]}


def _report(campaign_id: str, limit: int, start_after: str | None) -> Response:
    """The sync report; a `Link` header names the next page."""
    page = _service().report_members(campaign_id, limit, start_after)
    headers = {"Content-Disposition": "attachment"}
    if page.next:
        query = urlencode({"format": "csv", "limit": limit, "next": page.next})
        headers["Link"] = f'<?{query}>; rel="next"'  # this route, stage included
    body = "".join([report_header(), *report_rows(page.members)])
    return Response(200, "text/csv; charset=utf-8", body, headers)


@api.get(
    "/audit",
    summary="Audit entries",
    description="Every audit entry (bulk date jobs, channel mapping changes), newest first, with"
    " who acted: `actor` the IAM principal that called the admin API, `salesforce_user` the"
    " Salesforce user behind it when there was one. Filters: `campaign` (its bulk date jobs),"
    " `kind`, `actor` (either, exactly), `since`/`until` (ISO 8601, inclusive). A filtered page"
    " may hold fewer than `limit` entries: follow `next` until it is null.",
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
        str | None, Query(max_length=512, description="IAM principal ARN or Salesforce user")
    ] = None,
    since: Annotated[datetime | None, Query(description="From this time (ISO 8601)")] = None,
    until: Annotated[datetime | None, Query(description="Up to this time (ISO 8601)")] = None,
    limit: Annotated[
        int, Query(ge=1, le=AUDIT_MAX, description=f"Entries per page, up to {AUDIT_MAX}")
    ] = AUDIT_PAGE,
    next: Annotated[str | None, Query(description="`next` from the previous page")] = None,
) -> Any:
    query = AuditQuery(campaign, kind, actor, since, until)
    entries, token = _service().audit_entries(query, limit, next)
    return {"entries": entries, "next": token}


@lambda_entry
def lambda_handler(event: dict[str, Any], context: Any, deps: Dependencies) -> dict[str, Any]:
    api.append_context(deps=deps)
    return api.resolve(event, context)
