"""The channel mapping's request and response bodies (pydantic), for the documented resolver and
the OpenAPI document; the refusals are in `channel_mapping.py`."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, StrictStr


class MappingRow(BaseModel):
    model_config = ConfigDict(extra="forbid")
    campaign_type: StrictStr = Field(description="A Campaign Type picklist value, e.g. Webinar")
    channel: StrictStr = Field(description="Marketing channel, e.g. Offline Event")
    subchannel: StrictStr | None = Field(None, description="Optional; the path is Channel.Sub")


class MappingBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mappings: list[MappingRow] = Field(description="The whole mapping; a type left out is Unmapped")


class CurrentView(MappingBody):
    version: int = Field(description="Send as If-Match to change it (0: the built-in default)")
    unmapped_types: list[str] = Field(description="Types of synced campaigns with no mapping")


class ChangeView(MappingBody):
    version: int
    changed_types: list[str] = Field(description="Types whose channel changed")
    recomputes_enqueued: int = Field(description="Campaigns whose touchpoints will be re-mapped")
