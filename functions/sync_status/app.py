"""SyncStatusFunction, read-only: GET /campaigns/{campaignId}/sync-status, …/runs, GET /audit and
GET /persons/{personId}/path. The last run's counts by outcome, its recent runs and a page of
members with their outcome, reason and previous outcome, as JSON or (`?format=csv`) as the sync
report, read from the state table page by page; the campaign's run history (90 days), newest
first; every audit entry, newest first; and a person's touchpoints with the positions and
percentages the last attribution run gave them.

The routes live in the layer (edge/routes/sync_status/): a plain request is read by its light
reader without loading pydantic, anything else by the documented resolver, `documented_api()`
(built only when needed; `make openapi` documents it). Both call the same reply functions."""

from typing import Any

from touchpoints.edge.handler import lambda_entry
from touchpoints.edge.routes.sync_status.light import documented_api, light
from touchpoints.wiring import Dependencies

__all__ = ["documented_api", "lambda_handler", "light"]


@lambda_entry
def lambda_handler(event: dict[str, Any], context: Any, deps: Dependencies) -> dict[str, Any]:
    return light.resolve(event, context, deps)
