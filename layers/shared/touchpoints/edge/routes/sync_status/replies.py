"""The sync status API's replies, whichever path read the request (services/sync_status.py)."""

from __future__ import annotations

from urllib.parse import urlencode

from touchpoints.edge.light_api import Reply
from touchpoints.edge.models.sync_status import (
    member_status,
    page_start,
    path_step,
    report_header,
    report_rows,
    run_token,
)
from touchpoints.ports.audit import AuditQuery
from touchpoints.wiring import Dependencies

JSON_PAGE = 100
# A CSV page stays far below Lambda's 6 MB response limit (a row is about 150 bytes).
CSV_PAGE = 10_000
RUNS_PAGE, RUNS_MAX = 20, 100
AUDIT_PAGE, AUDIT_MAX = 50, 500
ACTOR_MAX = 512


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
