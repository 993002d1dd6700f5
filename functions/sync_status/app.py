"""SyncStatusFunction, read-only: GET /campaigns/{campaignId}/sync-status, …/runs, GET /audit and
GET /persons/{personId}/path. The last run's counts by outcome, its recent runs and a page of
members with their outcome, reason and previous outcome, as JSON or (`?format=csv`) as the sync
report, read from the state table page by page; the campaign's run history (90 days), newest
first; every audit entry, newest first; and a person's touchpoints with the positions and
percentages the last attribution run gave them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from touchpoints.edge.api import admin_api
from touchpoints.edge.handler import lambda_entry
from touchpoints.edge.ids import SalesforceId
from touchpoints.edge.models.sync_status import (
    ERRORS,
    CampaignNotRecomputedError,
    InvalidTimeRangeError,
    PageTooLargeError,
    PersonNotAttributedError,
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
from touchpoints.ports.state import StoredMember
from touchpoints.wiring import Dependencies

JSON_PAGE, JSON_MAX = 100, 1000
# A CSV page stays far below Lambda's 6 MB response limit (a row is about 150 bytes).
CSV_PAGE = 10_000
STATE_PAGE = 1000  # members read per DynamoDB query
RECENT_RUNS = 5  # runs the sync status shows; the runs route pages through all of them
RUNS_PAGE, RUNS_MAX = 20, 100
AUDIT_PAGE, AUDIT_MAX = 50, 500

api = admin_api(ERRORS)


CampaignId = Annotated[SalesforceId, Path(description="Salesforce Campaign id (15 or 18)")]
PersonId = Annotated[SalesforceId, Path(description="Salesforce Lead or Contact id (15 or 18)")]


def _pages(
    deps: Dependencies, campaign_id: str, limit: int, start_after: str | None
) -> Iterator[tuple[list[StoredMember], str | None]]:
    """Up to `limit` members, a state page at a time, each with the token of what follows."""
    left, token = limit, start_after
    while left:
        page, token = deps.state.member_page(campaign_id, min(left, STATE_PAGE), token)
        yield page, token
        left -= len(page)
        if token is None:
            return


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
        Query(ge=1, le=CSV_PAGE, description=f"Members per page: JSON up to {JSON_MAX}"),
    ] = None,
    next: Annotated[str | None, Query(description="`next` from the previous page")] = None,
) -> Any:
    deps: Dependencies = api.context["deps"]
    start_after = page_start(next)
    summary = deps.state.load_summary(campaign_id)
    if summary is None:
        raise CampaignNotRecomputedError(f"campaign {campaign_id} has not been recomputed yet")
    if format == "csv":
        return _report(deps, campaign_id, limit or CSV_PAGE, start_after)
    if limit is not None and limit > JSON_MAX:
        raise PageTooLargeError(f"limit: a JSON page holds up to {JSON_MAX} members")
    members, token = [], None
    for page, after in _pages(deps, campaign_id, limit or JSON_PAGE, start_after):
        members.extend(member_status(member) for member in page)
        token = after
    recent_runs, _ = deps.state.run_page(campaign_id, RECENT_RUNS, None)
    outcomes = [
        {"status": status, "members": count}
        for status, count in sorted(summary.get("statuses", {}).items())
    ]
    return {
        **summary,
        "outcomes": outcomes,
        "recent_runs": recent_runs,
        "members": members,
        "next": token,
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
    deps: Dependencies = api.context["deps"]
    page, token = deps.state.run_page(campaign_id, limit, run_token(next))
    if not page and next is None:
        raise CampaignNotRecomputedError(f"campaign {campaign_id} has no run in the last 90 days")
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
    deps: Dependencies = api.context["deps"]
    steps = deps.person_paths.load_path(person_id)
    if steps is None:
        raise PersonNotAttributedError(f"no attributed path is recorded for {person_id}")
    return {"person_id": person_id, "touchpoints": [path_step(step) for step in steps]}


def _report(deps: Dependencies, campaign_id: str, limit: int, start_after: str | None) -> Response:
    """The sync report, written a state page at a time; a `Link` header names the next page."""
    lines, headers, token = [report_header()], {"Content-Disposition": "attachment"}, None
    for page, after in _pages(deps, campaign_id, limit, start_after):
        lines.extend(report_rows(page))
        token = after
    if token:
        query = urlencode({"format": "csv", "limit": limit, "next": token})
        headers["Link"] = f'<?{query}>; rel="next"'  # this route, stage included
    return Response(200, "text/csv; charset=utf-8", "".join(lines), headers)


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
    if since and until and _utc(until) < _utc(since):
        raise InvalidTimeRangeError("until: the range ends before it starts")
    deps: Dependencies = api.context["deps"]
    query = AuditQuery(campaign, kind, actor, since, until)
    entries, token = deps.audit_log.page(query, limit, next)
    return {"entries": entries, "next": token}


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@lambda_entry
def lambda_handler(event: dict[str, Any], context: Any, deps: Dependencies) -> dict[str, Any]:
    api.append_context(deps=deps)
    return api.resolve(event, context)
