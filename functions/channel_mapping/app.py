"""ChannelMappingFunction: the offline channel mapping (Campaign Type → channel and subchannel),
read and replaced as a whole through the admin API (API Gateway REST, IAM-authorized).

The routes live in the layer (edge/routes/channel_mapping/): a plain request is read by its light
reader without loading pydantic, anything else by the documented resolver, `documented_api()`
(built only when needed; `make openapi` documents it). Both call the same reply functions."""

from typing import Any

from touchpoints.edge.handler import lambda_entry
from touchpoints.edge.routes.channel_mapping.light import documented_api, light
from touchpoints.wiring import Dependencies

__all__ = ["documented_api", "lambda_handler", "light"]


@lambda_entry
def lambda_handler(event: dict[str, Any], context: Any, deps: Dependencies) -> dict[str, Any]:
    return light.resolve(event, context, deps)
