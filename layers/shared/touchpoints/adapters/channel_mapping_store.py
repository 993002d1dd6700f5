"""DynamoDB adapter: the offline channel mapping, the Campaign Types seen on campaigns, and the
audit of mapping changes (same table, PK/SK).

CHANNEL_MAPPING / CURRENT                     the mapping and its version (absent: the default)
CHANNEL_MAPPING / CAMPAIGN#<campaignId>       the campaign's Type and sync mode, as its last
                                              recompute read them from Salesforce
AUDIT#CHANNEL_MAPPING / <changedAt>#<version>  one entry per change; kept (no expiry), in the
                                              AuditIndex (adapters/audit_log.py)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from touchpoints.adapters.audit_log import audit_index_keys
from touchpoints.adapters.dynamodb import is_first_condition_failure, plain, query_all
from touchpoints.ports.audit import CHANNEL_MAPPING
from touchpoints.rules.channels import (
    DEFAULT_MAPPING,
    ChannelMapping,
    MappingEntry,
    SeenCampaign,
)
from touchpoints.rules.models import Campaign, Channel, SyncMode

_PK = "CHANNEL_MAPPING"
_CURRENT = "CURRENT"
_CAMPAIGN = "CAMPAIGN#"
_AUDIT_PK = "AUDIT#CHANNEL_MAPPING"


def _entry_to_item(entry: MappingEntry) -> dict[str, str]:
    item = {"campaign_type": entry.campaign_type, "channel": entry.channel}
    return item | ({"subchannel": entry.subchannel} if entry.subchannel is not None else {})


def _entry_from_item(item: Mapping[str, Any]) -> MappingEntry:
    return MappingEntry(item["campaign_type"], item["channel"], item.get("subchannel"))


class ChannelMappingStore:
    def __init__(self, table: Any) -> None:
        self._table = table

    # -- the mapping -------------------------------------------------------------------------

    def load(self) -> ChannelMapping:
        """The saved mapping, or the built-in default (version 0) before the first change."""
        item = self._table.get_item(Key={"PK": _PK, "SK": _CURRENT}, ConsistentRead=True).get(
            "Item"
        )
        if not item:
            return DEFAULT_MAPPING
        return ChannelMapping(
            int(item["version"]), tuple(_entry_from_item(e) for e in item["mappings"])
        )

    def channels(self) -> Mapping[str, Channel]:
        return self.load().channels()

    def replace(
        self, mapping: ChannelMapping, expected_version: int, audit: Mapping[str, Any]
    ) -> bool:
        """Saves `mapping` and its audit entry together, only if the saved version is still
        `expected_version`; False (nothing written) when another change came first."""
        changed_at = str(audit["changed_at"])
        condition = (
            {"ConditionExpression": "attribute_not_exists(PK)"}
            if expected_version == 0
            else {
                "ConditionExpression": "version = :expected",
                "ExpressionAttributeValues": {":expected": expected_version},
            }
        )
        try:  # the table's client takes plain Python values, as the table does
            self._table.meta.client.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self._table.name,
                            "Item": {
                                "PK": _PK,
                                "SK": _CURRENT,
                                "version": mapping.version,
                                "mappings": [_entry_to_item(e) for e in mapping.entries],
                                "changed_at": changed_at,
                                "changed_by": audit["changed_by"],
                            },
                            **condition,
                        }
                    },
                    {
                        "Put": {
                            "TableName": self._table.name,
                            "Item": {
                                "PK": _AUDIT_PK,
                                "SK": f"{changed_at}#{mapping.version:010d}",
                                **audit_index_keys(
                                    CHANNEL_MAPPING, changed_at, f"{mapping.version:010d}"
                                ),
                                **audit,
                                "version": mapping.version,
                                "mappings": [_entry_to_item(e) for e in mapping.entries],
                            },
                        }
                    },
                ]
            )
        except ClientError as error:
            if is_first_condition_failure(error):
                return False
            raise
        return True

    def audit_entries(self) -> list[dict[str, Any]]:
        """Every change, oldest first."""
        items = query_all(self._table, KeyConditionExpression=Key("PK").eq(_AUDIT_PK))
        return [{k: v for k, v in plain(i).items() if k not in ("PK", "SK")} for i in items]

    # -- Campaign Types seen on campaigns -----------------------------------------------------

    def record_campaign(self, campaign_id: str, campaign: Campaign | None) -> None:
        """What the recompute read: a deleted campaign is forgotten."""
        key = {"PK": _PK, "SK": f"{_CAMPAIGN}{campaign_id}"}
        if campaign is None:
            self._table.delete_item(Key=key)
            return
        item = {**key, "sync_mode": campaign.sync_mode.value}
        if campaign.type:
            item["campaign_type"] = campaign.type
        self._table.put_item(Item=item)

    def seen_campaigns(self) -> dict[str, SeenCampaign]:
        """Every campaign a recompute has seen, by id (one query of one partition)."""
        items = query_all(
            self._table,
            KeyConditionExpression=Key("PK").eq(_PK) & Key("SK").begins_with(_CAMPAIGN),
        )
        return {
            item["SK"].removeprefix(_CAMPAIGN): SeenCampaign(
                item.get("campaign_type"), SyncMode(item["sync_mode"])
            )
            for item in items
        }


class ChannelMappingOncePerInvocation:
    """The mapping read at most once: one GetItem serves every recompute of an invocation.
    Built per invocation, so a change is seen by the next one (which its recompute requests
    reach, being sent after the change is saved)."""

    def __init__(self, store: ChannelMappingStore) -> None:
        self._store = store
        self._channels: Mapping[str, Channel] | None = None

    def channels(self) -> Mapping[str, Channel]:
        if self._channels is None:
            self._channels = self._store.channels()
        return self._channels

    def record_campaign(self, campaign_id: str, campaign: Campaign | None) -> None:
        self._store.record_campaign(campaign_id, campaign)
