"""What the services need from the channel mapping store: the recompute applies the mapping and
records each campaign's Type and mode; the mapping API reads and replaces the mapping."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from touchpoints.rules.channels import ChannelMapping, SeenCampaign
from touchpoints.rules.models import Campaign, Channel


class RecomputeChannelsPort(Protocol):
    """The offline channel mapping the recompute applies, and where it records each campaign's
    Type and mode (what the mapping API re-maps and reports as unmapped)."""

    def channels(self) -> Mapping[str, Channel]: ...
    def record_campaign(self, campaign_id: str, campaign: Campaign | None) -> None: ...


class ChannelMappingStorePort(Protocol):
    """The mapping as the mapping API reads and replaces it (a conditional write on its version,
    with its audit entry), and the campaigns the recompute recorded."""

    def load(self) -> ChannelMapping: ...
    def replace(
        self, mapping: ChannelMapping, expected_version: int, audit: Mapping[str, Any]
    ) -> bool: ...
    def seen_campaigns(self) -> Mapping[str, SeenCampaign]: ...
