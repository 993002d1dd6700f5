"""The sync status API's routes as Powertools validates and documents them: the OpenAPI
document, and any request the light readers are not sure of (refused with the API's 422s).
Loads pydantic and Powertools' event handler: only `light.documented_api()` imports it, when it
is needed."""

# No `from __future__ import annotations`: Powertools reads the routes' annotations as objects.
from datetime import datetime
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from touchpoints.edge.api import admin_api, as_response
from touchpoints.edge.ids import SalesforceId
from touchpoints.edge.models.sync_status import ERRORS
from touchpoints.edge.models.sync_status_view import SyncStatusView
from touchpoints.edge.openapi import responses
from touchpoints.edge.routes.sync_status.replies import (
    ACTOR_MAX,
    AUDIT_MAX,
    AUDIT_PAGE,
    CSV_PAGE,
    RUNS_MAX,
    RUNS_PAGE,
    audit_reply,
    person_path_reply,
    runs_reply,
    sync_status_reply,
)
from touchpoints.ports.audit import AuditQuery
from touchpoints.services.sync_status import JSON_PAGE_MAX
from touchpoints.wiring import Dependencies

CampaignIdPath = Annotated[SalesforceId, Path(description="Salesforce Campaign id (15 or 18)")]
PersonIdPath = Annotated[SalesforceId, Path(description="Salesforce Lead or Contact id (15 or 18)")]


def documented_resolver() -> APIGatewayRestResolver:
    """Every route of the API, each calling the reply the light path calls."""
    api = admin_api(ERRORS)

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
        campaign_id: CampaignIdPath,
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
        campaign_id: CampaignIdPath,
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
    def person_path(person_id: PersonIdPath) -> Any:
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
