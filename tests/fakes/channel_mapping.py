"""The channel mapping store (`touchpoints.ports.channel_mapping.RecomputeChannelsPort` and
`ChannelMappingStorePort`): the mapping at a version, the Types
recomputes saw, the audit; counts mapping reads."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from touchpoints.rules.channels import DEFAULT_MAPPING, ChannelMapping, SeenCampaign
from touchpoints.rules.models import Campaign, Channel


class FakeChannelMapping:
    def __init__(self, mapping: ChannelMapping = DEFAULT_MAPPING) -> None:
        self.mapping = mapping
        self.seen: dict[str, SeenCampaign] = {}
        self.audit: list[dict[str, Any]] = []
        self.reads = 0

    def load(self) -> ChannelMapping:
        self.reads += 1
        return self.mapping

    def channels(self) -> Mapping[str, Channel]:
        return self.load().channels()

    def replace(
        self, mapping: ChannelMapping, expected_version: int, audit: Mapping[str, Any]
    ) -> bool:
        if self.mapping.version != expected_version:
            return False
        self.mapping = mapping
        self.audit.append({**audit, "version": mapping.version})
        return True

    def record_campaign(self, campaign_id: str, campaign: Campaign | None) -> None:
        if campaign is None:
            self.seen.pop(campaign_id, None)
        else:
            self.seen[campaign_id] = SeenCampaign(campaign.type, campaign.sync_mode)

    def seen_campaigns(self) -> dict[str, SeenCampaign]:
        return dict(self.seen)
