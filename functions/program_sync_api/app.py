"""ProgramSyncApiFunction (admin API, IAM-authorized): Marketo program ↔ Salesforce campaign links,
a sync of one link on demand, and the flow-action equivalents on campaign members.

The routes live in the layer (edge/routes/program_sync/): a plain request is read by its light
reader without loading pydantic, anything else by the documented resolver, `documented_api()`
(built only when needed; `make openapi` documents it). Both call the same reply functions."""

from typing import Any

from touchpoints.edge.handler import lambda_entry
from touchpoints.edge.routes.program_sync.light import documented_api, light
from touchpoints.wiring import Dependencies

__all__ = ["documented_api", "lambda_handler", "light"]


@lambda_entry
def lambda_handler(event: dict[str, Any], context: Any, deps: Dependencies) -> dict[str, Any]:
    return light.resolve(event, context, deps)
